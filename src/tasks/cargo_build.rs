//! [`CargoBuild`]: builds binaries of a checked-out repository with one `cargo build`.
//!
//! Input: the [`Checkout`](TaskOutput::Checkout) of a [`GitCheckout`](super::GitCheckout).
//! Runs `cargo build --workspace --release --bin a --bin b` in the working tree (all binaries of the
//! repository in one invocation, so shared crates compile once) with `CARGO_TARGET_DIR` set
//! to a shared target dir. Every line cargo prints is a log event; a failure carries the
//! last lines (the compiler's errors). Output: an [`Artifact`] for one binary,
//! [`Artifacts`](TaskOutput::Artifacts) for several; their version is the commit.
//!
//! A repository whose binary lives in a crate outside its root workspace (mycelium's
//! `myceliumd/`) is built in that directory ([`CargoBuild::package_dir`]).
//!
//! How cargo is asked ([`CargoOptions`]): the whole workspace, or only some packages (`-p`);
//! features; `--locked` (the lock file must be up to date, as a reproducible build wants).
//!
//! Fingerprint: the commit, the sha256 of `Cargo.lock` (if any), the binaries, the options,
//! the profile and the target dir. Fresh when every built binary still has the recorded
//! sha256: an unchanged rebuild does not run cargo at all.

use std::path::{Path, PathBuf};

use super::process::run_logged_with;
use super::{
    Artifact, Freshness, ResourceClass, TaskContext, TaskError, TaskKey, TaskKind, TaskOutput,
    short_hash,
};
use crate::graph::{Fingerprint, ProgressUnit};
use crate::util::FileDigest;

/// How a repository's binaries are built: which packages, which features, whether the lock
/// file must be used as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CargoOptions {
    /// Build only these packages (`-p`); empty: the whole workspace.
    pub packages: Vec<String>,
    /// Cargo features to turn on (`--features`).
    pub features: Vec<String>,
    /// Turn off the default features (`--no-default-features`).
    pub no_default_features: bool,
    /// Build with `Cargo.lock` as it is (`--locked`): a lock that needs updating fails the
    /// build instead of changing.
    pub locked: bool,
}

/// Builds `binaries` of the input checkout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CargoBuild {
    /// The binaries (`--bin` names) to build.
    pub binaries: Vec<String>,
    /// The cargo profile (`release`).
    pub profile: String,
    /// The shared `CARGO_TARGET_DIR`.
    pub target_dir: PathBuf,
    /// The cargo program (from `CARGO`, else `cargo` on the `PATH`).
    pub cargo: PathBuf,
    /// The directory inside the checkout cargo runs in (`None`: the checkout's root).
    pub package_dir: Option<PathBuf>,
    /// Packages, features, `--locked`.
    pub options: CargoOptions,
}

impl CargoBuild {
    /// Builds `binaries` in release mode into `target_dir`, with the cargo of `CARGO` or
    /// the `PATH`.
    pub fn new<I, S>(binaries: I, target_dir: impl Into<PathBuf>) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            binaries: binaries.into_iter().map(Into::into).collect(),
            profile: "release".to_string(),
            target_dir: target_dir.into(),
            cargo: std::env::var_os("CARGO")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("cargo")),
            package_dir: None,
            options: CargoOptions::default(),
        }
    }

    /// Builds with `options` (packages, features, `--locked`).
    pub fn options(mut self, options: CargoOptions) -> Self {
        self.options = options;
        self
    }

    /// Runs cargo in `dir` (relative to the checkout) instead of the checkout's root.
    pub fn package_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.package_dir = Some(dir.into());
        self
    }

    /// The directory cargo runs in, given the checkout's.
    fn build_dir(&self, checkout: &Path) -> PathBuf {
        match &self.package_dir {
            Some(d) => checkout.join(d),
            None => checkout.to_path_buf(),
        }
    }

    /// Uses another cargo program.
    pub fn cargo(mut self, program: impl Into<PathBuf>) -> Self {
        self.cargo = program.into();
        self
    }

    /// Uses another profile.
    pub fn profile(mut self, profile: impl Into<String>) -> Self {
        self.profile = profile.into();
        self
    }

    /// The directory cargo puts the binaries of the profile in.
    pub fn output_dir(&self) -> PathBuf {
        let dir = match self.profile.as_str() {
            "dev" | "test" => "debug",
            "bench" => "release",
            other => other,
        };
        self.target_dir.join(dir)
    }

    fn args(&self) -> Vec<String> {
        // JSON messages on stdout (one per compiled unit, read for progress); diagnostics
        // still rendered for people on stderr.
        let mut args = vec![
            "build".to_string(),
            "--message-format=json-render-diagnostics".to_string(),
        ];
        if self.options.packages.is_empty() {
            args.push("--workspace".to_string());
        }
        for p in &self.options.packages {
            args.push("-p".to_string());
            args.push(p.clone());
        }
        if !self.options.features.is_empty() {
            args.push("--features".to_string());
            args.push(self.options.features.join(","));
        }
        if self.options.no_default_features {
            args.push("--no-default-features".to_string());
        }
        if self.options.locked {
            args.push("--locked".to_string());
        }
        if self.profile == "release" {
            args.push("--release".to_string());
        } else {
            args.push(format!("--profile={}", self.profile));
        }
        for b in &self.binaries {
            args.push("--bin".to_string());
            args.push(b.clone());
        }
        args
    }
}

