//! [`TaskOutput`]: the typed results that flow along a plan's edges.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::forge::ResolvedRelease;
use crate::graph::{Fingerprint, TaskOutcome};
use crate::install::ElfInfo;
use crate::util::{FileDigest, short_hash};

/// What a task produced. Outputs are recorded in the state store next to the fingerprint
/// (so an up-to-date task still hands its output to its dependents) and passed to every
/// direct dependent through [`TaskContext::inputs`](super::TaskContext::inputs).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TaskOutput {
    /// Nothing worth passing on.
    #[default]
    None,
    /// A file was written.
    File(FileDigest),
    /// A release found on a forge, with its assets and their expected checksums.
    Release(ResolvedRelease),
    /// A binary ready to be installed (downloaded or built), or one that was installed.
    Artifact(Artifact),
    /// Several binaries of one build (one `cargo build` of a repository); the tasks
    /// downstream pick theirs by name. (A struct variant: the output is serialized with an
    /// internal `type` tag, which a bare list cannot carry.)
    Artifacts {
        /// The binaries, in the order they were asked for.
        artifacts: Vec<Artifact>,
    },
    /// A git working tree checked out at a commit.
    Checkout {
        /// The repository's URL.
        url: String,
        /// The working tree.
        path: PathBuf,
        /// The commit checked out (full hex).
        commit: String,
        /// What was asked for (`branch main`, `tag v0.3.2`, `commit 3fa4…`).
        reference: String,
    },
    /// A program ran to completion.
    Command {
        /// Its exit code (always 0 for a success).
        exit_code: i32,
        /// Lines it printed on stdout and stderr.
        lines: u64,
        /// sha256 of what it printed on stdout.
        stdout_sha256: String,
        /// The files it declared as its outputs, as they were after it ran.
        files: Vec<FileDigest>,
    },
    /// A check passed (a [`Command::check`](super::Command::check)): nothing was made, and
    /// its digest is only its name, so what it printed never restarts a dependent.
    Passed {
        /// What was checked (the check's label).
        check: String,
    },
    /// A service passed its health probe.
    Health {
        /// Whether the last probe passed (always true for a successful wait).
        healthy: bool,
        /// How long the last probe took.
        latency_ms: u64,
        /// What it saw (`200 OK`, `OpenRPC 1.3.2 document with 12 methods`).
        detail: String,
        /// The first bytes of the answer's body.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        snippet: String,
        /// Probes made, the passing one included.
        #[serde(default)]
        attempts: u32,
        /// How long the wait took.
        #[serde(default)]
        waited_ms: u64,
    },
    /// An installed binary was checked.
    Verified {
        /// The binary.
        binary: String,
        /// What was found (`up to date: v0.3.2 (sha256 …)`).
        status: String,
    },
    /// A process spec is registered with the supervisor.
    Registered {
        /// The process's name.
        name: String,
        /// [`ProcessSpec::digest`](crate::supervisor::ProcessSpec::digest) of the spec.
        spec_sha256: String,
    },
    /// A supervised process runs.
    Process {
        /// The process's name.
        name: String,
        /// Its pid when the start task last ran (the supervisor may have restarted it
        /// since; its status has the live pid).
        pid: u32,
        /// When that instance started.
        started_at: DateTime<Utc>,
    },
}

/// A binary on its way to the Hero bin dir: downloaded from a release or built from
/// source, then checked, then installed. The tasks of an install pipeline hand it along.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Artifact {
    /// The binary's name (`hero_db_server`).
    pub binary: String,
    /// Where the bytes are now (a staging file in the bin dir, a cargo target dir, or the
    /// installed path once installed).
    pub path: PathBuf,
    /// Lowercase hex sha256 of the bytes.
    pub sha256: String,
    /// Size in bytes.
    pub bytes: u64,
    /// The version: a release tag (`v0.3.2`, `latest-dev`) or a commit.
    pub version: String,
    /// Where it came from, for people (`release v0.3.2 of lhumina_code/hero_db`, never a
    /// token).
    pub origin: String,
    /// What the ELF check found (set once checked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elf: Option<ElfInfo>,
}

impl Artifact {
    /// What identifies the binary for caching: its name, its bytes and where they lie — not
    /// the version it was labelled with (a new commit that builds identical bytes changes
    /// nothing downstream). The path counts because a fresh download lies in a new staging
    /// file that the tasks after it must consume, even when its bytes are the same.
    fn identity(&self) -> String {
        format!(
            "artifact:{}:{}:{}:{}",
            self.binary,
            self.sha256,
            self.bytes,
            self.path.display()
        )
    }
}

impl TaskOutcome for TaskOutput {
    fn digest(&self) -> Fingerprint {
        TaskOutput::digest(self)
    }

    fn summary(&self) -> Option<String> {
        TaskOutput::summary(self)
    }
}

