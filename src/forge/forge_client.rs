//! [`ForgeClient`]: HTTP to a forge — requests with the token only for the forge's own
//! origin, redirects followed by hand, retries of transient failures (reported as they
//! happen, see [`Attempts`]), bounded time per attempt (idle timeout, minimum rate,
//! deadline: [`TransferWatch`]), error bodies turned into messages, and release
//! resolution.
//!
//! Every public operation takes a [`ForgeObserver`] and passes its result and its events
//! through the [`Redactor`] of the configured token on the way out: whatever the forge
//! echoes (an `Authorization` header quoted in an error page), the token never reaches a
//! message, a log line or a stored release.
//!
//! Redirects are never followed by the HTTP library: every hop is a new request, and the
//! `Authorization` header is added only when that hop's origin (scheme, host, port) is the
//! forge's. A release download that Forgejo answers with `303 See Other` to object storage
//! (or to an external asset URL) therefore reaches the storage host without the token.

use std::time::Duration;

use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderValue, LOCATION, RETRY_AFTER};
use reqwest::{Response, StatusCode, Url};
use tokio::time::Instant;

use super::attempts::Attempts;
use super::checksums::{self, ChecksumFile, ChecksumList, ChecksumProblem, UnusableChecksum};
use super::forge_error::{display_host, display_url};
use super::forge_event::{ForgeEvent, ForgeObserver};
use super::redaction::Redactor;
use super::transfer_watch::{Deadline, TransferWatch};
use super::wire::{ApiErrorBody, ApiRelease};
use super::{
    ForgeConfig, ForgeError, ForgeKind, ReleaseAsset, ReleaseSource, ReleaseVersion,
    ResolvedRelease, asset_name,
};

/// Redirect hops followed before giving up.
const MAX_REDIRECTS: usize = 10;
/// Largest error body read for its message.
const ERROR_BODY_LIMIT: u64 = 64 * 1024;
/// Largest release JSON accepted.
const JSON_LIMIT: u64 = 16 * 1024 * 1024;
/// Largest checksum file accepted.
const CHECKSUM_LIMIT: u64 = 1024 * 1024;
/// Releases listed when explaining why `latest` or a tag was not found.
const LIST_LIMIT: usize = 50;

/// Talks to one forge. Cheap to clone (the HTTP client is shared).
#[derive(Clone, Debug)]
pub struct ForgeClient {
    config: ForgeConfig,
    http: reqwest::Client,
}

impl ForgeClient {
    /// A client for `config`.
    pub fn new(config: ForgeConfig) -> Result<Self, ForgeError> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(config.connect_timeout)
            .user_agent(concat!("hero_svc/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(ForgeError::Client)?;
        Ok(Self { config, http })
    }

    /// The configuration.
    pub fn config(&self) -> &ForgeConfig {
        &self.config
    }

    /// The redactor of the configured token: every public operation hands its result and
    /// its events out through it.
    pub(crate) fn redactor(&self) -> Redactor<'_> {
        Redactor::new(self.config.token.as_ref())
    }

    /// Looks a release up and collects the sha256 each asset must have. See
    /// [`ReleaseSource`] for what can be looked up; checksum files of the release are
    /// downloaded and read here, so the result is complete: each asset has its expected
    /// sha256, or none published, or the checksum files that apply to it but cannot vouch
    /// for it ([`ReleaseAsset::expected_sha256`] refuses those). Retries are reported to
    /// `observer` as they happen.
    pub async fn resolve_release(
        &self,
        source: &ReleaseSource,
        observer: &mut ForgeObserver<'_>,
    ) -> Result<ResolvedRelease, ForgeError> {
        let redactor = self.redactor();
        let mut observer = |event: ForgeEvent| observer(event.redact_with(&redactor));
        match self.resolve_unredacted(source, &mut observer).await {
            Ok(release) => Ok(release.redact_with(&redactor)),
            Err(e) => Err(e.redact_with(&redactor)),
        }
    }