/// One of cargo's JSON messages.
#[derive(Debug, PartialEq, Eq)]
enum CargoMessage {
    /// A unit was built (or found fresh): `compiler-artifact`, with the package's name.
    Unit(String),
    /// Any other message (`build-script-executed`, `build-finished`, …).
    Other,
}

/// Reads `line` as one of cargo's JSON messages; `None` when it is not one (a line a build
/// script or cargo itself printed).
fn cargo_message(line: &str) -> Option<CargoMessage> {
    if !line.starts_with('{') {
        return None;
    }
    let v: serde_json::Value = serde_json::from_str(line).ok()?;
    let reason = v.get("reason")?.as_str()?;
    if reason != "compiler-artifact" {
        return Some(CargoMessage::Other);
    }
    let name = v
        .pointer("/target/name")
        .and_then(|n| n.as_str())
        .unwrap_or("a unit");
    Some(CargoMessage::Unit(name.to_string()))
}

/// The checkout among the task's inputs, or the error naming the missing edge.
fn input_checkout(ctx: &TaskContext) -> Result<(String, PathBuf, String, String), TaskError> {
    ctx.input_checkout()
        .map(|(u, p, c, r)| (u.to_string(), p.to_path_buf(), c.to_string(), r.to_string()))
        .ok_or_else(|| {
            TaskError::new(
                "no checkout among the inputs; the plan needs an edge from a git checkout",
            )
            .permanent()
        })
}

fn lock_digest(dir: &Path) -> Option<String> {
    FileDigest::of_path(dir.join("Cargo.lock"))
        .ok()
        .map(|d| d.sha256)
}

impl TaskKind for CargoBuild {
    const KIND: &'static str = "cargo_build";

    fn key(&self) -> TaskKey {
        TaskKey::new(format!("build:{}", self.binaries.join(",")))
    }

    fn label(&self) -> String {
        format!("cargo build {}", self.binaries.join(" "))
    }

    fn resource(&self) -> ResourceClass {
        ResourceClass::Build
    }

    fn fingerprint(&self, ctx: &TaskContext) -> Option<Fingerprint> {
        let (_, path, commit, _) = ctx.input_checkout()?;
        let mut fp = Fingerprint::builder(Self::KIND);
        fp.field("commit", commit.as_bytes());
        fp.field(
            "cargo_lock",
            lock_digest(&self.build_dir(path))
                .unwrap_or_default()
                .as_bytes(),
        );
        if let Some(d) = &self.package_dir {
            fp.field("package_dir", d.as_os_str().as_encoded_bytes());
        }
        for b in &self.binaries {
            fp.field("bin", b.as_bytes());
        }
        for p in &self.options.packages {
            fp.field("package", p.as_bytes());
        }
        for f in &self.options.features {
            fp.field("feature", f.as_bytes());
        }
        fp.field(
            "flags",
            &[
                u8::from(self.options.no_default_features),
                u8::from(self.options.locked),
            ],
        );
        fp.field("profile", self.profile.as_bytes());
        fp.field("target_dir", self.target_dir.as_os_str().as_encoded_bytes());
        Some(fp.finish())
    }

    async fn check_fresh(&self, _ctx: &TaskContext, recorded: &TaskOutput) -> Freshness {
        let artifacts: Vec<FileDigest> = match recorded {
            TaskOutput::Artifact(a) => vec![a.clone()],
            TaskOutput::Artifacts { artifacts } => artifacts.clone(),
            _ => return Freshness::Stale("no record of the built binaries".to_string()),
        }
        .into_iter()
        .map(|a| FileDigest {
            path: a.path,
            sha256: a.sha256,
            bytes: a.bytes,
        })
        .collect();
        let checked = tokio::task::spawn_blocking(move || {
            artifacts.iter().try_for_each(FileDigest::still_matches)
        })
        .await;
        match checked {
            Ok(Ok(())) => Freshness::Fresh("same commit, built binaries unchanged".to_string()),
            Ok(Err(reason)) => Freshness::Stale(reason),
            Err(e) => Freshness::Stale(format!("freshness check failed: {e}")),
        }
    }

