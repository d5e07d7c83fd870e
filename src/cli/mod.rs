//! The command line: clap commands and the terminal reporters.
//!
//! [`Program`] is the entry point (hero_svc's own, or another stack's with its catalogs):
//! it parses the arguments, runs one command and exits with its [`ExitCode`]. Each
//! command lives in `commands/`; progress is shown by the [`reporter`]s.
//! [`run_daemon`] is the composition root: `hero_svc serve` wires a daemon to its servers.
//!
//! Floor: the top; it may use every module below.

mod args;
mod commands;
mod exit_code;
mod program;
pub mod reporter;
mod sample;
mod server;

pub use args::{Cli, Command};
pub use exit_code::ExitCode;
pub use program::{Program, ProgramInfo};
pub use sample::sample_plan;
pub use server::{Servers, run_daemon, run_daemon_with};

use std::io::Write;

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

/// Entry point of the `hero_svc` binary: [`Program::hero_svc`].
pub fn main() {
    Program::hero_svc().main()
}