    async fn resolve_unredacted(
        &self,
        source: &ReleaseSource,
        observer: &mut ForgeObserver<'_>,
    ) -> Result<ResolvedRelease, ForgeError> {
        let mut release = match source {
            ReleaseSource::Release {
                owner,
                repo,
                version,
            } => {
                self.resolve_repo_release(owner, repo, version, observer)
                    .await?
            }
            ReleaseSource::GenericPackage {
                owner,
                package,
                version,
                files,
            } => self.generic_package(owner, package, version, files)?,
        };
        self.attach_checksums(&mut release, observer).await?;
        Ok(release)
    }

    async fn resolve_repo_release(
        &self,
        owner: &str,
        repo: &str,
        version: &ReleaseVersion,
        observer: &mut ForgeObserver<'_>,
    ) -> Result<ResolvedRelease, ForgeError> {
        let repo_path = format!("{owner}/{repo}");
        let base = self.config.kind.repo_api_path(owner, repo);
        let url = match version {
            ReleaseVersion::Latest => self.url(&base, &["releases", "latest"]),
            ReleaseVersion::Tag(tag) => self.url(&base, &["releases", "tags", tag]),
        };
        match self.get_json::<ApiRelease>(&url, observer).await {
            Ok(api) => Ok(self.convert(&repo_path, api)),
            Err(e) if is_not_found(&e) => {
                Err(self.explain_not_found(owner, repo, version, observer).await)
            }
            Err(e) => Err(e),
        }
    }

    /// Why `latest` or a tag gave 404: no repository (or a private one), no releases, only
    /// prereleases, or no such tag.
    async fn explain_not_found(
        &self,
        owner: &str,
        repo: &str,
        version: &ReleaseVersion,
        observer: &mut ForgeObserver<'_>,
    ) -> ForgeError {
        let repo_path = format!("{owner}/{repo}");
        let base = self.config.kind.repo_api_path(owner, repo);
        let mut url = self.url(&base, &["releases"]);
        let page_param = match self.config.kind {
            ForgeKind::Forgejo => "limit",
            ForgeKind::GitHub => "per_page",
        };
        url.query_pairs_mut()
            .append_pair(page_param, &LIST_LIMIT.to_string());
        let host = display_host(&self.config.base_url);
        let releases = match self.get_json::<Vec<ApiRelease>>(&url, observer).await {
            Ok(r) => r,
            Err(e) if is_not_found(&e) => {
                let hint = if self.config.token.is_some() {
                    " (or the token cannot see it; check FORGE_TOKEN)".to_string()
                } else {
                    " (if it is private, set FORGE_TOKEN)".to_string()
                };
                return ForgeError::NotFound {
                    what: format!("repository {repo_path}"),
                    host,
                    hint,
                };
            }
            Err(e) => return e,
        };
        let visible: Vec<&ApiRelease> = releases.iter().filter(|r| !r.draft).collect();
        match version {
            _ if visible.is_empty() => ForgeError::NoReleases { repo: repo_path },
            ReleaseVersion::Latest if visible.iter().all(|r| r.prerelease) => {
                ForgeError::OnlyPrereleases {
                    repo: repo_path,
                    tags: join_tags(&visible),
                }
            }
            ReleaseVersion::Latest => ForgeError::NotFound {
                what: format!("the latest release of {repo_path}"),
                host,
                hint: format!("; releases there: {}", join_tags(&visible)),
            },
            ReleaseVersion::Tag(tag) => ForgeError::NotFound {
                what: format!("release `{tag}` of {repo_path}"),
                host,
                hint: format!("; releases there: {}", join_tags(&visible)),
            },
        }
    }

    fn generic_package(
        &self,
        owner: &str,
        package: &str,
        version: &str,
        files: &[String],
    ) -> Result<ResolvedRelease, ForgeError> {
        let mut assets = Vec::with_capacity(files.len());
        for file in files {
            asset_name::validate(file)?;
            let url = self.url(
                "api/packages",
                &[owner, "generic", package, version, file.as_str()],
            );
            assets.push(ReleaseAsset {
                name: file.clone(),
                size: 0,
                url: url.to_string(),
                digest: None,
                sha256: None,
                sha256_source: None,
                updated_at: None,
                unusable_checksums: Vec::new(),
            });
        }
        assets.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(ResolvedRelease {
            forge: self.config.kind,
            repo: format!("{owner}/{package}"),
            tag: version.to_string(),
            name: format!("{package} {version}"),
            prerelease: false,
            published_at: None,
            html_url: None,
            assets,
            checksum_files: Vec::new(),
        })
    }

