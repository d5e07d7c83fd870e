//! The command line of `hero_demo`: a handful of flags parsed by hand into [`Options`].
//!
//! Every flag takes the form `--flag VALUE` or `--flag=VALUE`; a mistake is a
//! [`UsageError`] naming the flag, which the binary prints with the usage text (exit 2).

use std::path::PathBuf;
use std::time::Duration;

/// The environment variable a catalog sets to give every instance a ready delay.
pub const READY_DELAY_ENV: &str = "HERO_DEMO_READY_DELAY_MS";

/// The exit code of `--crash-after-ms` unless `--exit-code` says otherwise.
pub const DEFAULT_CRASH_CODE: u8 = 3;

/// The usage text printed by `--help` and after a usage error.
pub const USAGE: &str = "\
usage: hero_demo [flags]

identity:
  --name NAME             service name, socket folder name (default hero_demo)
  --version V             version reported by /health, heroservice.json, rpc.discover
                          (default the crate version)
sockets:
  --socket PATH           RPC socket (default $PATH_SOCKET/<name>/rpc.sock)
  --admin-socket          also serve an HTML page on <socket dir>/admin.sock
  --tcp-port N            also serve the RPC endpoints on 127.0.0.1:N (0 = any free port)
test behaviour:
  --ready-delay-ms N      answer /health 503 until N ms after start
                          (default $HERO_DEMO_READY_DELAY_MS or 0)
  --bind-delay-ms N       create the socket only N ms after start
  --unhealthy             always answer /health 503
  --exit-after-ms N       exit 0 after N ms
  --crash-after-ms N      exit with the crash code after N ms, leaving the socket behind
  --exit-code C           crash code of --crash-after-ms (default 3)
  --ignore-sigterm        log SIGTERM and go on running
  --spawn-grandchild      spawn `sleep 3600` and print `grandchild pid=N`
  --log-every-ms N        print a counter line to stdout every N ms, to stderr every other
  --print-lines N         print N lines to stdout and N to stderr at startup
  -h, --help              print this text";

/// What the command line asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Service name: the socket folder and the name reported everywhere.
    pub name: String,
    /// Version reported everywhere, so upgrade tests can tell which build runs.
    pub version: String,
    /// Explicit RPC socket path; `None` means the Hero default location.
    pub socket: Option<PathBuf>,
    /// Whether to serve `admin.sock` beside the RPC socket.
    pub admin_socket: bool,
    /// Loopback TCP port serving the RPC endpoints too.
    pub tcp_port: Option<u16>,
    /// How long after start `/health` keeps answering 503 `starting`.
    pub ready_delay: Duration,
    /// How long after start the sockets are created.
    pub bind_delay: Duration,
    /// Whether `/health` always answers 503.
    pub unhealthy: bool,
    /// Exit 0 this long after start.
    pub exit_after: Option<Duration>,
    /// Exit with `crash_code` this long after start.
    pub crash_after: Option<Duration>,
    /// Exit code of a crash.
    pub crash_code: u8,
    /// Whether SIGTERM is logged and ignored.
    pub ignore_sigterm: bool,
    /// Whether to spawn a long-lived `sleep` child.
    pub spawn_grandchild: bool,
    /// Period of the counter lines.
    pub log_every: Option<Duration>,
    /// Lines printed to each of stdout and stderr at startup.
    pub print_lines: u64,
}

/// What the caller wants: run, or only see the usage text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Serve with these options.
    Run(Options),
    /// Print the usage text and exit 0.
    Help,
}

/// A command line that cannot be understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsageError {
    /// A flag this program does not know.
    #[error("unknown flag `{0}`; see --help for the flags")]
    UnknownFlag(String),
    /// A flag that needs a value came last.
    #[error("flag `{0}` needs a value")]
    MissingValue(String),
    /// A value of the wrong shape.
    #[error("flag `{flag}` wants {expected}, got `{value}`")]
    BadValue {
        flag: String,
        value: String,
        expected: &'static str,
    },
    /// A switch given a value.
    #[error("flag `{0}` takes no value")]
    UnexpectedValue(String),
    /// A value read from the environment of the wrong shape.
    #[error("environment variable {var} wants {expected}, got `{value}`")]
    BadEnv {
        var: &'static str,
        value: String,
        expected: &'static str,
    },
}

