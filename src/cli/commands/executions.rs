//! `hero_svc executions [list | show <id> [--format text|svg] | cancel <id>]`: the runs
//! the daemon knows, for people (a table; a report as text or a Gantt chart) or, with
//! `--json`, as the daemon answers.

use crate::cli::{out, outln};
use serde_json::{Value, json};

use crate::cli::args::{ExecutionsAction, ReportFormatArg};
use crate::cli::reporter::{format_duration_ms, render_report};
use crate::cli::{Cli, ExitCode};
use crate::graph::{ExecutionReport, RunId};

use super::connect::connect;
use super::report_client_error;

/// Runs the `executions` command.
pub async fn executions(cli: &Cli, action: Option<&ExecutionsAction>) -> ExitCode {
    let program = &cli.program.name;
    // An id that is no id is a usage error here, before asking the daemon.
    if let Some(ExecutionsAction::Show { id, .. } | ExecutionsAction::Cancel { id }) = action
        && id.parse::<RunId>().is_err()
    {
        eprintln!(
            "error: `{id}` is not an execution id (ids look like 01a23570-43b8-74c1-8e23-20b359e77ed3); `{program} executions` lists them"
        );
        return ExitCode::Usage;
    }
    let client = match connect(cli).await {
        Ok(c) => c,
        Err(code) => return code,
    };
    let (method, params) = match action {
        None => ("execution.list", json!({ "limit": 20 })),
        Some(ExecutionsAction::List { limit }) => ("execution.list", json!({ "limit": limit })),
        Some(ExecutionsAction::Show { id, .. }) => ("execution.get", json!({ "id": id })),
        Some(ExecutionsAction::Cancel { id }) => ("execution.cancel", json!({ "id": id })),
    };
    let v = match client.call(method, params).await {
        Ok(v) => v,
        Err(e) => return report_client_error(cli, &e),
    };
    if cli.json {
        outln!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        return ExitCode::Success;
    }
    match action {
        None | Some(ExecutionsAction::List { .. }) => out!("{}", render_list(&v)),
        Some(ExecutionsAction::Show { id, format }) => {
            match serde_json::from_value::<ExecutionReport>(v["report"].clone()) {
                Ok(r) => match format {
                    ReportFormatArg::Text => out!("{}", render_report(&r)),
                    ReportFormatArg::Svg => out!("{}", r.to_svg()),
                },
                Err(_) => {
                    outln!(
                        "execution {id} is still running; `{program} executions show {id}` once it is over"
                    );
                }
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

/// `ID  OPERATION  STATUS  SERVICES  STARTED  DURATION`, newest first.
fn render_list(v: &Value) -> String {
    let runs = v.as_array().cloned().unwrap_or_default();
    if runs.is_empty() {
        return "no executions yet\n".to_string();
    }
    let mut rows = vec![[
        "ID".to_string(),
        "OPERATION".to_string(),
        "STATUS".to_string(),
        "STARTED".to_string(),
        "DURATION".to_string(),
        "SERVICES".to_string(),
    ]];
    for e in &runs {
        let services: Vec<&str> = e["services"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let services = match services.len() {
            0 => "-".to_string(),
            n if n > 4 => format!("{} and {} more", services[..3].join(", "), n - 3),
            _ => services.join(", "),
        };
        let started = e["started_at"]
            .as_str()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
            .unwrap_or_else(|| "-".to_string());
        let mut status = e["status"].as_str().unwrap_or("-").to_string();
        if let Some(last) = e["last_finished"].as_str() {
            status = format!("{status} (after {last})");
        }
        rows.push([
            e["id"].as_str().unwrap_or("-").to_string(),
            e["operation"].as_str().unwrap_or("-").to_string(),
            status,
            started,
            e["duration_ms"]
                .as_f64()
                .map(format_duration_ms)
                .unwrap_or_else(|| "-".to_string()),
            services,
        ]);
    }
    let widths: Vec<usize> = (0..5)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut s = String::new();
    for r in &rows {
        for (c, cell) in r.iter().enumerate() {
            if c < 5 {
                s.push_str(&format!("{cell:<w$}  ", w = widths[c]));
            } else {
                s.push_str(cell);
            }
        }
        s.push('\n');
    }
    s
}
