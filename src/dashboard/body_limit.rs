//! [`bounded_body`]: every request's body read whole before its route sees it, within
//! [`MAX_BODY`] and the servers' body timeout (the RPC socket's rule, with
//! [`read_body`](crate::rpc::request_body::read_body)): a body larger than that is `413`,
//! one that does not arrive in time `408`, each saying so — not a connection held open.
//! The dashboard's bodies are its small action forms.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::Dashboard;
use crate::rpc::request_body::read_body;

/// The largest request body accepted (64 KiB: an action form is a few hundred bytes).
pub const MAX_BODY: usize = 64 * 1024;

/// Reads the body of `request` within the limits, then hands it on.
pub async fn bounded_body(
    State(dashboard): State<Arc<Dashboard>>,
    request: Request,
    next: Next,
) -> Response {
    let (parts, body) = request.into_parts();
    match read_body(body, MAX_BODY, dashboard.limits().body_timeout).await {
        Ok(bytes) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Err(e) => (
            e.status(),
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!("{}\n", crate::util::error_line(&e)),
        )
            .into_response(),
    }
}
