//! The page handlers: each asks the same library calls the RPC methods answer with
//! ([`rpc::methods`](crate::rpc::methods)), turns the answer into a view, and renders it.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::{Value, json};

use super::Dashboard;
use super::links::Links;
use super::run_picture::{live_statuses, report_dag, report_statuses, with_statuses};
use super::views::{
    Chrome, ErrorPage, ExecutionRow, ExecutionsPage, FailureView, GroupView, OperationRow,
    ProcessRow, RunPage, SERVICE_ACTIONS, STACK_ACTIONS, ServicePage, ServiceRow, StackPage,
    duration, moment, uptime,
};
use crate::daemon::{Daemon, HealthState};
use crate::graph::{ExecutionReport, RunId, TaskStatus};
use crate::rpc::RpcError;
use crate::rpc::codes;
use crate::rpc::methods::{execution, service};
use crate::services::{Catalog, Service};

/// What every page shows around its content, with its URLs relative to `links`.
pub fn chrome(daemon: &Daemon, links: &Links, live: bool) -> Chrome {
    Chrome {
        program: daemon.paths().program.clone(),
        version: env!("CARGO_PKG_VERSION"),
        catalog: daemon.default_catalog().to_string(),
        pid: std::process::id(),
        live,
        root: links.root().to_string(),
    }
}

/// `template` as an HTML answer (a page that cannot render is a 500 saying why).
pub fn render(template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!("the page could not be rendered: {e}\n"),
        )
            .into_response(),
    }
}

/// A page saying what went wrong, with `status`.
pub fn error_page(
    daemon: &Daemon,
    links: &Links,
    status: StatusCode,
    title: &str,
    message: String,
) -> Response {
    let page = ErrorPage {
        chrome: chrome(daemon, links, false),
        title: title.to_string(),
        message,
    };
    (status, render(&page)).into_response()
}

/// The page for an error of the library calls.
pub fn rpc_error_page(daemon: &Daemon, links: &Links, e: &RpcError) -> Response {
    let (status, title) = match e.code {
        codes::UNKNOWN_SERVICE => (StatusCode::NOT_FOUND, "No such service"),
        codes::UNKNOWN_EXECUTION => (StatusCode::NOT_FOUND, "No such execution"),
        codes::UNKNOWN_GROUP => (StatusCode::NOT_FOUND, "No such group"),
        codes::INVALID_PARAMS => (StatusCode::BAD_REQUEST, "Not possible"),
        codes::INTERNAL_ERROR => (StatusCode::INTERNAL_SERVER_ERROR, "The daemon failed"),
        _ => (StatusCode::INTERNAL_SERVER_ERROR, "It did not work"),
    };
    error_page(daemon, links, status, title, e.message.clone())
}

fn health_word(state: HealthState) -> &'static str {
    match state {
        HealthState::Healthy => "healthy",
        HealthState::Unhealthy => "unhealthy",
        HealthState::Starting => "starting",
        HealthState::Unknown => "unknown",
    }
}

/// A version as a person reads it: a commit by its first 12 digits, a tag as it is.
fn short_version(version: &str) -> String {
    if version.len() == 40 && version.bytes().all(|b| b.is_ascii_hexdigit()) {
        crate::util::short_hash(version).to_string()
    } else {
        version.to_string()
    }
}

/// The row of `svc` given its status.
fn row_of(
    daemon: &Daemon,
    catalog: &Catalog,
    svc: &dyn Service,
    status: &service::ServiceStatus,
) -> ServiceRow {
    let version = svc
        .binaries()
        .iter()
        .find_map(|b| daemon.store().installed(&b.name).ok().flatten())
        .map_or_else(|| "—".to_string(), |r| short_version(&r.version));
    let running: Vec<&service::ProcessView> = status
        .processes
        .iter()
        .filter(|p| p.pid.is_some())
        .collect();
    let pids = running
        .iter()
        .filter_map(|p| p.pid.map(|pid| pid.to_string()))
        .collect::<Vec<_>>()
        .join(", ");
    let youngest = running.iter().filter_map(|p| p.uptime_ms).min();
    let groups: Vec<&str> = catalog
        .groups()
        .iter()
        .filter(|(_, members)| members.iter().any(|m| m == svc.name()))
        .map(|(name, _)| name.as_str())
        .collect();
    ServiceRow {
        name: svc.name().to_string(),
        description: svc.description().to_string(),
        state: status.state.clone(),
        state_class: status.state.replace(' ', "_"),
        health: health_word(status.health.state).to_string(),
        health_detail: status.health.detail.clone().unwrap_or_default(),
        version,
        pids: if pids.is_empty() {
            "—".to_string()
        } else {
            pids
        },
        uptime: youngest.map_or_else(|| "—".to_string(), uptime),
        restarts: status.processes.iter().map(|p| p.restart_count).sum(),
        groups: groups.join(", "),
        freshness: status.freshness.summary.clone(),
        freshness_class: status.freshness.state.as_str().to_string(),
        freshness_detail: status.freshness.detail.clone(),
    }
}

