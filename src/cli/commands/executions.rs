//! `hero_svc executions [list | show <id> | cancel <id>]`.

use crate::cli::{out, outln};
use serde_json::json;

use crate::cli::args::ExecutionsAction;
use crate::cli::reporter::render_summary;
use crate::cli::{Cli, ExitCode};
use crate::graph::ExecutionReport;

use super::connect::connect;
use super::report_client_error;

/// Runs the `executions` command.
pub async fn executions(cli: &Cli, action: Option<&ExecutionsAction>) -> ExitCode {
    let client = match connect(cli).await {
        Ok(c) => c,
        Err(code) => return code,
    };
    let (method, params) = match action {
        None => ("execution.list", json!({ "limit": 20 })),
        Some(ExecutionsAction::List { limit }) => ("execution.list", json!({ "limit": limit })),
        Some(ExecutionsAction::Show { id }) => ("execution.get", json!({ "id": id })),
        Some(ExecutionsAction::Cancel { id }) => ("execution.cancel", json!({ "id": id })),
    };
    let v = match client.call(method, params).await {
        Ok(v) => v,
        Err(e) => return report_client_error(&e),
    };
    if cli.json {
        outln!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        return ExitCode::Success;
    }
    match action {
        None | Some(ExecutionsAction::List { .. }) => {
            for e in v.as_array().into_iter().flatten() {
                outln!(
                    "{}  {:<9} {:<10} {}",
                    e["id"].as_str().unwrap_or_default(),
                    e["operation"].as_str().unwrap_or_default(),
                    e["status"].as_str().unwrap_or_default(),
                    e["started_at"].as_str().unwrap_or_default()
                );
            }
        }
        Some(ExecutionsAction::Show { id }) => {
            match serde_json::from_value::<ExecutionReport>(v["report"].clone()) {
                Ok(r) => out!("{}", render_summary(&r)),
                Err(_) => outln!("execution {id} is still running"),
            }
        }
        Some(ExecutionsAction::Cancel { id }) => {
            if v["cancelled"].as_bool().unwrap_or(false) {
                outln!("cancelled {id}");
            } else {
                outln!("{id} had already ended");
            }
        }
    }
    ExitCode::Success
}
