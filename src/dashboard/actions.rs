//! Actions: deploy, start, stop, restart and upgrade of one service or of the whole stack.
//!
//! An action is asked on a confirmation page (`GET /actions/confirm`, plain HTML, so it
//! works without JavaScript) whose form posts to `POST /actions` with the form token.
//! The action runs through the RPC method the CLI calls
//! ([`run_operation`](crate::rpc::methods::service::run_operation), `wait: false`) — one
//! code path — and the answer is a redirect to the page of the new run (relative, like
//! every URL of the dashboard: see [`Links`]).

use std::sync::Arc;

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::Dashboard;
use super::links::Links;
use super::pages::{chrome, error_page, render, rpc_error_page};
use super::views::{ConfirmPage, SERVICE_ACTIONS};
use crate::rpc::methods::service::{OperationParams, catalog_error, run_operation};
use crate::services::Operation;

/// The operation named `name`, if it is an action of the dashboard.
fn action(name: &str) -> Option<Operation> {
    match name {
        "deploy" => Some(Operation::Deploy),
        "start" => Some(Operation::Start),
        "stop" => Some(Operation::Stop),
        "restart" => Some(Operation::Restart),
        "upgrade" => Some(Operation::Upgrade),
        _ => None,
    }
}

/// What `operation` does, for the confirmation.
fn explanation(operation: Operation, target: &str) -> String {
    match operation {
        Operation::Deploy => format!(
            "Installs {target} and everything it needs if missing, and starts what is not running; what is up to date is left alone."
        ),
        Operation::Start => {
            format!("Starts {target} (with what it needs) and waits until healthy.")
        }
        Operation::Stop => format!("Stops {target}. What depends on it stops answering."),
        Operation::Restart => format!(
            "Stops and starts {target} again, then waits until healthy. It does not answer meanwhile."
        ),
        Operation::Upgrade => format!(
            "Installs the newest version of {target} and restarts it; it rolls back when the new version is not healthy."
        ),
        _ => format!("Runs {} on {target}.", operation.as_str()),
    }
}

/// The query of the confirmation page, and the form of the action.
#[derive(serde::Deserialize)]
pub struct ActionForm {
    operation: String,
    #[serde(default)]
    service: Option<String>,
    #[serde(default)]
    csrf: Option<String>,
}

/// The checked action: the operation and its service (`None`: the whole stack).
fn checked(
    dashboard: &Dashboard,
    links: &Links,
    form: &ActionForm,
) -> Result<(Operation, Option<String>), Box<Response>> {
    let daemon = dashboard.daemon();
    let Some(operation) = action(&form.operation) else {
        return Err(Box::new(error_page(
            daemon,
            links,
            StatusCode::BAD_REQUEST,
            "No such action",
            format!(
                "`{}` is not an action here; the actions are {}",
                form.operation,
                SERVICE_ACTIONS.join(", ")
            ),
        )));
    };
    let service = form.service.clone().filter(|s| !s.is_empty());
    if let Some(name) = &service
        && let Err(e) = daemon.catalog(None).and_then(|c| c.get(name))
    {
        return Err(Box::new(rpc_error_page(daemon, links, &catalog_error(e))));
    }
    Ok((operation, service))
}

/// `GET /actions/confirm?operation=…[&service=…]`.
pub async fn confirm(
    State(dashboard): State<Arc<Dashboard>>,
    links: Links,
    Query(form): Query<ActionForm>,
) -> Response {
    let (operation, service) = match checked(&dashboard, &links, &form) {
        Ok(x) => x,
        Err(page) => return *page,
    };
    let (target, back) = match &service {
        Some(name) => (name.clone(), links.to(&format!("services/{name}"))),
        None => (
            "every service of the stack".to_string(),
            links.root().to_string(),
        ),
    };
    let verb = operation.as_str();
    let mut question = verb.to_string();
    if let Some(first) = question.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    render(&ConfirmPage {
        chrome: chrome(dashboard.daemon(), &links, false),
        question: format!("{question} {target}?"),
        explanation: explanation(operation, &target),
        operation: verb.to_string(),
        service: service.unwrap_or_default(),
        form_token: dashboard.secret().form_token().to_string(),
        back,
    })
}

/// `POST /actions`: runs the action, then redirects to its run.
pub async fn act(
    State(dashboard): State<Arc<Dashboard>>,
    links: Links,
    Form(form): Form<ActionForm>,
) -> Response {
    let daemon = dashboard.daemon();
    if !form
        .csrf
        .as_deref()
        .is_some_and(|t| dashboard.secret().is_form_token(t))
    {
        return error_page(
            daemon,
            &links,
            StatusCode::FORBIDDEN,
            "Not from this dashboard",
            "the form did not carry this dashboard's form token (it is made anew when the daemon starts): go back, reload and confirm again".to_string(),
        );
    }
    let (operation, service) = match checked(&dashboard, &links, &form) {
        Ok(x) => x,
        Err(page) => return *page,
    };
    let params = OperationParams {
        all: service.is_none(),
        name: service,
        wait: false,
        ..OperationParams::default()
    };
    match run_operation(daemon.clone(), operation, params).await {
        Ok(started) => {
            let id = started["execution_id"].as_str().unwrap_or_default();
            (
                StatusCode::SEE_OTHER,
                [(header::LOCATION, links.to(&format!("executions/{id}")))],
            )
                .into_response()
        }
        Err(e) => rpc_error_page(daemon, &links, &e),
    }
}
