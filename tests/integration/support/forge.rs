//! A stand-in Forgejo for tests: a real HTTP server on 127.0.0.1 that answers the releases
//! API like Forgejo does (JSON fields, `X-Total-Count`, `{"message","url","errors"}` 404
//! bodies, private repositories that 404 without the right token and 401 with a wrong one),
//! serves release downloads with a `303 See Other` to a second "storage" server on another
//! port (like Forgejo with `SERVE_DIRECT` object storage), and serves the generic package
//! registry. Failure modes are switchable: 500s before success (downloads or the API), a
//! stalled body, a trickling body (one byte at a time, never silent for long), an HTML page
//! with 200 (for every download or for one release file, e.g. its `SHA256SUMS`), a truncated
//! body, and error answers that echo the request's `Authorization` header. Every request is
//! recorded with its headers.
//!
//! GitHub-shaped routes (`/repos/{o}/{r}/releases/…`, assets with `digest`) are served too.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use hero_svc::forge::{ForgeConfig, ForgeKind, ForgeToken};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio::task::JoinHandle;

/// How downloads misbehave.
#[derive(Clone, Debug)]
pub struct Mode {
    /// Answer this many download requests with 500 before serving.
    pub fail_next: u32,
    /// Send the headers and the first KiB, then nothing.
    pub stall: bool,
    /// Answer 200 with an HTML sign-in page.
    pub html: bool,
    /// Announce the full length, send half, close.
    pub truncate: bool,
    /// Redirect release downloads to the storage server (303), as Forgejo with object storage.
    pub redirect: bool,
    /// Answer downloads with 404 (an asset deleted after the release was read).
    pub not_found: bool,
    /// Answer downloads of the release file with this name (e.g. `SHA256SUMS`) with 200 and
    /// an HTML sign-in page; other files are served as usual.
    pub html_for: Option<String>,
    /// Send the headers and the first KiB of a download, then one byte per interval: never
    /// silent for as long as the interval, far too slow to ever finish.
    pub trickle: Option<Duration>,
    /// Send the release API's answers one byte per interval, from the first byte on.
    pub trickle_api: Option<Duration>,
    /// Answer this many release API requests with 502 before answering them properly.
    pub api_fail_next: u32,
    /// Answer requests to the forge (not the storage host) with an error whose body quotes
    /// the request's `Authorization` header, as a misconfigured proxy or debug page does.
    pub echo_auth: Option<Echo>,
}

/// An error answer that echoes the request's `Authorization` header.
#[derive(Clone, Debug)]
pub struct Echo {
    /// The status to answer with.
    pub status: StatusCode,
    /// A Forgejo JSON error body (`{"message": …}`) instead of plain text.
    pub json: bool,
    /// Only release downloads (`/{owner}/{repo}/releases/download/…`); the API answers.
    pub downloads_only: bool,
}

impl Default for Mode {
    fn default() -> Self {
        Self {
            fail_next: 0,
            stall: false,
            html: false,
            truncate: false,
            redirect: true,
            not_found: false,
            html_for: None,
            trickle: None,
            trickle_api: None,
            api_fail_next: 0,
            echo_auth: None,
        }
    }
}

/// One request a server received.
#[derive(Clone, Debug)]
pub struct Recorded {
    /// `forge` or `storage`.
    pub server: &'static str,
    /// Path and query.
    pub uri: String,
    /// Header names (lowercase) and values.
    pub headers: Vec<(String, String)>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Clone)]
struct Asset {
    id: i64,
    name: String,
    uuid: String,
    data: Vec<u8>,
}

#[derive(Clone)]
struct Release {
    id: i64,
    tag: String,
    draft: bool,
    prerelease: bool,
    created: String,
    assets: Vec<Asset>,
}

#[derive(Default)]
struct Repo {
    token: Option<String>,
    releases: Vec<Release>,
}

#[derive(Default)]
struct Inner {
    repos: BTreeMap<(String, String), Repo>,
    packages: BTreeMap<String, Vec<u8>>,
    blobs: BTreeMap<String, Vec<u8>>,
    /// uuid → the release file's name.
    blob_names: BTreeMap<String, String>,
    requests: Vec<Recorded>,
    mode: Mode,
    next_id: i64,
}

