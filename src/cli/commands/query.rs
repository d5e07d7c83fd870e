//! The read-only commands: `list`, `status`, `inspect`, `health`, `logs`, `troubleshoot`.
//! Each is one JSON-RPC call; `--json` prints the answer as it came, otherwise a table.

use crate::cli::{out, outln};
use futures::StreamExt;
use serde_json::{Value, json};

use crate::cli::{Cli, ExitCode};

use super::connect::connect;
use super::{report_client_error, report_error};

/// Calls `method` and prints the result with `render` (or as JSON with `--json`).
async fn query(
    cli: &Cli,
    method: &str,
    mut params: Value,
    render: fn(&Value) -> String,
) -> ExitCode {
    if let Some(c) = &cli.catalog {
        params["catalog"] = json!(c);
    }
    let client = match connect(cli).await {
        Ok(c) => c,
        Err(code) => return code,
    };
    match client.call(method, params).await {
        Ok(v) => {
            if cli.json {
                outln!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
            } else {
                out!("{}", render(&v));
            }
            ExitCode::Success
        }
        Err(e) => report_client_error(&e),
    }
}

fn s(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "-".to_string(),
        other => other.to_string(),
    }
}

fn table(rows: Vec<Vec<String>>) -> String {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..cols)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|c| c.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for r in rows {
        let mut line = String::new();
        for (i, cell) in r.iter().enumerate() {
            if i + 1 == r.len() {
                line.push_str(cell);
            } else {
                line.push_str(&format!("{cell:<w$}  ", w = widths[i]));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// `hero_svc list`.
pub async fn list(cli: &Cli) -> ExitCode {
    query(cli, "service.list", json!({}), |v| {
        let mut rows = vec![vec![
            "SERVICE".into(),
            "STATE".into(),
            "VERSION".into(),
            "DEPENDS ON".into(),
            "DESCRIPTION".into(),
        ]];
        for svc in v.as_array().into_iter().flatten() {
            let deps: Vec<String> = svc["dependencies"]
                .as_array()
                .into_iter()
                .flatten()
                .map(s)
                .collect();
            rows.push(vec![
                s(&svc["name"]),
                s(&svc["state"]),
                s(&svc["installed_version"]),
                if deps.is_empty() {
                    "-".into()
                } else {
                    deps.join(",")
                },
                s(&svc["description"]),
            ]);
        }
        table(rows)
    })
    .await
}

fn render_status(v: &Value) -> String {
    let mut rows = vec![vec![
        "SERVICE".into(),
        "PROCESS".into(),
        "STATE".into(),
        "PID".into(),
        "UPTIME".into(),
        "RESTARTS".into(),
        "REASON".into(),
    ]];
    for svc in v.as_array().into_iter().flatten() {
        let procs = svc["processes"].as_array().cloned().unwrap_or_default();
        if procs.is_empty() {
            rows.push(vec![s(&svc["name"]), "-".into(), s(&svc["state"])]);
        }
        for p in procs {
            rows.push(vec![
                s(&svc["name"]),
                s(&p["name"]),
                s(&p["state"]),
                s(&p["pid"]),
                p["uptime_ms"]
                    .as_f64()
                    .map(crate::cli::reporter::format_duration_ms)
                    .unwrap_or_else(|| "-".into()),
                s(&p["restart_count"]),
                s(&p["reason"]),
            ]);
        }
    }
    table(rows)
}

/// `hero_svc status [svc…]`.
pub async fn status(cli: &Cli, services: &[String]) -> ExitCode {
    query(
        cli,
        "service.status",
        json!({ "services": services }),
        render_status,
    )
    .await
}

/// `hero_svc inspect <svc>`.
pub async fn inspect(cli: &Cli, service: &str) -> ExitCode {
    query(cli, "service.inspect", json!({ "name": service }), |v| {
        serde_json::to_string_pretty(v).unwrap_or_default() + "\n"
    })
    .await
}

/// `hero_svc health [svc…]` (all when none).
pub async fn health(cli: &Cli, services: &[String]) -> ExitCode {
    let client = match connect(cli).await {
        Ok(c) => c,
        Err(code) => return code,
    };
    let catalog = cli
        .catalog
        .as_ref()
        .map(|c| json!(c))
        .unwrap_or(Value::Null);
    let names: Vec<String> = if services.is_empty() {
        match client
            .call("service.list", json!({ "catalog": catalog }))
            .await
        {
            Ok(v) => v
                .as_array()
                .into_iter()
                .flatten()
                .map(|s| s["name"].as_str().unwrap_or_default().to_string())
                .collect(),
            Err(e) => return report_client_error(&e),
        }
    } else {
        services.to_vec()
    };
    let mut results = Vec::new();
    let mut all_healthy = true;
    for name in names {
        match client
            .call(
                "service.health",
                json!({ "name": name, "catalog": catalog }),
            )
            .await
        {
            Ok(v) => {
                all_healthy &= v["healthy"].as_bool().unwrap_or(false);
                results.push(v);
            }
            Err(e) => return report_client_error(&e),
        }
    }
    if cli.json {
        outln!(
            "{}",
            serde_json::to_string_pretty(&results).unwrap_or_default()
        );
    } else {
        let mut rows = vec![vec![
            "SERVICE".into(),
            "HEALTHY".into(),
            "LATENCY".into(),
            "DETAIL".into(),
        ]];
        for r in &results {
            rows.push(vec![
                s(&r["name"]),
                if r["healthy"].as_bool().unwrap_or(false) {
                    "yes".into()
                } else {
                    "NO".into()
                },
                r["latency_ms"]
                    .as_f64()
                    .map(|l| format!("{l:.1}ms"))
                    .unwrap_or_else(|| "-".into()),
                s(&r["detail"]),
            ]);
        }
        out!("{}", table(rows));
    }
    if all_healthy {
        ExitCode::Success
    } else {
        ExitCode::OperationFailed
    }
}

/// `hero_svc logs <svc> [-n N] [-f]`.
pub async fn logs(cli: &Cli, service: &str, lines: usize, follow: bool) -> ExitCode {
    let code = query(
        cli,
        "service.logs",
        json!({ "name": service, "lines": lines }),
        |v| {
            let procs = v["processes"].as_array().cloned().unwrap_or_default();
            let many = procs.len() > 1;
            let mut out = String::new();
            for p in procs {
                for l in p["lines"].as_array().into_iter().flatten() {
                    if many {
                        out.push_str(&format!("{}: ", s(&p["process"])));
                    }
                    out.push_str(l.as_str().unwrap_or_default());
                    out.push('\n');
                }
            }
            out
        },
    )
    .await;
    if !follow || code != ExitCode::Success {
        return code;
    }
    let client = match connect(cli).await {
        Ok(c) => c,
        Err(code) => return code,
    };
    let mut stream = match client
        .stream(&match &cli.catalog {
            Some(c) => format!("/services/{service}/logs/follow?catalog={c}"),
            None => format!("/services/{service}/logs/follow"),
        })
        .await
    {
        Ok(s) => Box::pin(s),
        Err(e) => return report_client_error(&e),
    };
    loop {
        tokio::select! {
            next = stream.next() => match next {
                Some(Ok(v)) if v.get("end").is_some() => {
                    eprintln!("({})", s(&v["end"]));
                    return ExitCode::Success;
                }
                Some(Ok(v)) => outln!("{}: {}", s(&v["process"]), s(&v["line"])),
                Some(Err(e)) => { report_error(&e); return ExitCode::DaemonUnreachable; }
                None => return ExitCode::Success,
            },
            _ = tokio::signal::ctrl_c() => return ExitCode::Success,
        }
    }
}

/// `hero_svc troubleshoot <svc>`.
pub async fn troubleshoot(cli: &Cli, service: &str) -> ExitCode {
    query(
        cli,
        "service.troubleshoot",
        json!({ "name": service }),
        |v| {
            let mut out = format!("{} is {}\n\n", s(&v["name"]), s(&v["status"]["state"]));
            out.push_str(&render_status(&json!([v["status"]])));
            let health = &v["health"];
            out.push_str(&format!(
                "\nhealth now: {} ({}): {}\n",
                if health["healthy"].as_bool().unwrap_or(false) {
                    "healthy"
                } else {
                    "NOT healthy"
                },
                s(&health["probe"]),
                s(&health["detail"])
            ));
            for p in v["status"]["processes"].as_array().into_iter().flatten() {
                if let Some(reason) = p["reason"].as_str() {
                    out.push_str(&format!("{}: {reason}\n", s(&p["name"])));
                }
            }
            out.push_str("\nrecent operations:\n");
            let ops = v["recent_operations"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            if ops.is_empty() {
                out.push_str("  (none)\n");
            }
            for op in ops {
                out.push_str(&format!(
                    "  {}  {:<8} {:<10} {}\n",
                    s(&op["started_at"]),
                    s(&op["operation"]),
                    s(&op["status"]),
                    s(&op["run_id"])
                ));
            }
            if let Some(report) = v["last_failed_report"].as_object() {
                out.push_str(&format!(
                    "\nlast failed operation ({}):\n",
                    s(&report["run_id"].clone())
                ));
                for t in report["tasks"].as_array().into_iter().flatten() {
                    if t["status"] == "failed" {
                        out.push_str(&format!(
                            "  ✗ {}: {}\n",
                            s(&t["label"]),
                            t["error"]
                                .as_array()
                                .into_iter()
                                .flatten()
                                .map(s)
                                .collect::<Vec<_>>()
                                .join(": ")
                        ));
                        let tail = t["log_tail"].as_array().cloned().unwrap_or_default();
                        for l in &tail[tail.len().saturating_sub(15)..] {
                            out.push_str(&format!("      {}\n", s(l)));
                        }
                    }
                }
            }
            out.push_str("\nlog tail:\n");
            for p in v["logs"].as_array().into_iter().flatten() {
                for l in p["lines"].as_array().into_iter().flatten() {
                    out.push_str(&format!("  {}: {}\n", s(&p["process"]), s(l)));
                }
            }
            out
        },
    )
    .await
}