impl TaskOutput {
    /// A digest of the output, mixed into the fingerprints of the task's dependents: a
    /// dependent re-runs when this changes and only then. A health result digests only
    /// whether the service is healthy: latency and timing differ on every run and must not
    /// make dependents dirty. A running process digests only its name: a restart (new pid,
    /// new start time) does not make its dependents dirty — what restarts a dependent is a
    /// change of its *own* inputs (its binary, its spec). A binary digests only its name and
    /// its bytes (sha256, size): a new commit or tag that builds the same bytes (the other
    /// binaries of a repository where one changed) installs and restarts nothing.
    pub fn digest(&self) -> Fingerprint {
        match self {
            TaskOutput::Health { healthy, .. } => {
                return Fingerprint::of_bytes(format!("health:{healthy}").as_bytes());
            }
            TaskOutput::Process { name, .. } => {
                return Fingerprint::of_bytes(format!("process:{name}").as_bytes());
            }
            TaskOutput::Passed { check } => {
                return Fingerprint::of_bytes(format!("passed:{check}").as_bytes());
            }
            TaskOutput::Artifact(a) => {
                return Fingerprint::of_bytes(a.identity().as_bytes());
            }
            TaskOutput::Artifacts { artifacts } => {
                let all: Vec<String> = artifacts.iter().map(Artifact::identity).collect();
                return Fingerprint::of_bytes(format!("artifacts:{}", all.join(";")).as_bytes());
            }
            _ => {}
        }
        let json = serde_json::to_vec(self).unwrap_or_default();
        Fingerprint::of_bytes(&json)
    }

    /// A short human summary for reports.
    pub fn summary(&self) -> Option<String> {
        match self {
            TaskOutput::None => None,
            TaskOutput::File(f) => Some(format!(
                "{} ({} bytes, sha256 {})",
                f.path.display(),
                f.bytes,
                short_hash(&f.sha256)
            )),
            TaskOutput::Release(r) => {
                let unverifiable = r
                    .assets
                    .iter()
                    .filter(|a| !a.unusable_checksums.is_empty())
                    .count();
                Some(format!(
                    "{} ({} assets{}{})",
                    r.describe(),
                    r.assets.len(),
                    if r.checksum_files.is_empty() {
                        String::new()
                    } else {
                        format!(", checksums from {}", r.checksum_files.join(", "))
                    },
                    if unverifiable == 0 {
                        String::new()
                    } else {
                        format!(", {unverifiable} that they cannot verify")
                    }
                ))
            }
            TaskOutput::Artifact(a) => Some(format!(
                "{} {} ({} bytes, sha256 {})",
                a.binary,
                a.version,
                a.bytes,
                short_hash(&a.sha256)
            )),
            TaskOutput::Artifacts { artifacts: list } => Some(format!(
                "{} binaries: {}",
                list.len(),
                list.iter()
                    .map(|a| a.binary.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            TaskOutput::Checkout {
                path,
                commit,
                reference,
                ..
            } => Some(format!(
                "{} at {} ({reference})",
                path.display(),
                short_hash(commit)
            )),
            TaskOutput::Command {
                exit_code,
                lines,
                files,
                ..
            } => {
                let mut s = format!("exit {exit_code}, {lines} lines of output");
                if !files.is_empty() {
                    s.push_str(&format!(", {} output files", files.len()));
                }
                Some(s)
            }
            TaskOutput::Health {
                healthy,
                detail,
                attempts,
                waited_ms,
                ..
            } => Some(format!(
                "{} after {waited_ms} ms ({attempts} probes): {detail}",
                if *healthy { "healthy" } else { "not healthy" }
            )),
            TaskOutput::Verified { binary, status } => Some(format!("{binary}: {status}")),
            TaskOutput::Passed { check } => Some(format!("passed: {check}")),
            TaskOutput::Registered { name, spec_sha256 } => Some(format!(
                "{name} registered (spec {})",
                short_hash(spec_sha256)
            )),
            TaskOutput::Process {
                name,
                pid,
                started_at,
            } => Some(format!(
                "{name} running as pid {pid} since {}",
                started_at.format("%H:%M:%S%.3f")
            )),
        }
    }
}

impl TaskOutput {
    /// The artifact of `binary` in this output (an [`Artifact`](TaskOutput::Artifact) of
    /// that name, or the one of that name among [`Artifacts`](TaskOutput::Artifacts)).
    pub fn artifact(&self, binary: &str) -> Option<&Artifact> {
        match self {
            TaskOutput::Artifact(a) if a.binary == binary => Some(a),
            TaskOutput::Artifacts { artifacts: list } => list.iter().find(|a| a.binary == binary),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_output_serializes_and_round_trips() {
        let artifact = Artifact {
            binary: "a".into(),
            path: PathBuf::from("/t/a"),
            sha256: "00".into(),
            bytes: 1,
            version: "v1".into(),
            origin: "test".into(),
            elf: None,
        };
        let outputs = [
            TaskOutput::Artifact(artifact.clone()),
            TaskOutput::Artifacts {
                artifacts: vec![artifact.clone(), artifact],
            },
            TaskOutput::Checkout {
                url: "u".into(),
                path: PathBuf::from("/c"),
                commit: "c".into(),
                reference: "branch main".into(),
            },
        ];
        for out in outputs {
            let json = serde_json::to_string(&out).unwrap();
            assert_eq!(serde_json::from_str::<TaskOutput>(&json).unwrap(), out);
        }
    }
}