    fn convert(&self, repo: &str, api: ApiRelease) -> ResolvedRelease {
        let mut assets: Vec<ReleaseAsset> = api
            .assets
            .into_iter()
            .map(|a| ReleaseAsset {
                sha256: a.digest.as_deref().and_then(checksums::from_digest),
                sha256_source: a
                    .digest
                    .as_deref()
                    .and_then(checksums::from_digest)
                    .map(|_| "digest".to_string()),
                name: a.name,
                size: a.size,
                url: a.browser_download_url,
                digest: a.digest,
                updated_at: a.updated_at.or(a.created_at),
                unusable_checksums: Vec::new(),
            })
            .collect();
        assets.sort_by(|a, b| a.name.cmp(&b.name));
        ResolvedRelease {
            forge: self.config.kind,
            repo: repo.to_string(),
            name: api
                .name
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| api.tag_name.clone()),
            tag: api.tag_name,
            prerelease: api.prerelease,
            published_at: api.published_at.or(api.created_at),
            html_url: api.html_url,
            assets,
            checksum_files: Vec::new(),
        }
    }

    /// Downloads the release's checksum files and fills in each asset's expected sha256.
    /// A sidecar applies to its asset, an aggregate list to every asset that is not itself
    /// a checksum file. Each file that applies must vouch for the asset: one that cannot (an
    /// HTML page, no line for it, malformed) is recorded on the asset, whose download is
    /// then refused. Sources that disagree about an asset are an error.
    async fn attach_checksums(
        &self,
        release: &mut ResolvedRelease,
        observer: &mut ForgeObserver<'_>,
    ) -> Result<(), ForgeError> {
        let files: Vec<(String, String, ChecksumFile)> = release
            .assets
            .iter()
            .filter(|a| asset_name::validate(&a.name).is_ok())
            .filter_map(|a| {
                ChecksumFile::classify(&a.name).map(|k| (a.name.clone(), a.url.clone(), k))
            })
            .collect();
        // (file name, kind, what it says), sidecars before aggregate lists.
        let mut lists: Vec<(String, ChecksumFile, Result<ChecksumList, ChecksumProblem>)> =
            Vec::new();
        for (name, url, kind) in files {
            let url = Url::parse(&url).map_err(|source| ForgeError::InvalidUrl {
                url: name.clone(),
                source,
            })?;
            let (content_type, body) = self.get_small(&url, CHECKSUM_LIMIT, observer).await?;
            let lone = match &kind {
                ChecksumFile::Sidecar { asset } => Some(asset.as_str()),
                ChecksumFile::Aggregate => None,
            };
            let list = checksums::read(&body, &content_type, lone);
            release.checksum_files.push(name.clone());
            lists.push((name, kind, list));
        }
        lists.sort_by_key(|(_, kind, _)| matches!(kind, ChecksumFile::Aggregate));
        for asset in &mut release.assets {
            let is_checksum_file = ChecksumFile::classify(&asset.name).is_some();
            // Every (source, sha256) claim, to detect conflicts.
            let mut claims: Vec<(String, String)> = Vec::new();
            if let Some(sha) = &asset.sha256 {
                claims.push(("digest".to_string(), sha.clone()));
            }
            for (file, kind, list) in &lists {
                let applies = match kind {
                    ChecksumFile::Sidecar { asset: covered } => *covered == asset.name,
                    ChecksumFile::Aggregate => !is_checksum_file,
                };
                let said = list
                    .as_ref()
                    .map_err(Clone::clone)
                    .and_then(|l| l.sha256_of(&asset.name));
                match said {
                    Ok(sha) => claims.push((file.clone(), sha.to_string())),
                    Err(problem) if applies => asset.unusable_checksums.push(UnusableChecksum {
                        file: file.clone(),
                        problem,
                    }),
                    Err(_) => {}
                }
            }
            let Some((source, sha)) = claims.first().cloned() else {
                continue;
            };
            if claims.iter().any(|(_, s)| *s != sha) {
                return Err(ForgeError::ChecksumConflict {
                    tag: release.tag.clone(),
                    asset: asset.name.clone(),
                    detail: claims
                        .iter()
                        .map(|(src, s)| format!("{src}: {}", crate::util::short_hash(s)))
                        .collect::<Vec<_>>()
                        .join(", "),
                });
            }
            asset.sha256 = Some(sha);
            asset.sha256_source = Some(source);
        }
        Ok(())
    }

    /// `base_url` + `prefix` + each segment, percent-encoded.
    fn url(&self, prefix: &str, segments: &[&str]) -> Url {
        let mut url = self.config.base_url.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty();
            path.extend(prefix.split('/').filter(|s| !s.is_empty()));
            path.extend(segments);
        }
        url
    }

    /// GETs JSON, with retries.
    async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        url: &Url,
        observer: &mut ForgeObserver<'_>,
    ) -> Result<T, ForgeError> {
        let accept = self.config.kind.accept();
        let (_, body) = self.get_text(url, accept, JSON_LIMIT, observer).await?;
        serde_json::from_slice(&body).map_err(|e| ForgeError::InvalidJson {
            url: display_url(url),
            detail: e.to_string(),
        })
    }

    /// GETs a small file (a checksum list), with retries: its `Content-Type` and bytes.
    async fn get_small(
        &self,
        url: &Url,
        limit: u64,
        observer: &mut ForgeObserver<'_>,
    ) -> Result<(String, Vec<u8>), ForgeError> {
        self.get_text(url, "*/*", limit, observer).await
    }

    /// GETs a whole body of at most `limit` bytes, attempt after attempt.
    async fn get_text(
        &self,
        url: &Url,
        accept: &str,
        limit: u64,
        observer: &mut ForgeObserver<'_>,
    ) -> Result<(String, Vec<u8>), ForgeError> {
        let mut attempts = Attempts::start(&self.config, format!("GET {}", display_url(url)));
        loop {
            let deadline = Deadline::for_attempt(&self.config);
            let result = async {
                let (resp, final_url) = self.get_once(url, accept, deadline).await?;
                let content_type = header_text(&resp, CONTENT_TYPE);
                let watch = TransferWatch::start(&final_url, &self.config, deadline);
                let body = read_limited(resp, &final_url, limit, watch).await?;
                Ok((content_type, body))
            }
            .await;
            match result {
                Ok(v) => return Ok(v),
                Err(e) => attempts.retry_after(e, observer).await?,
            }
        }
    }

    /// One request, following redirects by hand: the token goes only to the forge's
    /// origin. Returns a 2xx response and the URL that answered it; any other status is an
    /// error carrying the server's message. Each hop waits at most the idle timeout for
    /// its headers, and all of them together end at `deadline`.
    pub(crate) async fn get_once(
        &self,
        url: &Url,
        accept: &str,
        deadline: Option<Deadline>,
    ) -> Result<(Response, Url), ForgeError> {
        let mut current = url.clone();
        for _ in 0..=MAX_REDIRECTS {
            let mut request = self.http.get(current.clone()).header(ACCEPT, accept);
            if let Some(token) = &self.config.token
                && current.origin() == self.config.base_url.origin()
            {
                let mut value = HeaderValue::from_str(&format!("token {}", token.expose()))
                    .map_err(|_| ForgeError::InvalidToken)?;
                value.set_sensitive(true);
                request = request.header(AUTHORIZATION, value);
            }
            let idle = self.config.idle_timeout;
            let wait = match &deadline {
                Some(d) => idle.min(d.at().saturating_duration_since(Instant::now())),
                None => idle,
            };
            let response = match tokio::time::timeout(wait, request.send()).await {
                Err(_) => {
                    if let Some(d) = deadline.filter(Deadline::has_passed) {
                        return Err(d.exceeded(&current));
                    }
                    return Err(ForgeError::IdleTimeout {
                        url: display_url(&current),
                        idle,
                    });
                }
                Ok(Err(source)) => {
                    return Err(ForgeError::Connect {
                        url: display_url(&current),
                        source: source.without_url(),
                    });
                }
                Ok(Ok(r)) => r,
            };
            let status = response.status();
            if status.is_redirection() && status != StatusCode::NOT_MODIFIED {
                let next = response
                    .headers()
                    .get(LOCATION)
                    .and_then(|l| l.to_str().ok())
                    .and_then(|l| current.join(l).ok())
                    .filter(|u| matches!(u.scheme(), "http" | "https"));
                let Some(next) = next else {
                    return Err(ForgeError::Redirect {
                        url: display_url(&current),
                        reason: format!("{status} without a usable Location"),
                    });
                };
                current = next;
                continue;
            }
            if status.is_success() {
                return Ok((response, current));
            }
            return Err(self.status_error(response, &current, deadline).await);
        }
        Err(ForgeError::Redirect {
            url: display_url(url),
            reason: format!("more than {MAX_REDIRECTS} redirects"),
        })
    }

    /// Turns an error response into an error with the server's own message.
    async fn status_error(
        &self,
        response: Response,
        url: &Url,
        deadline: Option<Deadline>,
    ) -> ForgeError {
        let status = response.status();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let is_json = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("json"));
        let watch = TransferWatch::start(url, &self.config, deadline);
        let body = read_limited(response, url, ERROR_BODY_LIMIT, watch)
            .await
            .unwrap_or_default();
        let message = is_json
            .then(|| serde_json::from_slice::<ApiErrorBody>(&body).ok())
            .flatten()
            .and_then(|b| b.message)
            .filter(|m| !m.trim().is_empty())
            .unwrap_or_else(|| first_line(&body, status));
        let on_forge = url.origin() == self.config.base_url.origin();
        if on_forge && matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) {
            return ForgeError::Unauthorized {
                host: display_host(url),
                status,
                message,
            };
        }
        ForgeError::Status {
            url: display_url(url),
            status,
            message,
            retry_after,
        }
    }
}