struct Shared {
    root: String,
    storage_root: String,
    inner: Mutex<Inner>,
}

/// A running stand-in forge and its storage server; both stop when it is dropped.
pub struct StandInForge {
    /// `http://127.0.0.1:PORT` of the forge.
    pub url: String,
    /// `http://127.0.0.1:PORT` of the storage host.
    pub storage_url: String,
    shared: Arc<Shared>,
    servers: Vec<JoinHandle<()>>,
}

impl Drop for StandInForge {
    fn drop(&mut self) {
        for s in &self.servers {
            s.abort();
        }
    }
}

/// An asset to publish: a name and its bytes.
pub fn asset(name: &str, data: &[u8]) -> (String, Vec<u8>) {
    (name.to_string(), data.to_vec())
}

/// The sha256 of `data` in lowercase hex.
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

impl StandInForge {
    /// Starts both servers on 127.0.0.1, on ports of their own.
    pub async fn start() -> Self {
        let forge_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let storage_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", forge_listener.local_addr().unwrap());
        let storage_url = format!("http://{}", storage_listener.local_addr().unwrap());
        let shared = Arc::new(Shared {
            root: format!("{url}/"),
            storage_root: format!("{storage_url}/"),
            inner: Mutex::new(Inner::default()),
        });
        let forge_app = Router::new()
            .fallback(forge_handler)
            .with_state(shared.clone());
        let storage_app = Router::new()
            .fallback(storage_handler)
            .with_state(shared.clone());
        let servers = vec![
            tokio::spawn(async move {
                let _ = axum::serve(forge_listener, forge_app).await;
            }),
            tokio::spawn(async move {
                let _ = axum::serve(storage_listener, storage_app).await;
            }),
        ];
        Self {
            url,
            storage_url,
            shared,
            servers,
        }
    }

    /// A client configuration for this forge: no token, short timeouts, quick retries.
    pub fn config(&self) -> ForgeConfig {
        ForgeConfig::forgejo(&self.url)
            .unwrap()
            .timeouts(Duration::from_secs(5), Duration::from_millis(500))
            .retries(3, Duration::from_millis(20))
    }

    /// [`config`](Self::config) speaking the GitHub API shape.
    pub fn github_config(&self) -> ForgeConfig {
        self.config().kind(ForgeKind::GitHub)
    }

    /// [`config`](Self::config) with a token.
    pub fn config_with_token(&self, token: &str) -> ForgeConfig {
        self.config().token(ForgeToken::new(token))
    }

    /// Makes `owner/repo` private: visible only with `token`.
    pub fn private_repo(&self, owner: &str, repo: &str, token: &str) {
        let mut inner = self.shared.inner.lock().unwrap();
        inner
            .repos
            .entry((owner.into(), repo.into()))
            .or_default()
            .token = Some(token.to_string());
    }

    /// Publishes a release; later ones are newer.
    pub fn release(
        &self,
        owner: &str,
        repo: &str,
        tag: &str,
        prerelease: bool,
        assets: Vec<(String, Vec<u8>)>,
    ) {
        self.add_release(owner, repo, tag, prerelease, false, assets);
    }

    /// Moves the tag `tag` to a release with other assets (a re-tagged release): the old
    /// release of that tag is gone.
    pub fn retag(&self, owner: &str, repo: &str, tag: &str, assets: Vec<(String, Vec<u8>)>) {
        {
            let mut inner = self.shared.inner.lock().unwrap();
            if let Some(r) = inner.repos.get_mut(&(owner.to_string(), repo.to_string())) {
                r.releases.retain(|x| x.tag != tag);
            }
        }
        self.add_release(owner, repo, tag, false, false, assets);
    }

    /// Publishes a draft.
    pub fn draft(&self, owner: &str, repo: &str, tag: &str, assets: Vec<(String, Vec<u8>)>) {
        self.add_release(owner, repo, tag, false, true, assets);
    }