impl Options {
    /// The options of a bare `hero_demo` with `ready_delay_env` as
    /// `HERO_DEMO_READY_DELAY_MS`.
    fn defaults(ready_delay_env: Option<&str>) -> Result<Self, UsageError> {
        let ready_delay = match ready_delay_env.filter(|v| !v.is_empty()) {
            None => Duration::ZERO,
            Some(value) => {
                let ms = value.parse::<u64>().map_err(|_| UsageError::BadEnv {
                    var: READY_DELAY_ENV,
                    value: value.to_owned(),
                    expected: "a number of milliseconds",
                })?;
                Duration::from_millis(ms)
            }
        };
        Ok(Self {
            name: "hero_demo".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            socket: None,
            admin_socket: false,
            tcp_port: None,
            ready_delay,
            bind_delay: Duration::ZERO,
            unhealthy: false,
            exit_after: None,
            crash_after: None,
            crash_code: DEFAULT_CRASH_CODE,
            ignore_sigterm: false,
            spawn_grandchild: false,
            log_every: None,
            print_lines: 0,
        })
    }
}

/// Parses the arguments after the program name; `ready_delay_env` is the value of
/// [`READY_DELAY_ENV`], the default of `--ready-delay-ms`.
pub fn parse<I>(args: I, ready_delay_env: Option<&str>) -> Result<Command, UsageError>
where
    I: IntoIterator<Item = String>,
{
    let mut options = Options::defaults(ready_delay_env)?;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => {
                (flag.to_owned(), Some(value.to_owned()))
            }
            _ => (arg, None),
        };
        let mut flag_args = FlagArgs {
            flag: &flag,
            inline,
            rest: &mut args,
        };
        match flag.as_str() {
            "-h" | "--help" => {
                flag_args.switch()?;
                return Ok(Command::Help);
            }
            "--name" => options.name = flag_args.name()?,
            "--version" => options.version = flag_args.value()?,
            "--socket" => options.socket = Some(PathBuf::from(flag_args.value()?)),
            "--admin-socket" => options.admin_socket = flag_args.switch()?,
            "--tcp-port" => options.tcp_port = Some(flag_args.number("a port number")?),
            "--ready-delay-ms" => options.ready_delay = flag_args.millis()?,
            "--bind-delay-ms" => options.bind_delay = flag_args.millis()?,
            "--unhealthy" => options.unhealthy = flag_args.switch()?,
            "--exit-after-ms" => options.exit_after = Some(flag_args.millis()?),
            "--crash-after-ms" => options.crash_after = Some(flag_args.millis()?),
            "--exit-code" => options.crash_code = flag_args.number("an exit code 0-255")?,
            "--ignore-sigterm" => options.ignore_sigterm = flag_args.switch()?,
            "--spawn-grandchild" => options.spawn_grandchild = flag_args.switch()?,
            "--log-every-ms" => {
                let every = flag_args.millis()?;
                if every.is_zero() {
                    return Err(flag_args.bad("0", "a positive number of milliseconds"));
                }
                options.log_every = Some(every);
            }
            "--print-lines" => options.print_lines = flag_args.number("a number of lines")?,
            _ => return Err(UsageError::UnknownFlag(flag)),
        }
    }
    Ok(Command::Run(options))
}

/// One flag being parsed: its inline `=value`, if any, and the arguments after it.
struct FlagArgs<'a, I> {
    flag: &'a str,
    inline: Option<String>,
    rest: &'a mut I,
}

