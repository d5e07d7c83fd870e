//! `hero_svc run`: runs a plan in this process, with live progress.

use crate::cli::args::RunArgs;
use crate::cli::reporter::Reporter;
use crate::cli::sample::sample_plan;
use crate::cli::{Cli, ExitCode};
use crate::graph::{ExecutorConfig, RunRequest};
use crate::state::StateStore;
use crate::tasks::Executor;

use super::{finish_run, report_error};

/// Runs the sample plan, caching in the Hero root's state store.
pub async fn run(cli: &Cli, args: &RunArgs) -> ExitCode {
    let (progress, json) = (cli.progress, cli.json);
    let paths = match cli.program.paths() {
        Ok(p) => p,
        Err(e) => {
            report_error(&e);
            return ExitCode::Local;
        }
    };
    let dir = args
        .dir
        .clone()
        .unwrap_or_else(|| paths.state_dir().join("sample"));
    let plan = match sample_plan(&dir) {
        Ok(p) => p,
        Err(e) => {
            report_error(&e);
            return ExitCode::Usage;
        }
    };
    let store = match StateStore::open(paths.state_db()) {
        Ok(s) => s,
        Err(e) => {
            report_error(&e);
            return ExitCode::Local;
        }
    };
    let executor = Executor::new(ExecutorConfig::default().fail_fast(args.fail_fast), store);
    // With --json the report owns stdout; progress goes to stderr either way.
    let reporter = Reporter::stderr(progress);
    let cancel = tokio_util::sync::CancellationToken::new();
    let on_ctrl_c = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            on_ctrl_c.cancel();
        }
    });
    let report = executor
        .run(
            &plan,
            RunRequest::new("sample")
                .sink(reporter.sink())
                .cancel(cancel),
        )
        .await;
    finish_run(&reporter, &report, json)
}
