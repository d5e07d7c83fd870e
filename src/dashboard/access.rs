//! Who may use the dashboard.
//!
//! - **The admin socket** is served within the RPC socket's rules (the peer's uid checked
//!   with `SO_PEERCRED`, the same connection limits): see [`listen`](super::listen).
//! - **The loopback TCP port** ([`token_gate`]) answers only requests that show the
//!   dashboard's token: once in the URL (`/?token=…`, which sets an `HttpOnly`,
//!   `SameSite=Strict` cookie and redirects to the same page without it), then as that
//!   cookie, or as `Authorization: Bearer …`. Without it the answer is `401`, with a wrong
//!   one `403`, each saying how to get the URL. The `Host` must be the loopback address
//!   itself (`127.0.0.1:PORT`, `localhost:PORT`, `[::1]:PORT`, or the name alone): a page of another site
//!   whose name was pointed at 127.0.0.1 gets `403`.
//! - **Actions** ([`same_origin_actions`], on both surfaces) are `POST`s from the
//!   dashboard's own pages: a browser's `Origin` and `Sec-Fetch-Site` must say same
//!   origin, and the form must carry the form token (checked by the action itself).

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::links::Links;
use super::{Dashboard, Surface};

/// The name of the token cookie for the port `port` (one per port: cookies do not tell
/// ports apart, two daemons on one machine must not overwrite each other's).
pub fn cookie_name(port: u16) -> String {
    format!("hero_svc_dashboard_{port}")
}

fn plain(status: StatusCode, message: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        message,
    )
        .into_response()
}

/// The token gate of the TCP port (see the module docs).
pub async fn token_gate(
    State(dashboard): State<Arc<Dashboard>>,
    request: Request,
    next: Next,
) -> Response {
    let Some(Surface::Http { port }) = request.extensions().get::<Surface>().copied() else {
        return next.run(request).await;
    };
    let program = dashboard.daemon().paths().program.clone();
    let headers = request.headers();
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    if !is_loopback_host(host, port) {
        return plain(
            StatusCode::FORBIDDEN,
            format!(
                "this dashboard answers only at http://127.0.0.1:{port}/ (the request was for host {host:?})\n"
            ),
        );
    }
    let secret = dashboard.secret();
    if bearer(headers).is_some_and(|t| secret.is_token(t))
        || cookie(headers, &cookie_name(port)).is_some_and(|t| secret.is_token(t))
    {
        return next.run(request).await;
    }
    let query = request.uri().query().unwrap_or("");
    let mut token = None;
    let mut rest = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        if k == "token" {
            token = Some(v.into_owned());
        } else {
            rest.append_pair(&k, &v);
        }
    }
    match token {
        Some(t) if secret.is_token(&t) => {
            let rest = rest.finish();
            // Relative (`./`, `../…`): the redirect stays on this dashboard, under whatever
            // prefix it is mounted.
            let location = Links::same_page(request.uri().path(), &rest);
            let cookie = format!(
                "{}={}; HttpOnly; SameSite=Strict; Path=/",
                cookie_name(port),
                secret.token()
            );
            (
                StatusCode::SEE_OTHER,
                [(header::LOCATION, location), (header::SET_COOKIE, cookie)],
            )
                .into_response()
        }
        Some(_) => plain(
            StatusCode::FORBIDDEN,
            format!(
                "this is not the dashboard's token (a daemon makes a new one each time it starts): \
                 run `{program} dashboard` for the current URL\n"
            ),
        ),
        None => plain(
            StatusCode::UNAUTHORIZED,
            format!(
                "the dashboard needs its token: open the URL that `{program} dashboard` prints \
                 (http://127.0.0.1:{port}/?token=…), or send `Authorization: Bearer <token>`\n"
            ),
        ),
    }
}

/// Whether `host` (a `Host` header) names this loopback port (or a loopback name alone:
/// what a page of another site sends is that site's name).
fn is_loopback_host(host: &str, port: u16) -> bool {
    ["127.0.0.1", "localhost", "[::1]"]
        .iter()
        .any(|name| host == *name || host == format!("{name}:{port}"))
}

/// The token of `Authorization: Bearer …`.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// The value of the cookie `name`.
fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
}

/// Refuses a `POST` a browser sends from another origin (see the module docs).
pub async fn same_origin_actions(request: Request, next: Next) -> Response {
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let headers = request.headers();
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && site != "same-origin"
        && site != "none"
    {
        return plain(
            StatusCode::FORBIDDEN,
            format!(
                "actions come from the dashboard's own pages (this request came from a {site} page)\n"
            ),
        );
    }
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("");
        let origin_host = origin
            .strip_prefix("http://")
            .or_else(|| origin.strip_prefix("https://"))
            .unwrap_or(origin);
        if origin_host != host {
            return plain(
                StatusCode::FORBIDDEN,
                format!(
                    "actions come from the dashboard's own pages (this one came from {origin})\n"
                ),
            );
        }
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_loopback_names_of_the_port_pass() {
        assert!(is_loopback_host("127.0.0.1:8080", 8080));
        assert!(is_loopback_host("localhost:8080", 8080));
        assert!(is_loopback_host("[::1]:8080", 8080));
        assert!(is_loopback_host("localhost", 8080));
        assert!(!is_loopback_host("127.0.0.1:8081", 8080));
        assert!(!is_loopback_host("evil.example:8080", 8080));
        assert!(!is_loopback_host("", 8080));
    }

    #[test]
    fn cookies_and_bearer_tokens_are_read() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            "a=1; hero_svc_dashboard_9=tok ; b=2".parse().unwrap(),
        );
        h.insert(header::AUTHORIZATION, "Bearer abc".parse().unwrap());
        assert_eq!(cookie(&h, "hero_svc_dashboard_9"), Some("tok"));
        assert_eq!(cookie(&h, "hero_svc_dashboard_8"), None);
        assert_eq!(bearer(&h), Some("abc"));
    }
}
