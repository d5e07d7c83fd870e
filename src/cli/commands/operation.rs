//! The mutating commands (`build`, `install`, `start`, …, `deploy`): start the operation in
//! the daemon, render its events live, end with the summary and the exit code.

use crate::cli::outln;
use futures::StreamExt;
use serde_json::{Value, json};

use crate::cli::args::Targets;
use crate::cli::reporter::Reporter;
use crate::cli::{Cli, ExitCode};
use crate::graph::{Event, ExecutionReport};
use crate::rpc::RpcClient;
use crate::services::{InstallMode, Operation};

use super::connect::connect;
use super::{finish_run, report_client_error, report_error};

/// The params of an operation request.
pub fn params(cli: &Cli, targets: &Targets, wait: bool) -> Value {
    let mut p = json!({
        "wait": wait,
        "no_deps": targets.no_deps,
        "with_dependents": targets.with_dependents,
        "purge": targets.purge,
    });
    if targets.all {
        p["all"] = json!(true);
    } else if let Some(g) = &targets.group {
        p["group"] = json!(g);
    } else {
        p["services"] = json!(targets.services);
    }
    if let Some(c) = &cli.catalog {
        p["catalog"] = json!(c);
    }
    if let Some(m) = cli.mode {
        p["mode"] = json!(InstallMode::from(m));
    }
    if let Some(v) = &cli.version {
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

/// Runs `operation` on `targets` with live progress.
pub async fn run(cli: &Cli, operation: Operation, targets: &Targets) -> ExitCode {
    if let Err(code) = check_targets(cli, operation.as_str(), targets) {
        return code;
    }
    let client = match connect(cli).await {
        Ok(c) => c,
        Err(code) => return code,
    };
    let method = format!("service.{}", operation.as_str());
    let started = match client.call(&method, params(cli, targets, false)).await {
        Ok(v) => v,
        Err(e) => return report_client_error(&e),
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

/// Renders the events of execution `id` until it ends; Ctrl-C cancels it (and keeps
/// rendering until the daemon says it is over).
pub async fn follow(cli: &Cli, client: &RpcClient, id: &str) -> ExitCode {
    let reporter = Reporter::stderr(cli.progress);
    let sink = reporter.sink();
    let mut events = match client.stream(&format!("/executions/{id}/events")).await {
        Ok(s) => Box::pin(s),
        Err(e) => return report_client_error(&e),
    };
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
                    report_error(&e);
                    break;
                }
                None => break,
            },
            _ = tokio::signal::ctrl_c(), if !cancelled => {
                cancelled = true;
                eprintln!("cancelling execution {id}…");
                if let Err(e) = client.call("execution.cancel", json!({ "id": id })).await {
                    report_error(&e);
                }
            }
        }
    }
    let got = match client.call("execution.get", json!({ "id": id })).await {
        Ok(v) => v,
        Err(e) => return report_client_error(&e),
    };
    let report: ExecutionReport = match serde_json::from_value(got["report"].clone()) {
        Ok(r) => r,
        Err(_) => {
            eprintln!(
                "error: execution {id} has no report yet; see `{} executions show {id}`",
                cli.program.name
            );
            return ExitCode::DaemonUnreachable;
        }
    };
    finish_run(&reporter, &report, cli.json)
}
