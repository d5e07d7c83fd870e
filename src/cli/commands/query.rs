//! The read-only commands: `list`, `status`, `inspect`, `health`, `logs`, `troubleshoot`.
//! Each is one JSON-RPC call; `--json` prints the answer as it came, otherwise a table.

use crate::cli::{out, outln};
use futures::StreamExt;
use serde_json::{Value, json};

use crate::cli::args::StatusArgs;
use crate::cli::reporter::LiveScreen;
use crate::cli::reporter::text_cut as cut;
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
        Err(e) => report_client_error(cli, &e),
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
                short_version(&s(&svc["installed_version"])),
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

/// A version as a column shows it: a commit (a source build) cut to 12 characters.
fn short_version(v: &str) -> String {
    if v.len() == 40 && v.chars().all(|c| c.is_ascii_hexdigit()) {
        v[..12].to_string()
    } else {
        v.to_string()
    }
}

fn render_status(v: &Value) -> String {
    let mut rows = vec![vec![
        "SERVICE".into(),
        "PROCESS".into(),
        "STATE".into(),
        "HEALTH".into(),
        "PID".into(),
        "UPTIME".into(),
        "RESTARTS".into(),
        "REASON".into(),
    ]];
    for svc in v.as_array().into_iter().flatten() {
        let health = &svc["health"];
        let health_state = match health["state"].as_str() {
            Some("healthy") => "healthy",
            Some("unhealthy") => "UNHEALTHY",
            Some("starting") => "starting",
            _ => "-",
        };
        let procs = svc["processes"].as_array().cloned().unwrap_or_default();
        if procs.is_empty() {
            rows.push(vec![
                s(&svc["name"]),
                "-".into(),
                s(&svc["state"]),
                "-".into(),
            ]);
        }
        for (i, p) in procs.iter().enumerate() {
            // A process that runs but whose service does not answer: what the probe saw.
            let mut reason = s(&p["reason"]);
            if i == 0 && reason == "-" && health_state == "UNHEALTHY" {
                reason = format!("not answering: {}", s(&health["detail"]));
            }
            rows.push(vec![
                s(&svc["name"]),
                s(&p["name"]),
                s(&p["state"]),
                if i == 0 {
                    health_state.into()
                } else {
                    String::new()
                },
                s(&p["pid"]),
                p["uptime_ms"]
                    .as_f64()
                    .map(crate::cli::reporter::format_duration_ms)
                    .unwrap_or_else(|| "-".into()),
                s(&p["restart_count"]),
                reason,
            ]);
        }
    }
    table(rows)
}

/// `hero_svc status [svc…] [--watch]`.
pub async fn status(cli: &Cli, args: &StatusArgs) -> ExitCode {
    let params = json!({ "services": args.services });
    if !args.watch {
        return query(cli, "service.status", params, render_status).await;
    }
    watch_status(cli, args, params).await
}

/// `status --watch`: the table redrawn in place every `--interval` seconds until Ctrl-C
/// (on a terminal; elsewhere each refresh is printed under the previous one).
async fn watch_status(cli: &Cli, args: &StatusArgs, mut params: Value) -> ExitCode {
    use std::io::IsTerminal;

    if let Some(c) = &cli.catalog {
        params["catalog"] = json!(c);
    }
    let client = match connect(cli).await {
        Ok(c) => c,
        Err(code) => return code,
    };
    let every = std::time::Duration::from_secs_f64(args.interval.clamp(0.2, 3600.0));
    let terminal = std::io::stdout().is_terminal();
    let mut screen = LiveScreen::new(Box::new(std::io::stdout()));
    let term = console::Term::stdout();
    loop {
        let text = match client.call("service.status", params.clone()).await {
            Ok(v) if cli.json => serde_json::to_string(&v).unwrap_or_default() + "\n",
            Ok(v) => render_status(&v),
            Err(e) => {
                screen.end();
                return report_client_error(cli, &e);
            }
        };
        let stamp = chrono::Local::now().format("%H:%M:%S");
        if terminal && !cli.json {
            let (rows, cols) = term.size();
            let (rows, cols) = (usize::from(rows), usize::from(cols));
            let mut frame: Vec<String> = vec![format!(
                "every {}s · {stamp} · Ctrl-C to stop",
                args.interval
            )];
            frame.extend(text.lines().map(|l| cut(l, cols.max(20) - 1).into_owned()));
            frame.truncate(rows.max(2) - 1);
            screen.paint(&frame);
        } else if cli.json {
            out!("{text}");
        } else {
            outln!("{stamp}");
            out!("{text}");
            outln!("");
        }
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            _ = tokio::signal::ctrl_c() => {
                screen.end();
                return ExitCode::Success;
            }
        }
    }
}

/// `hero_svc inspect <svc>`.
pub async fn inspect(cli: &Cli, service: &str) -> ExitCode {
    query(
        cli,
        "service.inspect",
        json!({ "name": service }),
        render_inspect,
    )
    .await
}

/// The items of a JSON array as text.
fn items(v: &Value) -> Vec<String> {
    v.as_array().into_iter().flatten().map(s).collect()
}