    async fn run(&self, ctx: &TaskContext) -> Result<TaskOutput, TaskError> {
        let (url, dir, commit, reference) = input_checkout(ctx)?;
        if self.binaries.is_empty() {
            return Err(TaskError::new("no binaries to build").permanent());
        }
        let mut cmd = tokio::process::Command::new(&self.cargo);
        cmd.args(self.args())
            .current_dir(self.build_dir(&dir))
            .env("CARGO_TARGET_DIR", &self.target_dir)
            .env("CARGO_TERM_COLOR", "never")
            .env("CARGO_TERM_PROGRESS_WHEN", "never");
        let program = self.cargo.display().to_string();
        // Progress: the units cargo reports built (its JSON messages on stdout), of the
        // units the last build of this task took.
        let key = self.key();
        let total = ctx.store().work_size(key.as_str()).ok().flatten();
        let mut units = 0u64;
        let run = run_logged_with(cmd, ctx, &program, false, |line| {
            match cargo_message(line) {
                Some(CargoMessage::Unit(name)) => {
                    units += 1;
                    ctx.progress_in(
                        ProgressUnit::Steps,
                        units,
                        total.map(|t| t.max(units)),
                        Some(format!("compiled {name}")),
                    );
                    false
                }
                Some(CargoMessage::Other) => false,
                None => true,
            }
        })
        .await?;
        if run.status.success() && units > 0 {
            let _ = ctx.store().record_work_size(key.as_str(), units);
        }
        if !run.status.success() {
            return Err(TaskError::new(format!(
                "`cargo build` of {} {} (at {})",
                self.binaries.join(", "),
                run.how_it_ended(),
                short_hash(&commit)
            ))
            .with_log_tail(run.tail)
            .permanent());
        }

        let out_dir = self.output_dir();
        let binaries = self.binaries.clone();
        let digests = tokio::task::spawn_blocking(move || {
            binaries
                .iter()
                .map(|b| FileDigest::of_path(out_dir.join(b)))
                .collect::<std::io::Result<Vec<_>>>()
        })
        .await
        .map_err(|e| TaskError::with_source("digesting the binaries panicked", e))?
        .map_err(|e| {
            TaskError::with_source("cargo succeeded but a binary is missing", e)
                .with_log_tail(run.tail.clone())
        })?;
        let origin = format!("build of {url} at {} ({reference})", short_hash(&commit));
        let mut artifacts: Vec<Artifact> = self
            .binaries
            .iter()
            .zip(digests)
            .map(|(b, d)| Artifact {
                binary: b.clone(),
                path: d.path,
                sha256: d.sha256,
                bytes: d.bytes,
                version: commit.clone(),
                origin: origin.clone(),
                elf: None,
            })
            .collect();
        Ok(match artifacts.len() {
            1 => TaskOutput::Artifact(artifacts.remove(0)),
            _ => TaskOutput::Artifacts { artifacts },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_dir_is_inside_the_checkout() {
        let checkout = Path::new("/code/mycelium");
        let root = CargoBuild::new(["mycelium"], "/target");
        assert_eq!(root.build_dir(checkout), checkout);
        let sub = root.package_dir("myceliumd");
        assert_eq!(
            sub.build_dir(checkout),
            Path::new("/code/mycelium/myceliumd")
        );
        assert_eq!(
            sub.args(),
            [
                "build",
                "--message-format=json-render-diagnostics",
                "--workspace",
                "--release",
                "--bin",
                "mycelium"
            ]
        );
    }

    #[test]
    fn packages_features_and_locked_reach_cargo() {
        let build = CargoBuild::new(["srv"], "/target").options(CargoOptions {
            packages: vec!["server".into()],
            features: vec!["tls".into(), "metrics".into()],
            no_default_features: true,
            locked: true,
        });
        assert_eq!(
            build.args(),
            [
                "build",
                "--message-format=json-render-diagnostics",
                "-p",
                "server",
                "--features",
                "tls,metrics",
                "--no-default-features",
                "--locked",
                "--release",
                "--bin",
                "srv"
            ]
        );
    }

    #[test]
    fn cargo_messages_are_read_and_other_lines_kept() {
        let unit = r#"{"reason":"compiler-artifact","package_id":"serde 1.0","target":{"name":"serde","kind":["lib"]},"fresh":true}"#;
        assert_eq!(
            cargo_message(unit),
            Some(CargoMessage::Unit("serde".into()))
        );
        let done = r#"{"reason":"build-finished","success":true}"#;
        assert_eq!(cargo_message(done), Some(CargoMessage::Other));
        assert_eq!(cargo_message("warning: unused variable"), None);
        assert_eq!(cargo_message("{not json"), None);
    }
}
