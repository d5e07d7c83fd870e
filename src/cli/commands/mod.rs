//! One file per command family; [`run`] dispatches.

mod connect;
mod dashboard;
mod executions;
mod operation;
mod plan;
mod query;
mod run;
mod serve;

use super::{Cli, Command, ExitCode, Program};
use crate::cli::outln;
use crate::rpc::{ClientError, codes};

/// Runs the parsed command line.
pub async fn run(cli: Cli, program: &Program) -> ExitCode {
    match &cli.command {
        Command::List => query::list(&cli).await,
        Command::Status(a) => query::status(&cli, a).await,
        Command::Inspect(one) => query::inspect(&cli, &one.service).await,
        Command::Health(n) => query::health(&cli, &n.services).await,
        Command::Logs(a) => query::logs(&cli, &a.service, a.lines, a.follow).await,
        Command::Troubleshoot(one) => query::troubleshoot(&cli, &one.service).await,
        Command::Operation(op) => operation::run(&cli, &op.operation()).await,
        Command::Plan(args) => plan::plan(&cli, args).await,
        Command::Run(args) => run::run(&cli, args).await,
        Command::Executions(a) => executions::executions(&cli, a.action.as_ref()).await,
        Command::Serve(args) => serve::serve(program, cli.catalog.clone(), args).await,
        Command::Dashboard(args) => dashboard::dashboard(&cli, args).await,
        Command::Completions { shell } => {
            clap_complete::generate(
                *shell,
                &mut program.completion_command(),
                program.name(),
                &mut std::io::stdout(),
            );
            ExitCode::Success
        }
        Command::Version => {
            outln!("{} {}", program.name(), program.version());
            ExitCode::Success
        }
    }
}

/// Ends the display of a run: the summary (per the progress mode), the report on stdout
/// with `--json`, and the exit code of its status.
pub(crate) fn finish_run(
    reporter: &crate::cli::reporter::Reporter,
    report: &crate::graph::ExecutionReport,
    json: bool,
) -> ExitCode {
    if let Err(e) = reporter.finish(report) {
        report_error(&e);
    }
    if json {
        match serde_json::to_string_pretty(report) {
            Ok(s) => outln!("{s}"),
            Err(e) => report_error(&e),
        }
    }
    match report.status {
        crate::graph::RunStatus::Succeeded => ExitCode::Success,
        crate::graph::RunStatus::Failed
        | crate::graph::RunStatus::Cancelled
        | crate::graph::RunStatus::Interrupted => ExitCode::OperationFailed,
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

/// Prints a client error in the command line's words and maps it to the documented exit
/// code: what the daemon says, and which command to run next.
pub(crate) fn report_client_error(cli: &Cli, err: &ClientError) -> ExitCode {
    let program = &cli.program.name;
    match err {
        ClientError::Rpc(e) => {
            eprintln!("error: {}", e.message);
            let hint = match e.code {
                codes::UNKNOWN_EXECUTION => Some(format!("`{program} executions` lists them")),
                codes::UNKNOWN_SERVICE => Some(format!("`{program} list` shows the services")),
                codes::UNKNOWN_GROUP => None,
                codes::BUSY => Some(format!(
                    "`{program} executions` shows what runs; `{program} executions cancel <id>` stops it"
                )),
                _ => None,
            };
            if let Some(h) = hint.filter(|h| !e.message.contains(h.as_str())) {
                eprintln!("hint: {h}");
            }
            match e.code {
                codes::OPERATION_FAILED | codes::CANCELLED => ExitCode::OperationFailed,
                codes::UNKNOWN_SERVICE
                | codes::UNKNOWN_GROUP
                | codes::INVALID_PARAMS
                | codes::INVALID_PLAN
                | codes::UNKNOWN_EXECUTION
                | codes::METHOD_NOT_FOUND => ExitCode::Usage,
                _ => ExitCode::Local,
            }
        }
        ClientError::Unreachable { .. } | ClientError::Transport(_) => {
            report_error(err);
            ExitCode::DaemonUnreachable
        }
        _ => {
            report_error(err);
            ExitCode::Local
        }
    }
}