/// The first line of a text body (at most 200 characters), or the status's reason.
fn first_line(body: &[u8], status: StatusCode) -> String {
    let text = String::from_utf8_lossy(body);
    let line = text.lines().map(str::trim).find(|l| !l.is_empty());
    match line {
        Some(l) if !l.starts_with('<') => l.chars().take(200).collect(),
        _ => status.canonical_reason().unwrap_or("error").to_string(),
    }
}

/// A response header as text (empty when absent or not text).
pub(crate) fn header_text(response: &Response, name: reqwest::header::HeaderName) -> String {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

/// Reads a whole body of at most `limit` bytes under `watch` (idle timeout, minimum rate,
/// deadline).
async fn read_limited(
    response: Response,
    url: &Url,
    limit: u64,
    mut watch: TransferWatch,
) -> Result<Vec<u8>, ForgeError> {
    let expected = response.content_length();
    let mut stream = response.bytes_stream();
    let mut body = Vec::new();
    while let Some(chunk) = watch.next(&mut stream).await? {
        let chunk = chunk.map_err(|source| body_error(url, body.len() as u64, expected, source))?;
        if body.len() as u64 + chunk.len() as u64 > limit {
            return Err(ForgeError::TooLarge {
                url: display_url(url),
                limit,
            });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A body that broke off: truncated when its length was announced, else a read error.
pub(crate) fn body_error(
    url: &Url,
    received: u64,
    expected: Option<u64>,
    source: reqwest::Error,
) -> ForgeError {
    match expected {
        Some(expected) if received < expected => ForgeError::Truncated {
            url: display_url(url),
            received,
            expected,
        },
        _ => ForgeError::Body {
            url: display_url(url),
            received,
            source: source.without_url(),
        },
    }
}

/// Whether the (last attempt of the) request answered 404.
fn is_not_found(err: &ForgeError) -> bool {
    matches!(
        err.last_attempt(),
        ForgeError::Status { status, .. } if *status == StatusCode::NOT_FOUND
    )
}

fn join_tags(releases: &[&ApiRelease]) -> String {
    releases
        .iter()
        .map(|r| r.tag_name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}
