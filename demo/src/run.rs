//! One run of `hero_demo`: parse the command line, bind the sockets (after the bind delay),
//! serve until a reason to stop, clean up, and turn the outcome into an exit code.

use std::error::Error;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use tokio::net::TcpListener;

use crate::behaviour;
use crate::console;
use crate::error::DemoError;
use crate::options::{self, Command, Options, READY_DELAY_ENV, USAGE};
use crate::routes::Surface;
use crate::server::{self, Listener};
use crate::service::Service;
use crate::socket_file;
use crate::socket_paths::SocketPaths;
use crate::stop::{self, Signals, Stop};

/// Exit code of a command line that cannot be understood.
pub const EXIT_USAGE: u8 = 2;
/// Exit code of a failure to serve (socket in use, cannot bind, …).
pub const EXIT_FAILURE: u8 = 1;

/// The whole program: parses `std::env::args`, runs, and returns the exit code.
pub fn main() -> ExitCode {
    main_with_defaults(Vec::new())
}

/// The program of a named demo service (the binaries in `src/bin/`): `--name` and
/// `--version` default to `name` and `version`; flags on the command line still win.
pub fn main_as(name: &str, version: &str) -> ExitCode {
    main_with_args(name, version, &[])
}

/// Like [`main_as`], with extra default flags (`&["--unhealthy"]`): a variant of a demo
/// service that misbehaves, for tests of upgrades that must roll back. Flags on the
/// command line still come after them.
pub fn main_with_args(name: &str, version: &str, extra: &[&str]) -> ExitCode {
    let mut defaults = vec![
        "--name".to_owned(),
        name.to_owned(),
        "--version".to_owned(),
        version.to_owned(),
    ];
    defaults.extend(extra.iter().map(|a| (*a).to_owned()));
    main_with_defaults(defaults)
}

fn main_with_defaults(defaults: Vec<String>) -> ExitCode {
    let args = defaults.into_iter().chain(
        std::env::args_os()
            .skip(1)
            .map(|arg| arg.to_string_lossy().into_owned()),
    );
    let ready_delay = std::env::var(READY_DELAY_ENV).ok();
    let options = match options::parse(args, ready_delay.as_deref()) {
        Ok(Command::Run(options)) => options,
        Ok(Command::Help) => {
            console::out(USAGE);
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            console::err(&format!("hero_demo: {e}\n\n{USAGE}"));
            return ExitCode::from(EXIT_USAGE);
        }
    };
    match run(options) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            let mut message = format!("hero_demo: {e}");
            let mut source = e.source();
            while let Some(cause) = source {
                message.push_str(&format!(": {cause}"));
                source = cause.source();
            }
            console::err(&message);
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

/// Serves as `options` say until told to stop; returns the exit code.
pub fn run(options: Options) -> Result<u8, DemoError> {
    let started = Instant::now();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(DemoError::Runtime)?;
    runtime.block_on(serve_until_stopped(options, started))
}

async fn serve_until_stopped(options: Options, started: Instant) -> Result<u8, DemoError> {
    let mut signals = Signals::install()?;
    behaviour::print_lines(&options.name, options.print_lines);
    if options.spawn_grandchild {
        behaviour::spawn_grandchild()?;
    }
    if let Some(every) = options.log_every {
        tokio::spawn(behaviour::log_ticker(options.name.clone(), every));
    }

    let stopped = stop::wait_for_stop(&mut signals, &options, started);
    tokio::pin!(stopped);
    let bind_at = tokio::time::Instant::from_std(started + options.bind_delay);
    // Biased towards binding: what is due first happens first, so with `--crash-after-ms`
    // longer than `--bind-delay-ms` the socket is always bound before the crash.
    tokio::select! {
        biased;
        _ = tokio::time::sleep_until(bind_at) => {}
        reason = &mut stopped => return Ok(finish(&options, reason, BoundSockets::default())),
    }

    let paths = SocketPaths::resolve(&options.name, options.socket.as_deref(), |key| {
        std::env::var(key).ok()
    });
    let service = Arc::new(Service::new(&options, started));
    let mut bound = BoundSockets::default();
    let mut listeners = vec![(Listener::Unix(bound.bind(&paths.rpc)?), Surface::Rpc)];
    if options.admin_socket {
        listeners.push((Listener::Unix(bound.bind(&paths.admin)?), Surface::Admin));
    }
    if let Some(port) = options.tcp_port {
        let tcp = TcpListener::bind(("127.0.0.1", port))
            .await
            .map_err(|source| DemoError::BindTcp { port, source })?;
        let addr = tcp
            .local_addr()
            .map_err(|source| DemoError::BindTcp { port, source })?;
        console::out(&format!(
            "hero_demo {} tcp listening on {addr}",
            options.name
        ));
        listeners.push((Listener::Tcp(tcp), Surface::Rpc));
    }
    let servers: Vec<_> = listeners
        .into_iter()
        .map(|(listener, surface)| tokio::spawn(server::serve(listener, service.clone(), surface)))
        .collect();
    if options.admin_socket {
        console::out(&format!(
            "hero_demo {} admin listening on {}",
            options.name,
            paths.admin.display()
        ));
    }
    console::out(&format!(
        "hero_demo {} {} listening on {} pid={}",
        options.name,
        options.version,
        paths.rpc.display(),
        std::process::id()
    ));

    let reason = stopped.await;
    for server in &servers {
        server.abort();
    }
    Ok(finish(&options, reason, bound))
}

/// Reports `reason`, removes the sockets unless crashing, and picks the exit code.
fn finish(options: &Options, reason: Stop, bound: BoundSockets) -> u8 {
    match reason {
        Stop::Signal(signal) => {
            console::err(&format!(
                "hero_demo {} received {signal}; exiting",
                options.name
            ));
            0
        }
        Stop::ExitTimer => {
            console::err(&format!(
                "hero_demo {} exit timer elapsed; exiting",
                options.name
            ));
            0
        }
        Stop::Crash(code) => {
            console::err(&format!(
                "hero_demo {} crash timer elapsed; crashing with exit code {code}",
                options.name
            ));
            bound.keep();
            code
        }
    }
}

/// The socket files this run created; removed when dropped, unless [`kept`](Self::keep).
#[derive(Default)]
struct BoundSockets(Vec<PathBuf>);

impl BoundSockets {
    fn bind(&mut self, path: &std::path::Path) -> Result<tokio::net::UnixListener, DemoError> {
        let listener = socket_file::bind(path)?;
        self.0.push(path.to_path_buf());
        Ok(listener)
    }

    /// Leaves the socket files behind, as a crashed process would.
    fn keep(mut self) {
        self.0.clear();
    }
}

impl Drop for BoundSockets {
    fn drop(&mut self) {
        for path in &self.0 {
            socket_file::remove(path);
        }
    }
}