impl<I: Iterator<Item = String>> FlagArgs<'_, I> {
    fn switch(&mut self) -> Result<bool, UsageError> {
        match self.inline {
            Some(_) => Err(UsageError::UnexpectedValue(self.flag.to_owned())),
            None => Ok(true),
        }
    }

    fn value(&mut self) -> Result<String, UsageError> {
        self.inline
            .take()
            .or_else(|| self.rest.next())
            .ok_or_else(|| UsageError::MissingValue(self.flag.to_owned()))
    }

    fn number<T: std::str::FromStr>(&mut self, expected: &'static str) -> Result<T, UsageError> {
        let value = self.value()?;
        value.parse().map_err(|_| self.bad(&value, expected))
    }

    fn millis(&mut self) -> Result<Duration, UsageError> {
        self.number("a number of milliseconds")
            .map(Duration::from_millis)
    }

    /// A name usable as a socket folder: not empty, no `/`, not `.` or `..`.
    fn name(&mut self) -> Result<String, UsageError> {
        let value = self.value()?;
        if value.is_empty() || value.contains('/') || value == "." || value == ".." {
            return Err(self.bad(&value, "a name without `/`"));
        }
        Ok(value)
    }

    fn bad(&self, value: &str, expected: &'static str) -> UsageError {
        UsageError::BadValue {
            flag: self.flag.to_owned(),
            value: value.to_owned(),
            expected,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Result<Options, UsageError> {
        match parse(args.iter().map(|a| a.to_string()), None)? {
            Command::Run(options) => Ok(options),
            Command::Help => panic!("unexpected help"),
        }
    }

    #[test]
    fn defaults() {
        let options = run(&[]).unwrap();
        assert_eq!(options.name, "hero_demo");
        assert_eq!(options.version, env!("CARGO_PKG_VERSION"));
        assert_eq!(options.crash_code, 3);
        assert_eq!(options.ready_delay, Duration::ZERO);
    }

    #[test]
    fn values_separate_and_inline() {
        let options = run(&[
            "--name",
            "hero_x",
            "--version=1.2.3",
            "--ready-delay-ms",
            "250",
            "--crash-after-ms=10",
            "--exit-code",
            "7",
            "--ignore-sigterm",
            "--tcp-port",
            "0",
        ])
        .unwrap();
        assert_eq!(options.name, "hero_x");
        assert_eq!(options.version, "1.2.3");
        assert_eq!(options.ready_delay, Duration::from_millis(250));
        assert_eq!(options.crash_after, Some(Duration::from_millis(10)));
        assert_eq!(options.crash_code, 7);
        assert!(options.ignore_sigterm);
        assert_eq!(options.tcp_port, Some(0));
    }

    #[test]
    fn env_ready_delay_is_the_default_and_the_flag_wins() {
        let from_env = parse(Vec::new(), Some("40")).unwrap();
        assert!(matches!(from_env, Command::Run(o) if o.ready_delay == Duration::from_millis(40)));
        let flag = parse(vec!["--ready-delay-ms=5".to_owned()], Some("40")).unwrap();
        assert!(matches!(flag, Command::Run(o) if o.ready_delay == Duration::from_millis(5)));
        assert!(matches!(
            parse(Vec::new(), Some("soon")),
            Err(UsageError::BadEnv { .. })
        ));
    }

    #[test]
    fn mistakes_name_the_flag() {
        assert_eq!(
            run(&["--bogus"]),
            Err(UsageError::UnknownFlag("--bogus".to_owned()))
        );
        assert_eq!(
            run(&["--name"]),
            Err(UsageError::MissingValue("--name".to_owned()))
        );
        assert!(
            matches!(run(&["--exit-code", "300"]), Err(UsageError::BadValue { flag, .. }) if flag == "--exit-code")
        );
        assert!(matches!(
            run(&["--name", "a/b"]),
            Err(UsageError::BadValue { .. })
        ));
        assert_eq!(
            run(&["--unhealthy=yes"]),
            Err(UsageError::UnexpectedValue("--unhealthy".to_owned()))
        );
        assert!(matches!(
            run(&["--log-every-ms", "0"]),
            Err(UsageError::BadValue { .. })
        ));
    }

    #[test]
    fn help() {
        assert_eq!(parse(vec!["--help".to_owned()], None), Ok(Command::Help));
    }
}
