//! [`GitCheckout`]: clones or fetches a git repository into the code root and checks out
//! a branch, tag or commit.
//!
//! The working tree lives at `<code_root>/<host>/<owner>/<repo>` (see
//! [`checkout_dir`]). A first clone happens in a temp dir next to it and is renamed into
//! place once checked out, so a killed clone never leaves a half repository behind. An
//! existing working tree must have the same `origin` and no uncommitted changes to tracked
//! files (they are never overwritten); the requested commit is then checked out as a
//! detached `HEAD`. Uses the `git` program; network failures are retried.
//!
//! Cached, with a freshness check that asks the remote (`git ls-remote`) whether the
//! reference still points at the checked-out commit (a branch or a moving tag may have new
//! commits); its output — the commit — is what makes the build downstream stale or up to
//! date.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::process::{ProcessRun, run_logged};
use super::{
    Freshness, ResourceClass, RetryPolicy, TaskContext, TaskError, TaskKey, TaskKind, TaskOutput,
    short_hash,
};
use crate::graph::Fingerprint;
use crate::install::checkout_dir;

/// What to check out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GitRef {
    /// The tip of a branch.
    Branch(String),
    /// A tag (fetched again every time: Hero's `latest` tags move).
    Tag(String),
    /// A commit (full or abbreviated hex).
    Commit(String),
}

impl std::fmt::Display for GitRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GitRef::Branch(b) => write!(f, "branch {b}"),
            GitRef::Tag(t) => write!(f, "tag {t}"),
            GitRef::Commit(c) => write!(f, "commit {c}"),
        }
    }
}

/// Checks out `url` at `reference` under `code_root`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GitCheckout {
    /// The repository (`https://forge.ourworld.tf/lhumina_code/hero_db.git`, a local path).
    pub url: String,
    /// What to check out.
    pub reference: GitRef,
    /// The code root (`CODEROOT`, default `~/code`).
    pub code_root: PathBuf,
}

impl GitCheckout {
    /// Checks out `url` at `reference` under `code_root`.
    pub fn new(url: impl Into<String>, reference: GitRef, code_root: impl Into<PathBuf>) -> Self {
        Self {
            url: url.into(),
            reference,
            code_root: code_root.into(),
        }
    }

    /// Where the working tree is.
    pub fn dir(&self) -> PathBuf {
        checkout_dir(&self.code_root, &self.url)
    }

    /// Runs `git args…` in `dir`; a non-zero exit is an error carrying git's last lines.
    async fn git(
        &self,
        ctx: &TaskContext,
        dir: &Path,
        args: &[&str],
    ) -> Result<ProcessRun, TaskError> {
        let run = self.git_status(ctx, dir, args).await?;
        if !run.status.success() {
            return Err(TaskError::new(format!(
                "`git {}` {} in {}",
                args.join(" "),
                run.how_it_ended(),
                dir.display()
            ))
            .with_log_tail(run.tail));
        }
        Ok(run)
    }

    /// Runs `git args…` in `dir` and returns how it ended, whatever the exit code.
    async fn git_status(
        &self,
        ctx: &TaskContext,
        dir: &Path,
        args: &[&str],
    ) -> Result<ProcessRun, TaskError> {
        let mut cmd = tokio::process::Command::new("git");
        cmd.args(["-c", "advice.detachedHead=false"])
            .args(args)
            .current_dir(dir)
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("LC_ALL", "C");
        run_logged(cmd, ctx, "git", true).await
    }