/// Every service of the default catalog, in catalog order.
pub async fn stack_rows(daemon: &Arc<Daemon>) -> Result<Vec<ServiceRow>, RpcError> {
    let statuses = service::status(daemon.clone(), service::NamesParams::default()).await?;
    let catalog = daemon.catalog(None).map_err(service::catalog_error)?;
    let mut rows = Vec::with_capacity(statuses.len());
    for status in &statuses {
        let svc = catalog.get(&status.name).map_err(service::catalog_error)?;
        rows.push(row_of(daemon, catalog, svc.as_ref(), status));
    }
    Ok(rows)
}

/// The rows by group: each service under the first group that lists it, the rest after.
fn by_group(catalog: &Catalog, rows: Vec<ServiceRow>) -> Vec<GroupView> {
    let mut by_name: HashMap<String, ServiceRow> =
        rows.iter().map(|r| (r.name.clone(), r.clone())).collect();
    let mut out = Vec::new();
    for (group, members) in catalog.groups() {
        let services: Vec<ServiceRow> = members.iter().filter_map(|m| by_name.remove(m)).collect();
        if !services.is_empty() {
            out.push(GroupView {
                name: group.clone(),
                services,
            });
        }
    }
    let rest: Vec<ServiceRow> = rows
        .into_iter()
        .filter(|r| by_name.contains_key(&r.name))
        .collect();
    if !rest.is_empty() {
        let name = if out.is_empty() {
            "services"
        } else {
            "other services"
        };
        out.push(GroupView {
            name: name.to_string(),
            services: rest,
        });
    }
    out
}

/// `GET /`: the stack.
pub async fn stack(State(dashboard): State<Arc<Dashboard>>, links: Links) -> Response {
    let daemon = dashboard.daemon();
    let rows = match stack_rows(daemon).await {
        Ok(r) => r,
        Err(e) => return rpc_error_page(daemon, &links, &e),
    };
    let catalog = match daemon.catalog(None) {
        Ok(c) => c,
        Err(e) => return rpc_error_page(daemon, &links, &service::catalog_error(e)),
    };
    let healthy = rows.iter().filter(|r| r.health == "healthy").count();
    let page = StackPage {
        chrome: chrome(daemon, &links, true),
        total: rows.len(),
        healthy,
        groups: by_group(catalog, rows),
        stack_ops: STACK_ACTIONS,
        service_ops: SERVICE_ACTIONS,
        generated_at: moment(chrono::Utc::now()),
    };
    render(&page)
}

/// The strings of a JSON array (or of one string), joined.
fn joined(v: &Value) -> String {
    match v {
        Value::Array(items) => items.iter().map(plain).collect::<Vec<_>>().join(", "),
        Value::Null => String::new(),
        other => plain(other),
    }
}

fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn failures(report: &ExecutionReport) -> Vec<FailureView> {
    report
        .tasks
        .iter()
        .filter(|t| t.status == TaskStatus::Failed)
        .map(|t| FailureView {
            key: t.key.as_str().to_string(),
            label: t.label.clone(),
            error: t.error.clone(),
            log_tail: t.log_tail.clone(),
        })
        .collect()
}

