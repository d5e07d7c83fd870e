//! The command line: clap commands and the terminal reporters.
//!
//! `main` parses the arguments, runs one command and exits with its [`ExitCode`]. Each
//! command lives in `commands/`; progress is shown by the [`reporter`]s.
//! [`run_daemon`] is the composition root: `hero_svc serve` wires a daemon to its servers.
//!
//! Floor: the top; it may use every module below.

mod args;
mod commands;
mod exit_code;
pub mod reporter;
mod sample;
mod server;

pub use args::{Cli, Command};
pub use exit_code::ExitCode;
pub use sample::sample_plan;
pub use server::run_daemon;

use std::io::Write;

use clap::Parser;

/// Prints to standard output; when the reader has gone (`hero_svc status | head -1`), the
/// command ends quietly instead of panicking.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::write_stdout(format_args!($($arg)*), false)
    };
}

/// [`out!`] with a newline.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::cli::write_stdout(format_args!($($arg)*), true)
    };
}

pub(crate) use {out, outln};

/// Writes to standard output; exits the process (status 0) when the pipe is closed.
pub(crate) fn write_stdout(args: std::fmt::Arguments<'_>, newline: bool) {
    let mut stdout = std::io::stdout().lock();
    let written = stdout
        .write_fmt(args)
        .and_then(|()| {
            if newline {
                stdout.write_all(b"\n")
            } else {
                Ok(())
            }
        })
        .and_then(|()| stdout.flush());
    if let Err(e) = written
        && e.kind() == std::io::ErrorKind::BrokenPipe
    {
        std::process::exit(0);
    }
}

/// Entry point of the `hero_svc` binary.
pub fn main() {
    let cli = Cli::parse();

    let code = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt.block_on(commands::run(cli)),
        Err(e) => {
            eprintln!("error: could not start the async runtime: {e}");
            ExitCode::Local
        }
    };
    std::process::exit(code as i32);
}