    /// Fetches what `reference` needs and checks it out in `dir`; returns the commit.
    async fn fetch_and_checkout(&self, ctx: &TaskContext, dir: &Path) -> Result<String, TaskError> {
        let target = match &self.reference {
            GitRef::Branch(b) => {
                let spec = format!("+refs/heads/{b}:refs/remotes/origin/{b}");
                self.git(ctx, dir, &["fetch", "--quiet", "origin", &spec])
                    .await?;
                format!("refs/remotes/origin/{b}")
            }
            GitRef::Tag(t) => {
                let spec = format!("+refs/tags/{t}:refs/tags/{t}");
                self.git(ctx, dir, &["fetch", "--quiet", "origin", &spec])
                    .await?;
                format!("refs/tags/{t}^{{commit}}")
            }
            GitRef::Commit(c) => {
                let object = format!("{c}^{{commit}}");
                let known = self
                    .git_status(ctx, dir, &["cat-file", "-e", &object])
                    .await?;
                if !known.status.success() {
                    self.git(
                        ctx,
                        dir,
                        &[
                            "fetch",
                            "--quiet",
                            "--tags",
                            "origin",
                            "+refs/heads/*:refs/remotes/origin/*",
                        ],
                    )
                    .await?;
                    let found = self
                        .git_status(ctx, dir, &["cat-file", "-e", &object])
                        .await?;
                    if !found.status.success() {
                        return Err(TaskError::new(format!(
                            "commit {c} is not in {}; check the commit id",
                            self.url
                        ))
                        .permanent());
                    }
                }
                object
            }
        };
        self.git(ctx, dir, &["checkout", "--quiet", "--detach", &target])
            .await?;
        let head = self.git(ctx, dir, &["rev-parse", "HEAD"]).await?;
        head.stdout
            .first()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .ok_or_else(|| TaskError::new("`git rev-parse HEAD` printed no commit"))
    }

    /// Clones into a temp dir beside `dir`, checks out, and renames it into place.
    async fn clone_into(&self, ctx: &TaskContext, dir: &Path) -> Result<String, TaskError> {
        let parent = dir.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent).map_err(|e| {
            TaskError::with_source(format!("could not create {}", parent.display()), e).permanent()
        })?;
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp = tempfile::Builder::new()
            .prefix(&format!(".{name}.cloning."))
            .tempdir_in(parent)
            .map_err(|e| {
                TaskError::with_source(
                    format!("could not create a temp dir in {}", parent.display()),
                    e,
                )
            })?;
        let tmp_path = tmp.path().to_string_lossy().into_owned();
        self.git(
            ctx,
            parent,
            &["clone", "--quiet", "--no-checkout", &self.url, &tmp_path],
        )
        .await?;
        let commit = self.fetch_and_checkout(ctx, tmp.path()).await?;
        std::fs::rename(tmp.path(), dir).map_err(|e| {
            TaskError::with_source(format!("could not move the clone to {}", dir.display()), e)
        })?;
        Ok(commit)
    }

    /// Checks that the existing working tree `dir` is this repository and clean.
    async fn check_existing(&self, ctx: &TaskContext, dir: &Path) -> Result<(), TaskError> {
        let origin = self.git(ctx, dir, &["remote", "get-url", "origin"]).await?;
        let origin = origin
            .stdout
            .first()
            .map(|s| s.trim())
            .unwrap_or_default()
            .to_string();
        if origin != self.url {
            return Err(TaskError::new(format!(
                "{} is a checkout of {origin}, not {}; move it away or use another code root",
                dir.display(),
                self.url
            ))
            .permanent());
        }
        let status = self
            .git(ctx, dir, &["status", "--porcelain", "--untracked-files=no"])
            .await?;
        if !status.stdout.is_empty() {
            return Err(TaskError::new(format!(
                "{} has uncommitted changes ({} files); commit or stash them first",
                dir.display(),
                status.stdout.len()
            ))
            .permanent());
        }
        Ok(())
    }
}

impl TaskKind for GitCheckout {
    const KIND: &'static str = "git_checkout";

    fn key(&self) -> TaskKey {
        TaskKey::new(format!("checkout:{}@{}", self.url, self.reference))
    }

    fn label(&self) -> String {
        format!("checkout {} ({})", self.url, self.reference)
    }

    fn resource(&self) -> ResourceClass {
        ResourceClass::Network
    }

    fn retry(&self) -> RetryPolicy {
        RetryPolicy::attempts(3, Duration::from_secs(1))
    }