/// `GET /services/{name}`: inspect, dependencies, the log tail, troubleshoot.
pub async fn service(
    State(dashboard): State<Arc<Dashboard>>,
    links: Links,
    Path(name): Path<String>,
) -> Response {
    let daemon = dashboard.daemon();
    let catalog = match daemon
        .catalog(None)
        .and_then(|c| c.get(&name).map(|s| (c, s)))
    {
        Ok((c, s)) => (c, s.clone()),
        Err(e) => return rpc_error_page(daemon, &links, &service::catalog_error(e)),
    };
    let (catalog, svc) = catalog;
    let one = |lines| service::NameParams {
        name: name.clone(),
        catalog: None,
        lines,
    };
    let (inspect, troubleshoot, status) = tokio::join!(
        service::inspect_now(daemon.clone(), one(None)),
        service::troubleshoot(daemon.clone(), one(Some(100))),
        service::status_of(daemon, svc.as_ref()),
    );
    let (inspect, troubleshoot, status) = match (inspect, troubleshoot, status) {
        (Ok(i), Ok(t), Ok(s)) => (i, t, s),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
            return rpc_error_page(daemon, &links, &e);
        }
    };
    let row = row_of(daemon, catalog, svc.as_ref(), &status);
    let processes = status
        .processes
        .iter()
        .map(|p| ProcessRow {
            name: p.name.clone(),
            state: p.state.clone(),
            state_class: p.state.replace(' ', "_"),
            pid: p.pid.map_or_else(|| "—".to_string(), |p| p.to_string()),
            uptime: p.uptime_ms.map_or_else(|| "—".to_string(), uptime),
            restarts: p.restart_count,
            reason: p.reason.clone().unwrap_or_default(),
        })
        .collect();
    let dependents = catalog
        .services()
        .iter()
        .filter(|s| s.dependencies().iter().any(|d| d == &name))
        .map(|s| s.name().to_string())
        .collect();
    let source = &inspect["source"];
    let mut facts = vec![(
        "source".to_string(),
        if source.is_null() {
            "none (the system's binaries)".to_string()
        } else {
            format!(
                "{} @ {}",
                plain(&source["git_url"]),
                plain(&source["git_ref"])
            )
        },
    )];
    facts.push(("install policy".into(), plain(&inspect["install_policy"])));
    let binaries: Vec<String> = inspect["binaries"]
        .as_array()
        .map(|b| b.iter().map(|b| plain(&b["name"])).collect())
        .unwrap_or_default();
    facts.push(("binaries".into(), binaries.join(", ")));
    let installed: Vec<String> = inspect["installed"]
        .as_array()
        .map(|b| {
            b.iter()
                .map(|r| {
                    format!(
                        "{} {}",
                        plain(&r["binary"]),
                        short_version(&plain(&r["version"]))
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    facts.push((
        "installed".into(),
        if installed.is_empty() {
            "nothing".to_string()
        } else {
            installed.join(", ")
        },
    ));
    facts.push(("sockets".into(), joined(&inspect["sockets"])));
    facts.push(("ports".into(), joined(&inspect["ports"])));
    facts.push(("health probe".into(), plain(&inspect["health_probe"])));
    if let Some(procs) = inspect["processes"].as_array() {
        for p in procs {
            facts.push((
                format!("process {}", plain(&p["name"])),
                format!(
                    "{} {}",
                    plain(&p["executable"]),
                    joined(&p["args"]).replace(", ", " ")
                ),
            ));
            let env = joined(&p["env"]);
            if !env.is_empty() {
                facts.push(("environment".into(), env));
            }
        }
    }
    let mut log_lines = Vec::new();
    if let Some(procs) = troubleshoot["logs"].as_array() {
        for p in procs {
            let process = plain(&p["process"]);
            for line in p["lines"].as_array().into_iter().flatten() {
                log_lines.push((process.clone(), plain(line)));
            }
        }
    }
    let health = &troubleshoot["health"];
    let healthy = health["healthy"].as_bool().unwrap_or(false);
    let recent = troubleshoot["recent_operations"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|op| OperationRow {
            run_id: plain(&op["run_id"]),
            operation: plain(&op["operation"]),
            status: plain(&op["status"]),
            started: plain(&op["started_at"]),
            duration: op["duration_ms"]
                .as_f64()
                .map_or_else(String::new, duration),
            error: plain(&op["error"]),
        })
        .collect();
    let last_failed: Option<ExecutionReport> =
        serde_json::from_value(troubleshoot["last_failed_report"].clone()).ok();
    let page = ServicePage {
        chrome: chrome(daemon, &links, true),
        row,
        service_ops: SERVICE_ACTIONS,
        processes,
        dependencies: svc.dependencies(),
        dependents,
        facts,
        log_lines,
        health_now: format!(
            "{} — {}",
            if healthy { "healthy" } else { "not healthy" },
            plain(&health["detail"])
        ),
        health_now_class: if healthy { "healthy" } else { "unhealthy" }.to_string(),
        recent,
        last_failure: last_failed.as_ref().map(failures).unwrap_or_default(),
        last_failure_id: last_failed
            .as_ref()
            .map(|r| r.run_id.to_string())
            .unwrap_or_default(),
    };
    render(&page)
}

/// `GET /executions`: the runs, newest first.
pub async fn executions(State(dashboard): State<Arc<Dashboard>>, links: Links) -> Response {
    let daemon = dashboard.daemon();
    let list = match execution::list(daemon.clone(), execution::ListParams { limit: 200 }).await {
        Ok(l) => l,
        Err(e) => return rpc_error_page(daemon, &links, &e),
    };
    let rows = list
        .into_iter()
        .map(|e| ExecutionRow {
            id: e.id.to_string(),
            operation: e.operation,
            services: e.services.join(", "),
            status: e.status,
            started: moment(e.started_at),
            duration: e
                .duration_ms
                .map_or_else(|| "running".to_string(), duration),
        })
        .collect();
    render(&ExecutionsPage {
        chrome: chrome(daemon, &links, false),
        rows,
    })
}

/// `GET /executions/{id}`: the run's DAG (live while it runs), its Gantt chart and its
/// failures once over.
pub async fn run(
    State(dashboard): State<Arc<Dashboard>>,
    links: Links,
    Path(id): Path<String>,
) -> Response {
    let daemon = dashboard.daemon();
    let Ok(run_id) = id.parse::<RunId>() else {
        return error_page(
            daemon,
            &links,
            StatusCode::NOT_FOUND,
            "No such execution",
            format!("`{id}` is not an execution id"),
        );
    };
    let got = match execution::get(daemon.clone(), execution::IdParams { id: run_id }).await {
        Ok(g) => g,
        Err(e) => return rpc_error_page(daemon, &links, &e),
    };
    let in_memory = daemon.executions().get(&run_id);
    let (statuses, cursor) = match (&got.report, &in_memory) {
        (Some(report), live) => (
            report_statuses(report),
            live.as_ref().map_or(0, |e| e.events_since(0).next_cursor),
        ),
        (None, Some(live)) => live_statuses(live),
        (None, None) => (HashMap::new(), 0),
    };
    let picture = match (&in_memory, &got.report) {
        (Some(live), _) => Some(live.plan().to_svg()),
        (None, Some(report)) => report_dag(report),
        (None, None) => None,
    };
    let dag_svg = picture.map_or_else(
        || "<p class=\"muted\">The plan of this run was not recorded.</p>".to_string(),
        |svg| with_statuses(&svg, &statuses),
    );
    let summary = &got.execution;
    let report = got.report.as_ref();
    let services: BTreeSet<&str> = summary.services.iter().map(String::as_str).collect();
    let page = RunPage {
        chrome: chrome(daemon, &links, report.is_none()),
        id: run_id.to_string(),
        operation: summary.operation.clone(),
        status: summary.status.clone(),
        services: services.into_iter().collect::<Vec<_>>().join(", "),
        started: moment(summary.started_at),
        duration: summary
            .duration_ms
            .map_or_else(|| "running".to_string(), duration),
        cursor,
        finished: report.is_some(),
        dag_svg,
        gantt_svg: report.map(ExecutionReport::to_svg),
        critical_path: report
            .map(|r| {
                r.critical_path
                    .steps
                    .iter()
                    .map(|s| s.label.as_str())
                    .collect::<Vec<_>>()
                    .join(" → ")
            })
            .unwrap_or_default(),
        failed: report.map(failures).unwrap_or_default(),
    };
    render(&page)
}

/// `GET /health`.
pub async fn health(State(dashboard): State<Arc<Dashboard>>) -> Response {
    let daemon = dashboard.daemon();
    axum::Json(json!({
        "status": "ok",
        "service": format!("{}_admin", daemon.paths().program),
        "version": env!("CARGO_PKG_VERSION"),
        "pid": std::process::id(),
        "uptime_ms": daemon.uptime_ms(),
        "http": dashboard.http_endpoint().map(|e| e.addr.to_string()),
        "connections": {
            "open": dashboard.connections().open(),
            "busy": dashboard.connections().busy(),
            "refused": dashboard.connections().refused(),
            "evicted": dashboard.connections().evicted(),
            "max": dashboard.limits().max_connections,
        },
    }))
    .into_response()
}

/// `GET /.well-known/heroservice.json`: the Hero discovery manifest of the admin UI.
pub async fn heroservice(State(dashboard): State<Arc<Dashboard>>) -> Response {
    let daemon = dashboard.daemon();
    axum::Json(json!({
        "protocol": "ui",
        "name": daemon.paths().program,
        "title": "Hero Service Manager",
        "version": env!("CARGO_PKG_VERSION"),
        "description": "The admin dashboard of the service manager: the stack, its runs, its services, and actions on them",
        "socket": "admin",
    }))
    .into_response()
}