    fn add_release(
        &self,
        owner: &str,
        repo: &str,
        tag: &str,
        prerelease: bool,
        draft: bool,
        assets: Vec<(String, Vec<u8>)>,
    ) {
        let mut inner = self.shared.inner.lock().unwrap();
        inner.next_id += 1;
        let id = inner.next_id;
        let mut list = Vec::new();
        for (name, data) in assets {
            inner.next_id += 1;
            let aid = inner.next_id;
            let uuid = format!("00000000-0000-4000-8000-{aid:012}");
            inner.blobs.insert(uuid.clone(), data.clone());
            inner.blob_names.insert(uuid.clone(), name.clone());
            list.push(Asset {
                id: aid,
                name,
                uuid,
                data,
            });
        }
        list.sort_by(|a, b| a.name.cmp(&b.name));
        let release = Release {
            id,
            tag: tag.to_string(),
            draft,
            prerelease,
            created: format!("2025-01-02T03:{:02}:{:02}+01:00", (id / 60) % 60, id % 60),
            assets: list,
        };
        inner
            .repos
            .entry((owner.into(), repo.into()))
            .or_default()
            .releases
            .push(release);
    }

    /// Publishes a file in the generic package registry.
    pub fn package_file(&self, owner: &str, package: &str, version: &str, file: &str, data: &[u8]) {
        let key = format!("{owner}/{package}/{version}/{file}");
        self.shared
            .inner
            .lock()
            .unwrap()
            .packages
            .insert(key, data.to_vec());
    }

    /// Changes how downloads behave.
    pub fn set_mode(&self, f: impl FnOnce(&mut Mode)) {
        f(&mut self.shared.inner.lock().unwrap().mode);
    }

    /// Every request received so far, by both servers.
    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.inner.lock().unwrap().requests.clone()
    }
}

fn record(shared: &Shared, server: &'static str, req: &Request) {
    let headers = req
        .headers()
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    shared.inner.lock().unwrap().requests.push(Recorded {
        server,
        uri: req.uri().to_string(),
        headers,
    });
}

fn decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&segment[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn query_param(req: &Request, name: &str) -> Option<String> {
    req.uri().query()?.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == name).then(|| decode(v))
    })
}

fn json_response(status: StatusCode, value: &Value) -> Response {
    let mut body = serde_json::to_vec(value).unwrap();
    body.push(b'\n');
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/json;charset=utf-8")
        .body(Body::from(body))
        .unwrap()
}

fn not_found_json(shared: &Shared) -> Response {
    json_response(
        StatusCode::NOT_FOUND,
        &json!({"message": "The target couldn't be found.", "url": format!("{}api/swagger", shared.root), "errors": []}),
    )
}

fn plain(status: StatusCode, text: &str) -> Response {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
        .body(Body::from(format!("{text}\n")))
        .unwrap()
}

/// The token of an `Authorization: token X` / `Bearer X` header.
fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let mut parts = value.split_whitespace();
    let scheme = parts.next()?;
    let token = parts.next()?;
    (scheme.eq_ignore_ascii_case("token") || scheme.eq_ignore_ascii_case("bearer"))
        .then(|| token.to_string())
}

enum Access {
    Ok,
    Unauthorized,
    NotFound,
}

fn access(inner: &Inner, owner: &str, repo: &str, headers: &HeaderMap) -> Access {
    let given = bearer(headers);
    let known: Vec<&String> = inner
        .repos
        .values()
        .filter_map(|r| r.token.as_ref())
        .collect();
    if let Some(t) = &given
        && !known.contains(&t)
    {
        return Access::Unauthorized;
    }
    match inner.repos.get(&(owner.to_string(), repo.to_string())) {
        None => Access::NotFound,
        Some(r) => match &r.token {
            Some(t) if given.as_ref() != Some(t) => Access::NotFound,
            _ => Access::Ok,
        },
    }
}

