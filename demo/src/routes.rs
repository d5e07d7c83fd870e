//! The HTTP endpoints: which path answers what, on the RPC surface (unix socket and
//! optional TCP port) and on the admin surface (`admin.sock`).

use std::convert::Infallible;
use std::sync::Arc;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{ALLOW, CONTENT_TYPE, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use serde_json::{Value, json};

use crate::openrpc;
use crate::rpc;
use crate::service::{HealthStatus, Service};

/// The largest `POST /rpc` body accepted.
const MAX_BODY: usize = 1 << 20;

/// Which set of endpoints a listener serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    /// `/health`, `/openrpc.json`, `/.well-known/heroservice.json`, `POST /rpc`.
    Rpc,
    /// An HTML page at `/`, and `/health`.
    Admin,
}

/// Answers one request on `surface`.
pub async fn respond(
    service: Arc<Service>,
    surface: Surface,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let path = request.uri().path().to_owned();
    let method = request.method().clone();
    let response = match (surface, path.as_str()) {
        (_, "/health") => only_get(&method, || {
            let (status, body) = service.health();
            let code = match status {
                HealthStatus::Ok => StatusCode::OK,
                HealthStatus::Starting | HealthStatus::Unhealthy => StatusCode::SERVICE_UNAVAILABLE,
            };
            json_response(code, &body)
        }),
        (Surface::Rpc, "/openrpc.json") => only_get(&method, || {
            json_response(StatusCode::OK, &openrpc::document(&service))
        }),
        (Surface::Rpc, "/.well-known/heroservice.json") => only_get(&method, || {
            json_response(StatusCode::OK, &service.manifest())
        }),
        (Surface::Rpc, "/rpc") if method == Method::POST => rpc_response(&service, request).await,
        (Surface::Rpc, "/rpc") => method_not_allowed("POST"),
        (Surface::Admin, "/") => only_get(&method, || html_response(&admin_page(&service))),
        _ => json_response(
            StatusCode::NOT_FOUND,
            &json!({ "error": format!("no endpoint at {path}") }),
        ),
    };
    Ok(response)
}

async fn rpc_response(service: &Service, request: Request<Incoming>) -> Response<Full<Bytes>> {
    let body = match Limited::new(request.into_body(), MAX_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) => {
            return json_response(
                StatusCode::PAYLOAD_TOO_LARGE,
                &json!({ "error": format!("cannot read request body: {e}") }),
            );
        }
    };
    match rpc::handle_body(service, &body) {
        Some(reply) => json_response(StatusCode::OK, &reply),
        None => empty(StatusCode::NO_CONTENT),
    }
}

fn only_get(
    method: &Method,
    answer: impl FnOnce() -> Response<Full<Bytes>>,
) -> Response<Full<Bytes>> {
    if method == Method::GET || method == Method::HEAD {
        answer()
    } else {
        method_not_allowed("GET")
    }
}

fn method_not_allowed(allow: &'static str) -> Response<Full<Bytes>> {
    let mut response = json_response(
        StatusCode::METHOD_NOT_ALLOWED,
        &json!({ "error": format!("use {allow}") }),
    );
    response
        .headers_mut()
        .insert(ALLOW, HeaderValue::from_static(allow));
    response
}

fn json_response(status: StatusCode, body: &Value) -> Response<Full<Bytes>> {
    let text = body.to_string();
    with_body(status, "application/json", text)
}

fn html_response(html: &str) -> Response<Full<Bytes>> {
    with_body(StatusCode::OK, "text/html; charset=utf-8", html.to_owned())
}

fn empty(status: StatusCode) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = status;
    response
}

fn with_body(
    status: StatusCode,
    content_type: &'static str,
    body: String,
) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

fn admin_page(service: &Service) -> String {
    let (_, health) = service.health();
    let status = health["status"].as_str().unwrap_or("unknown");
    format!(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>{title}</title></head>\n\
         <body><h1>{title}</h1>\n<p>version {version}, pid {pid}, status {status}</p>\n</body></html>\n",
        title = escape(&service.title()),
        version = escape(&service.version),
        pid = std::process::id(),
    )
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
