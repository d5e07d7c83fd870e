//! One file per command; [`run`] dispatches.

mod plan;
mod run;
mod serve;

use super::{Cli, Command, ExitCode};

/// Runs the parsed command line.
pub async fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Plan(args) => plan::plan(&args),
        Command::Run(args) => run::run(&args, cli.progress, cli.json).await,
        Command::Serve => serve::serve().await,
    }
}

/// Prints an error (and its causes) to stderr.
pub(crate) fn report_error(err: &(dyn std::error::Error + 'static)) {
    eprintln!("error: {err}");
    let mut cause = err.source();
    while let Some(c) = cause {
        eprintln!("  caused by: {c}");
        cause = c.source();
    }
}