    /// Cached: the freshness check asks the remote (`git ls-remote`) whether the reference
    /// still points at the commit checked out, so an unchanged repository is up to date
    /// without a fetch.
    fn fingerprint(&self, _ctx: &TaskContext) -> Option<Fingerprint> {
        let mut fp = Fingerprint::builder(Self::KIND);
        fp.field("url", self.url.as_bytes());
        fp.field("reference", self.reference.to_string().as_bytes());
        fp.field("code_root", self.code_root.as_os_str().as_encoded_bytes());
        Some(fp.finish())
    }

    async fn check_fresh(&self, _ctx: &TaskContext, recorded: &TaskOutput) -> Freshness {
        let TaskOutput::Checkout { commit, path, .. } = recorded else {
            return Freshness::Stale("no record of the checkout".to_string());
        };
        let git = |dir: &Path, args: &[&str]| {
            let mut cmd = tokio::process::Command::new("git");
            cmd.args(args)
                .current_dir(dir)
                .env("GIT_TERMINAL_PROMPT", "0")
                .stdin(std::process::Stdio::null())
                .kill_on_drop(true);
            async move {
                let out = cmd.output().await.ok().filter(|o| o.status.success())?;
                Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
            }
        };
        // The three questions are independent: ask them at once (this check runs before
        // every deploy's first start).
        let remote_ref = match &self.reference {
            GitRef::Commit(_) => None,
            GitRef::Branch(b) => Some(format!("refs/heads/{b}")),
            GitRef::Tag(t) => Some(format!("refs/tags/{t}^{{}}")),
        };
        let ls_remote = async {
            match &remote_ref {
                Some(r) => git(path, &["ls-remote", "origin", r]).await,
                None => None,
            }
        };
        let (head, status, listed) = tokio::join!(
            git(path, &["rev-parse", "HEAD"]),
            git(path, &["status", "--porcelain", "--untracked-files=no"]),
            ls_remote,
        );
        match head {
            Some(head) if head == *commit => {}
            Some(_) => return Freshness::Stale("the working tree moved".to_string()),
            None => return Freshness::Stale(format!("{} is missing", path.display())),
        }
        if status.is_none_or(|s| !s.is_empty()) {
            return Freshness::Stale("the working tree has local changes".to_string());
        }
        if let GitRef::Commit(c) = &self.reference {
            return if commit.starts_with(c.as_str()) {
                Freshness::Fresh(format!("at commit {}", short_hash(commit)))
            } else {
                Freshness::Stale(format!("not at commit {c}"))
            };
        }
        let tip = listed.as_deref().and_then(|l| l.split_whitespace().next());
        match tip {
            Some(tip) if tip == commit => Freshness::Fresh(format!(
                "at {}, the tip of {}",
                short_hash(commit),
                self.reference
            )),
            Some(tip) => {
                Freshness::Stale(format!("{} moved to {}", self.reference, short_hash(tip)))
            }
            None => {
                // An annotated tag lists under `^{}`; a lightweight one does not.
                if let GitRef::Tag(t) = &self.reference {
                    let plain = format!("refs/tags/{t}");
                    if let Some(l) = git(path, &["ls-remote", "origin", &plain]).await
                        && l.split_whitespace().next() == Some(commit.as_str())
                    {
                        return Freshness::Fresh(format!(
                            "at {}, {}",
                            short_hash(commit),
                            self.reference
                        ));
                    }
                }
                Freshness::Stale(format!("could not ask the remote about {}", self.reference))
            }
        }
    }

    async fn run(&self, ctx: &TaskContext) -> Result<TaskOutput, TaskError> {
        let dir = self.dir();
        let commit = if dir.join(".git").exists() {
            self.check_existing(ctx, &dir).await?;
            self.fetch_and_checkout(ctx, &dir).await?
        } else {
            let occupied = std::fs::read_dir(&dir).is_ok_and(|mut d| d.next().is_some());
            if occupied {
                return Err(TaskError::new(format!(
                    "{} exists and is not a git repository; move it away",
                    dir.display()
                ))
                .permanent());
            }
            let _ = std::fs::remove_dir(&dir);
            self.clone_into(ctx, &dir).await?
        };
        Ok(TaskOutput::Checkout {
            url: self.url.clone(),
            path: dir,
            commit,
            reference: self.reference.to_string(),
        })
    }
}