fn release_json(shared: &Shared, owner: &str, repo: &str, r: &Release, github: bool) -> Value {
    let root = &shared.root;
    let api = format!("{root}api/v1/repos/{owner}/{repo}/releases/{}", r.id);
    let assets: Vec<Value> = r
        .assets
        .iter()
        .map(|a| {
            let mut v = json!({
                "id": a.id, "name": a.name, "size": a.data.len(), "download_count": 0,
                "created_at": r.created, "uuid": a.uuid,
                "browser_download_url": format!("{root}{owner}/{repo}/releases/download/{}/{}", r.tag, a.name),
                "type": "attachment",
            });
            if github {
                v["digest"] = json!(format!("sha256:{}", sha256_hex(&a.data)));
                v["updated_at"] = json!(r.created);
                v["state"] = json!("uploaded");
            }
            v
        })
        .collect();
    json!({
        "id": r.id, "tag_name": r.tag, "target_commitish": "main", "name": r.tag, "body": "notes",
        "url": api, "html_url": format!("{root}{owner}/{repo}/releases/tag/{}", r.tag),
        "tarball_url": format!("{root}{owner}/{repo}/archive/{}.tar.gz", r.tag),
        "zipball_url": format!("{root}{owner}/{repo}/archive/{}.zip", r.tag),
        "hide_archive_links": false, "upload_url": format!("{api}/assets"),
        "draft": r.draft, "prerelease": r.prerelease,
        "created_at": r.created, "published_at": r.created,
        "author": {"id": 1, "login": owner, "login_name": "", "source_id": 0, "full_name": "",
                   "email": format!("{owner}@noreply.localhost"), "avatar_url": "", "html_url": format!("{root}{owner}"),
                   "language": "", "is_admin": false, "last_login": "0001-01-01T00:00:00Z",
                   "created": "2024-01-01T00:00:00Z", "restricted": false, "active": false,
                   "prohibit_login": false, "location": "", "pronouns": "", "website": "",
                   "description": "", "visibility": "public", "followers_count": 0,
                   "following_count": 0, "starred_repos_count": 0, "username": owner},
        "assets": assets,
        "archive_download_count": {"zip": 0, "tar_gz": 0},
    })
}

/// Newest first: `created_at desc, id desc`.
fn newest_first(releases: &[Release]) -> Vec<Release> {
    let mut v = releases.to_vec();
    v.sort_by(|a, b| b.created.cmp(&a.created).then(b.id.cmp(&a.id)));
    v
}

/// The error answer of [`Echo`]: the request's `Authorization` header quoted in the body.
fn echo(echo: &Echo, req: &Request) -> Response {
    let auth = req
        .headers()
        .get(header::AUTHORIZATION)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .unwrap_or_default();
    if echo.json {
        json_response(
            echo.status,
            &json!({"message": format!("invalid credentials: Authorization: {auth}"), "url": ""}),
        )
    } else {
        plain(
            echo.status,
            &format!(
                "upstream said no to GET {} with authorization: {auth}",
                req.uri()
            ),
        )
    }
}

/// `resp` with its body sent one byte per `interval`.
async fn trickled(resp: Response, interval: Duration) -> Response {
    let (parts, body) = resp.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap();
    let stream = futures::stream::iter(bytes.to_vec()).then(move |b| async move {
        tokio::time::sleep(interval).await;
        Ok::<_, Infallible>(Bytes::from(vec![b]))
    });
    let mut resp = Response::from_parts(parts, Body::from_stream(stream));
    resp.headers_mut().remove(header::CONTENT_LENGTH);
    resp
}

async fn forge_handler(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    record(&shared, "forge", &req);
    let path = req.uri().path().to_string();
    let segs: Vec<String> = path
        .trim_start_matches('/')
        .split('/')
        .map(decode)
        .collect();
    let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
    let is_api = matches!(segs.as_slice(), ["api", "v1", "repos", ..] | ["repos", ..]);
    let is_download = matches!(segs.as_slice(), [_, _, "releases", "download", _, _]);
    let (echoing, trickle_api, fail_api) = {
        let mut inner = shared.inner.lock().unwrap();
        let echoing = inner
            .mode
            .echo_auth
            .clone()
            .filter(|e| is_download || !e.downloads_only);
        let fail_api = is_api && inner.mode.api_fail_next > 0;
        if fail_api {
            inner.mode.api_fail_next -= 1;
        }
        (echoing, inner.mode.trickle_api, fail_api)
    };
    if let Some(e) = echoing {
        return echo(&e, &req);
    }
    if fail_api {
        return plain(StatusCode::BAD_GATEWAY, "Bad Gateway");
    }
    if is_api && let Some(interval) = trickle_api {
        let resp = match segs.as_slice() {
            ["api", "v1", "repos", o, r, rest @ ..] => api(&shared, &req, o, r, rest, false),
            ["repos", o, r, rest @ ..] => api(&shared, &req, o, r, rest, true),
            _ => unreachable!("an API path"),
        };
        return trickled(resp, interval).await;
    }
    match segs.as_slice() {
        ["api", "v1", "repos", o, r, rest @ ..] => api(&shared, &req, o, r, rest, false),
        ["repos", o, r, rest @ ..] => api(&shared, &req, o, r, rest, true),
        [o, r, "releases", "download", tag, name] => download(&shared, &req, o, r, tag, name),
        ["api", "packages", o, "generic", p, v, f] => {
            let data = shared
                .inner
                .lock()
                .unwrap()
                .packages
                .get(&format!("{o}/{p}/{v}/{f}"))
                .cloned();
            match data {
                Some(d) => serve_blob(&shared, f, d),
                None => not_found_json(&shared),
            }
        }
        _ => plain(StatusCode::NOT_FOUND, "Not Found"),
    }
}

