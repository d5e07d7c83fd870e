//! [`Command`]: runs a program with an argument vector and streams its output as log lines.
//!
//! The program runs in its own process group (see `process.rs`, shared with the other
//! kinds that run programs). Every line it prints on stdout or stderr
//! becomes a [`TaskLogged`](crate::graph::EventKind::TaskLogged) event; the last lines go
//! with the error when it fails. When the task is cancelled or times out (its future is
//! dropped), and when the program exits, whatever is left of its process group is killed:
//! a command task never leaves processes behind.
//!
//! A command is cached only when it declares the files it produces (`outputs`), or when it
//! is a *check* ([`Command::check`]: it produces nothing, it only says whether something
//! holds — `redis-cli ping` before a dependent starts). Its fingerprint then covers program,
//! arguments, environment and working directory; a command with outputs is stale when an
//! output file is missing or was modified since the run, a check is fresh once it passed
//! with the same inputs (a no-op deploy does not run it), and what a check prints never
//! makes its dependents run again.

use std::path::PathBuf;
use std::time::Duration;

use super::process::run_logged;
use super::{
    Freshness, ResourceClass, RetryPolicy, TaskContext, TaskError, TaskKey, TaskKind, TaskOutput,
};
use crate::graph::Fingerprint;
use crate::util::FileDigest;

/// Runs `program` with `args`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Command {
    /// The task's key.
    pub key: TaskKey,
    /// What a person reads; `program args…` when empty.
    pub label: String,
    /// The program (a path, or a name looked up in `PATH`).
    pub program: PathBuf,
    /// Its arguments.
    pub args: Vec<String>,
    /// Variables set for it, on top of the inherited environment unless `env_clear`.
    pub env: Vec<(String, String)>,
    /// Start from an empty environment.
    pub env_clear: bool,
    /// Its working directory.
    pub cwd: Option<PathBuf>,
    /// Files it produces; a command with outputs is cached.
    pub outputs: Vec<PathBuf>,
    /// The concurrency class it counts against (default [`ResourceClass::Process`]).
    pub resource: ResourceClass,
    /// How long one attempt may take.
    pub timeout: Option<Duration>,
    /// How failures are retried.
    pub retry: RetryPolicy,
    /// A check: see the module docs.
    pub check: bool,
}

crate::util::invocation_builders!(Command);

impl Command {
    /// A command with key `key` that runs `program`.
    pub fn new(key: impl Into<TaskKey>, program: impl Into<PathBuf>) -> Self {
        Self {
            key: key.into(),
            label: String::new(),
            program: program.into(),
            args: Vec::new(),
            env: Vec::new(),
            env_clear: false,
            cwd: None,
            outputs: Vec::new(),
            resource: ResourceClass::Process,
            timeout: None,
            retry: RetryPolicy::never(),
            check: false,
        }
    }

    /// Makes it a check (see the module docs): up to date once it passed with the same
    /// inputs, and silent for its dependents' fingerprints.
    pub fn check(mut self) -> Self {
        self.check = true;
        self
    }

    /// Sets the working directory.
    pub fn cwd(mut self, dir: impl Into<PathBuf>) -> Self {
        self.cwd = Some(dir.into());
        self
    }

    /// Declares a file the command produces (and makes the command cacheable).
    pub fn output(mut self, path: impl Into<PathBuf>) -> Self {
        self.outputs.push(path.into());
        self
    }

    /// Sets the label.
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    /// Sets the resource class.
    pub fn resource(mut self, class: ResourceClass) -> Self {
        self.resource = class;
        self
    }

    /// Sets the per-attempt timeout.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Sets the retry policy.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    fn display_program(&self) -> String {
        self.program.display().to_string()
    }
}

impl TaskKind for Command {
    const KIND: &'static str = "command";

    fn key(&self) -> TaskKey {
        self.key.clone()
    }

    fn label(&self) -> String {
        if !self.label.is_empty() {
            return self.label.clone();
        }
        let mut s = self.display_program();
        for a in &self.args {
            s.push(' ');
            s.push_str(a);
        }
        s
    }

    fn resource(&self) -> ResourceClass {
        self.resource
    }

    fn fingerprint(&self, _ctx: &TaskContext) -> Option<Fingerprint> {
        if self.outputs.is_empty() && !self.check {
            return None;
        }
        let mut fp = Fingerprint::builder(Self::KIND);
        fp.field("program", self.program.as_os_str().as_encoded_bytes());
        for a in &self.args {
            fp.field("arg", a.as_bytes());
        }
        for (k, v) in &self.env {
            fp.field("env", format!("{k}={v}").as_bytes());
        }
        fp.field("env_clear", &[u8::from(self.env_clear)]);
        if let Some(cwd) = &self.cwd {
            fp.field("cwd", cwd.as_os_str().as_encoded_bytes());
        }
        for o in &self.outputs {
            fp.field("output", o.as_os_str().as_encoded_bytes());
        }
        fp.field("check", &[u8::from(self.check)]);
        Some(fp.finish())
    }

    async fn check_fresh(&self, _ctx: &TaskContext, recorded: &TaskOutput) -> Freshness {
        if let TaskOutput::Passed { .. } = recorded {
            return Freshness::Fresh(
                "it passed last time, and nothing it depends on changed".to_string(),
            );
        }
        let TaskOutput::Command { files, .. } = recorded else {
            return Freshness::Stale("no record of the command's outputs".to_string());
        };
        let files = files.clone();
        let checked = tokio::task::spawn_blocking(move || {
            files.iter().try_for_each(FileDigest::still_matches)
        })
        .await;
        match checked {
            Ok(Ok(())) => Freshness::Fresh("outputs unchanged".to_string()),
            Ok(Err(reason)) => Freshness::Stale(reason),
            Err(e) => Freshness::Stale(format!("freshness check failed: {e}")),
        }
    }

    fn retry(&self) -> RetryPolicy {
        self.retry
    }

    fn timeout(&self) -> Option<Duration> {
        self.timeout
    }

    async fn run(&self, ctx: &TaskContext) -> Result<TaskOutput, TaskError> {
        let mut cmd = tokio::process::Command::new(&self.program);
        cmd.args(&self.args);
        if self.env_clear {
            cmd.env_clear();
        }
        cmd.envs(self.env.iter().map(|(k, v)| (k, v)));
        if let Some(cwd) = &self.cwd {
            cmd.current_dir(cwd);
        }
        let run = run_logged(cmd, ctx, &self.display_program(), false).await?;
        if !run.status.success() {
            return Err(
                TaskError::new(format!("`{}` {}", self.label(), run.how_it_ended()))
                    .with_log_tail(run.tail),
            );
        }
        let (lines, stdout_sha256, tail) = (run.lines, run.stdout_sha256, run.tail);
        if self.check && self.outputs.is_empty() {
            return Ok(TaskOutput::Passed {
                check: self.label(),
            });
        }

        let outputs = self.outputs.clone();
        let files = tokio::task::spawn_blocking(move || {
            outputs
                .into_iter()
                .map(FileDigest::of_path)
                .collect::<std::io::Result<Vec<_>>>()
        })
        .await
        .map_err(|e| TaskError::with_source("digesting outputs panicked", e))?
        .map_err(|e| {
            TaskError::with_source("the command succeeded but a declared output is missing", e)
                .with_log_tail(tail)
        })?;

        Ok(TaskOutput::Command {
            exit_code: 0,
            lines,
            stdout_sha256,
            files,
        })
    }
}
