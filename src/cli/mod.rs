//! The command line: clap commands and the terminal reporters.
//!
//! `main` parses the arguments, runs one command and exits with its [`ExitCode`]. Each
//! command lives in `commands/`; progress is shown by the [`reporter`]s.

mod args;
mod commands;
mod exit_code;
pub mod reporter;
mod sample;

pub use args::{Cli, Command};
pub use exit_code::ExitCode;
pub use sample::sample_plan;

use clap::Parser;

/// Entry point of the `hero_svc` binary.
pub fn main() {
    let cli = Cli::parse();
    if !matches!(cli.command, Command::Serve(_)) {
        // A command whose output is piped into `head` or `true` ends quietly when the pipe
        // closes, as command-line tools do (the daemon keeps ignoring SIGPIPE).
        // SAFETY: resetting a signal disposition before any thread exists.
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        }
    }
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