fn api(shared: &Shared, req: &Request, o: &str, r: &str, rest: &[&str], github: bool) -> Response {
    let inner = shared.inner.lock().unwrap();
    match access(&inner, o, r, req.headers()) {
        Access::Unauthorized => {
            return json_response(
                StatusCode::UNAUTHORIZED,
                &json!({"message": "user does not exist [uid: 0, name: ]", "url": format!("{}api/swagger", shared.root)}),
            );
        }
        Access::NotFound => return not_found_json(shared),
        Access::Ok => {}
    }
    let releases = newest_first(&inner.repos[&(o.to_string(), r.to_string())].releases);
    match rest {
        ["releases"] => {
            let visible: Vec<&Release> = releases.iter().filter(|x| !x.draft).collect();
            let limit = query_param(req, "limit")
                .and_then(|l| l.parse::<usize>().ok())
                .filter(|l| *l > 0)
                .unwrap_or(30)
                .min(50);
            let page = query_param(req, "page")
                .and_then(|p| p.parse::<usize>().ok())
                .filter(|p| *p > 0)
                .unwrap_or(1);
            let items: Vec<Value> = visible
                .iter()
                .skip((page - 1) * limit)
                .take(limit)
                .map(|x| release_json(shared, o, r, x, github))
                .collect();
            let mut resp = json_response(StatusCode::OK, &Value::Array(items));
            let total = visible.len();
            resp.headers_mut()
                .insert("x-total-count", HeaderValue::from(total));
            let pages = total.div_ceil(limit).max(1);
            let base = format!("{}api/v1/repos/{o}/{r}/releases", shared.root);
            let mut links = Vec::new();
            if page < pages {
                links.push(format!(
                    "<{base}?limit={limit}&page={}>; rel=\"next\"",
                    page + 1
                ));
                links.push(format!("<{base}?limit={limit}&page={pages}>; rel=\"last\""));
            }
            if page > 1 {
                links.push(format!("<{base}?limit={limit}&page=1>; rel=\"first\""));
                links.push(format!(
                    "<{base}?limit={limit}&page={}>; rel=\"prev\"",
                    page - 1
                ));
            }
            if !links.is_empty() {
                resp.headers_mut().insert(
                    header::LINK,
                    HeaderValue::from_str(&links.join(",")).unwrap(),
                );
            }
            resp
        }
        ["releases", "latest"] => match releases.iter().find(|x| !x.draft && !x.prerelease) {
            Some(x) => json_response(StatusCode::OK, &release_json(shared, o, r, x, github)),
            None => not_found_json(shared),
        },
        ["releases", "tags", tag] => {
            match releases
                .iter()
                .find(|x| !x.draft && x.tag.eq_ignore_ascii_case(tag))
            {
                Some(x) => json_response(StatusCode::OK, &release_json(shared, o, r, x, github)),
                None => not_found_json(shared),
            }
        }
        _ => not_found_json(shared),
    }
}

