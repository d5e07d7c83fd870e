//! The mutating commands (`build`, `install`, `start`, …, `deploy`): start the operation in
//! the daemon, render its events live, end with the summary and the exit code.

use crate::cli::outln;
use futures::StreamExt;
use serde_json::{Value, json};

use crate::cli::args::{OperationArgs, Targets};
use crate::cli::reporter::Reporter;
use crate::cli::{Cli, ExitCode};
use crate::graph::{Event, ExecutionReport};
use crate::rpc::RpcClient;

use super::connect::connect;
use super::{finish_run, report_client_error, report_error};

/// The params of an operation request.
pub fn params(cli: &Cli, op: &OperationArgs<'_>, wait: bool) -> Value {
    let targets = op.targets;
    let mut p = json!({ "wait": wait });
    if op.no_deps {
        p["no_deps"] = json!(true);
    }
    if op.with_dependents {
        p["with_dependents"] = json!(true);
    }
    if op.purge {
        p["purge"] = json!(true);
    }
    if op.locked {
        p["locked"] = json!(true);
    }
    if op.strict {
        p["strict"] = json!(true);
    }
    if op.check {
        p["check"] = json!(true);
    }
    if let Some(f) = &op.lock_file {
        p["lock_file"] = json!(f);
    }
    let lock_all = op.operation == crate::services::Operation::Lock
        && targets.services.is_empty()
        && targets.group.is_none();
    if targets.all || lock_all {
        p["all"] = json!(true);
    } else if let Some(g) = &targets.group {
        p["group"] = json!(g);
    } else {
        p["services"] = json!(targets.services);
    }
    if let Some(c) = &cli.catalog {
        p["catalog"] = json!(c);
    }
    if let Some(m) = op.mode {
        p["mode"] = json!(m);
    }
    if let Some(v) = &op.tag {
        p["version"] = json!(v);
    }
    // The forge this command's environment names applies to this call, whatever the
    // daemon was started with.
    if let Some(url) = std::env::var("FORGE_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
    {
        p["forge_url"] = json!(url);
    }
    if let Some(token) = ["FORGE_TOKEN", "FORGEJO_TOKEN"]
        .into_iter()
        .find_map(|n| std::env::var(n).ok().filter(|t| !t.trim().is_empty()))
    {
        p["forge_token"] = json!(token);
    }
    p
}

/// Whether the targets name anything.
pub fn check_targets(cli: &Cli, op: &str, targets: &Targets) -> Result<(), ExitCode> {
    if targets.services.is_empty() && !targets.all && targets.group.is_none() {
        eprintln!(
            "error: `{} {op}` needs services, --group G, or --all",
            cli.program.name
        );
        return Err(ExitCode::Usage);
    }
    Ok(())
}

/// Runs the operation `op` with live progress.
pub async fn run(cli: &Cli, op: &OperationArgs<'_>) -> ExitCode {
    let targets = op.targets;
    // `lock` alone locks every service.
    if op.operation != crate::services::Operation::Lock
        && let Err(code) = check_targets(cli, op.operation.as_str(), targets)
    {
        return code;
    }
    let client = match connect(cli).await {
        Ok(c) => c,
        Err(code) => return code,
    };
    let method = format!("service.{}", op.operation.as_str());
    let started = match client.call(&method, params(cli, op, false)).await {
        Ok(v) => v,
        Err(e) => return report_client_error(cli, &e),
    };
    let Some(id) = started["execution_id"].as_str().map(str::to_string) else {
        eprintln!("error: the daemon did not return an execution id");
        return ExitCode::DaemonUnreachable;
    };
    if targets.detach {
        if cli.json {
            outln!("{started}");
        } else {
            outln!("{id}");
        }
        return ExitCode::Success;
    }
    follow(cli, &client, &id).await
}

/// The reporter for a command's run: none at all with `--json` (unless `--progress`
/// asked for one), else the one `--progress` names, on stderr.
pub(crate) fn reporter_for(cli: &Cli) -> Reporter {
    if cli.json && cli.progress == crate::cli::reporter::ProgressMode::Auto {
        Reporter::silent()
    } else {
        Reporter::stderr(cli.progress)
    }
}

/// Renders the events of execution `id` until it ends. Ctrl-C cancels it (and keeps
/// rendering until the daemon says it is over); a second Ctrl-C, SIGTERM or SIGHUP leaves
/// at once — the terminal restored, the execution going on in the daemon.
pub async fn follow(cli: &Cli, client: &RpcClient, id: &str) -> ExitCode {
    use tokio::signal::unix::{SignalKind, signal};

    let reporter = reporter_for(cli);
    let sink = reporter.sink();
    let mut events = match client.stream(&format!("/executions/{id}/events")).await {
        Ok(s) => Box::pin(s),
        Err(e) => return report_client_error(cli, &e),
    };
    let mut interrupt = signal(SignalKind::interrupt()).ok();
    let mut terminate = signal(SignalKind::terminate()).ok();
    let mut hangup = signal(SignalKind::hangup()).ok();
    let program = &cli.program.name;
    let mut cancelled = false;
    loop {
        tokio::select! {
            next = events.next() => match next {
                Some(Ok(v)) => {
                    if let Ok(event) = serde_json::from_value::<Event>(v) {
                        sink(&event);
                    }
                }
                Some(Err(e)) => {
                    reporter.abort();
                    report_error(&e);
                    break;
                }
                None => break,
            },
            Some(()) = recv(&mut interrupt) => {
                if cancelled {
                    reporter.abort();
                    eprintln!(
                        "left execution {id} (it may still be ending): `{program} executions show {id}`"
                    );
                    return ExitCode::OperationFailed;
                }
                cancelled = true;
                reporter.note(&format!("cancelling execution {id}… (Ctrl-C again to leave)"));
                if let Err(e) = client.call("execution.cancel", json!({ "id": id })).await {
                    reporter.note(&format!("could not cancel: {e}"));
                }
            }
            Some(()) = recv(&mut terminate) => {
                reporter.abort();
                return ExitCode::OperationFailed;
            }
            Some(()) = recv(&mut hangup) => {
                reporter.abort();
                return ExitCode::OperationFailed;
            }
        }
    }
    let got = match client.call("execution.get", json!({ "id": id })).await {
        Ok(v) => v,
        Err(e) => {
            reporter.abort();
            return report_client_error(cli, &e);
        }
    };
    let report: ExecutionReport = match serde_json::from_value(got["report"].clone()) {
        Ok(r) => r,
        Err(_) => {
            reporter.abort();
            eprintln!(
                "error: execution {id} has no report yet; see `{program} executions show {id}`"
            );
            return ExitCode::DaemonUnreachable;
        }
    };
    finish_run(&reporter, &report, cli.json)
}

/// The next delivery of `signal` (never, when it could not be set up).
async fn recv(signal: &mut Option<tokio::signal::unix::Signal>) -> Option<()> {
    match signal {
        Some(s) => s.recv().await,
        None => std::future::pending().await,
    }
}