/// The items of a JSON array joined, or `-`.
fn joined(v: &Value) -> String {
    let l = items(v);
    if l.is_empty() {
        "-".to_string()
    } else {
        l.join(", ")
    }
}

/// How cargo builds a source: `-p visits --features redis --locked`.
fn cargo_flags(cargo: &Value) -> String {
    let mut how = Vec::new();
    for p in items(&cargo["packages"]) {
        how.push(format!("-p {p}"));
    }
    let features = items(&cargo["features"]);
    if !features.is_empty() {
        how.push(format!("--features {}", features.join(",")));
    }
    if cargo["no_default_features"].as_bool() == Some(true) {
        how.push("--no-default-features".into());
    }
    if cargo["locked"].as_bool() == Some(true) {
        how.push("--locked".into());
    }
    how.join(" ")
}

/// What a service is, how it runs and how it is doing, for people.
fn render_inspect(v: &Value) -> String {
    let mut o = String::new();
    let mut field = |name: &str, value: String| o.push_str(&format!("  {name:<13} {value}\n"));
    field("description", s(&v["description"]));
    field("state", s(&v["status"]["state"]));
    let health = &v["status"]["health"];
    if let Some(h) = health["state"].as_str().filter(|h| *h != "unknown") {
        field("health", format!("{h} ({})", s(&health["detail"])));
    }
    let freshness = &v["status"]["freshness"];
    if let Some(summary) = freshness["summary"].as_str() {
        field(
            "freshness",
            format!("{summary} ({})", s(&freshness["detail"])),
        );
    }
    field("depends on", joined(&v["dependencies"]));
    let src = &v["source"];
    if src.is_null() {
        field(
            "source",
            "none (the system's binaries, or nothing to install)".into(),
        );
    } else {
        field(
            "source",
            format!("{} ({})", s(&src["git_url"]), s(&src["git_ref"])),
        );
        let flags = cargo_flags(&src["cargo"]);
        if !flags.is_empty() {
            field("cargo build", flags);
        }
    }
    field("install", s(&v["install_policy"]).replace('_', " "));
    field("health probe", s(&v["health_probe"]));
    field("ports", joined(&v["ports"]));
    field("sockets", joined(&v["sockets"]));
    let mut out = format!("{}\n{o}", s(&v["name"]));
    out.push_str("\nbinaries\n");
    let installed: Vec<&Value> = v["installed"].as_array().into_iter().flatten().collect();
    let binaries = v["binaries"].as_array().cloned().unwrap_or_default();
    if binaries.is_empty() {
        out.push_str("  (none)\n");
    }
    for b in &binaries {
        let name = s(&b["name"]);
        let role = s(&b["role"]);
        let at = b["path"]
            .as_str()
            .map(|p| format!(" at {p}"))
            .unwrap_or_default();
        match installed.iter().find(|r| r["binary"] == b["name"]) {
            Some(r) => {
                out.push_str(&format!(
                    "  {name} ({role}){at}: {} since {}, from {}, sha256 {}\n",
                    short_version(&s(&r["version"])),
                    s(&r["installed_at"])
                        .get(..19)
                        .unwrap_or_default()
                        .replace('T', " "),
                    s(&r["origin"]),
                    s(&r["sha256"]).get(..12).unwrap_or_default(),
                ));
                if let Some(run) = r["run_id"].as_str() {
                    out.push_str(&format!(
                        "    installed by run {run} (`executions show {run}`)\n"
                    ));
                }
                let lock = &r["lock"];
                if lock.is_object() {
                    let verdict = if lock["matches"] == true {
                        "the locked bytes"
                    } else {
                        "NOT the locked bytes"
                    };
                    out.push_str(&format!(
                        "    lock: {} (sha256 {}): {verdict}\n",
                        s(&lock["pins"]),
                        s(&lock["sha256"]).get(..12).unwrap_or_default(),
                    ));
                }
            }
            None => out.push_str(&format!("  {name} ({role}){at}: not installed\n")),
        }
    }
    out.push_str("\nprocesses\n");
    let procs = v["processes"].as_array().cloned().unwrap_or_default();
    if procs.is_empty() {
        out.push_str("  (none)\n");
    }
    let states: Vec<Value> = v["status"]["processes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for p in &procs {
        let state = states.iter().find(|st| st["name"] == p["name"]);
        out.push_str(&format!(
            "  {}: {}{}\n",
            s(&p["name"]),
            state
                .map(|st| s(&st["state"]))
                .unwrap_or_else(|| "-".into()),
            state
                .and_then(|st| st["pid"].as_u64())
                .map(|pid| format!(", pid {pid}"))
                .unwrap_or_default()
        ));
        out.push_str(&format!(
            "    runs  {} {}\n",
            s(&p["executable"]),
            items(&p["args"]).join(" ")
        ));
        let env = items(&p["env"]);
        if !env.is_empty() {
            out.push_str(&format!("    env   {}\n", env.join(" ")));
        }
    }
    out
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
            Err(e) => return report_client_error(cli, &e),
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
            Err(e) => return report_client_error(cli, &e),
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
        Err(e) => return report_client_error(cli, &e),
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