fn download(shared: &Shared, req: &Request, o: &str, r: &str, tag: &str, name: &str) -> Response {
    let (asset, redirect) = {
        let inner = shared.inner.lock().unwrap();
        match access(&inner, o, r, req.headers()) {
            Access::Ok => {}
            Access::Unauthorized => return plain(StatusCode::UNAUTHORIZED, "Unauthorized"),
            Access::NotFound => return plain(StatusCode::NOT_FOUND, "Not Found"),
        }
        let repo = &inner.repos[&(o.to_string(), r.to_string())];
        let asset = repo
            .releases
            .iter()
            .filter(|x| !x.draft && x.tag == tag)
            .flat_map(|x| x.assets.iter())
            .find(|a| a.name == name)
            .cloned();
        (asset, inner.mode.redirect)
    };
    let Some(asset) = asset else {
        return plain(StatusCode::NOT_FOUND, "Not Found");
    };
    if redirect {
        let location = format!(
            "{}blobs/{}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=c0ffee&response-content-disposition=attachment",
            shared.storage_root, asset.uuid
        );
        return Response::builder()
            .status(StatusCode::SEE_OTHER)
            .header(header::LOCATION, location)
            .body(Body::empty())
            .unwrap();
    }
    serve_blob(shared, &asset.name, asset.data)
}

async fn storage_handler(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    record(&shared, "storage", &req);
    let path = req.uri().path().to_string();
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let found = match segs.as_slice() {
        ["blobs", uuid] => {
            let inner = shared.inner.lock().unwrap();
            inner
                .blobs
                .get(*uuid)
                .cloned()
                .zip(inner.blob_names.get(*uuid).cloned())
        }
        _ => None,
    };
    match found {
        Some((d, name)) => serve_blob(&shared, &name, d),
        None => plain(StatusCode::NOT_FOUND, "Not Found"),
    }
}

/// Serves bytes the way the current [`Mode`] says.
fn serve_blob(shared: &Shared, name: &str, data: Vec<u8>) -> Response {
    let mode = {
        let mut inner = shared.inner.lock().unwrap();
        let mode = inner.mode.clone();
        if inner.mode.fail_next > 0 {
            inner.mode.fail_next -= 1;
        }
        mode
    };
    if mode.fail_next > 0 {
        return plain(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error");
    }
    if mode.not_found {
        return plain(StatusCode::NOT_FOUND, "Not Found");
    }
    if mode.html || mode.html_for.as_deref() == Some(name) {
        return Response::builder()
            .status(StatusCode::OK)
            .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
            .body(Body::from(
                "<!DOCTYPE html>\n<html><head><title>Sign In</title></head><body>Sign in</body></html>\n",
            ))
            .unwrap();
    }
    let len = data.len();
    let builder = Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "application/octet-stream")
        .header(
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"{name}\""),
        )
        .header(header::CONTENT_LENGTH, len);
    if mode.stall {
        let first = Bytes::from(data[..len.min(1024)].to_vec());
        let stream = futures::stream::once(async move { Ok::<_, Infallible>(first) })
            .chain(futures::stream::pending());
        return builder.body(Body::from_stream(stream)).unwrap();
    }
    if let Some(interval) = mode.trickle {
        let split = len.min(1024);
        let first = Bytes::from(data[..split].to_vec());
        let rest = data[split..].to_vec();
        let stream = futures::stream::once(async move { Ok::<_, Infallible>(first) }).chain(
            futures::stream::iter(rest).then(move |b| async move {
                tokio::time::sleep(interval).await;
                Ok::<_, Infallible>(Bytes::from(vec![b]))
            }),
        );
        return builder.body(Body::from_stream(stream)).unwrap();
    }
    if mode.truncate {
        let half = Bytes::from(data[..len / 2].to_vec());
        // Send half, let the server flush it (one pending poll), then end the body early:
        // hyper closes the connection, the client sees fewer bytes than announced.
        let stream = futures::stream::once(async move { Ok::<_, Infallible>(half) }).chain(
            futures::stream::once(async {
                tokio::task::yield_now().await;
                tokio::time::sleep(Duration::from_millis(20)).await;
                Ok::<_, Infallible>(Bytes::new())
            }),
        );
        return builder.body(Body::from_stream(stream)).unwrap();
    }
    builder.body(Body::from(data)).unwrap()
}

use futures::StreamExt as _;
