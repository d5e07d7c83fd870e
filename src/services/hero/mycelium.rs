//! `mycelium`: the encrypted IPv6 overlay network (ThreeFold), built from GitHub.
//!
//! Sources: `threefoldtech/mycelium` on GitHub — `Cargo.toml` (the daemon crate
//! `myceliumd/` is excluded from the root workspace; its binary is `mycelium`),
//! `myceliumd-common/src/lib.rs` @ 23015b8 (flags `--key-file`, `--peers`, `--no-tun`,
//! `--tun-name`, `--api-addr` default 127.0.0.1:8989, `--jsonrpc-addr` default
//! 127.0.0.1:8990, TCP/QUIC 9651, UDP discovery 9650), `.github/workflows/release.yaml`
//! (release assets are `tar.gz` archives per target triple), `Makefile` (`run` uses
//! `sudo … --tun-name utun9`), `CLAUDE.md` @ d7fa3a9 (the Hero copy also serves
//! `mycelium/rpc.sock`).
//!
//! Quirks:
//! - Source: GitHub, built from source only — the release assets are archives, which the
//!   download pipeline does not unpack — and in the `myceliumd/` directory (an override of
//!   `add_install`). `--mode download` is refused with a clear error.
//! - Root/TUN: a TUN interface needs root (or `CAP_NET_ADMIN`). hero_svc does not escalate:
//!   when the daemon runs as root, mycelium gets `--tun-name mycelium`; otherwise it runs
//!   with `--no-tun` (it joins the overlay and the message subsystem works, but no L3
//!   traffic). To get the TUN interface, run the hero_svc daemon as root.
//! - Peers: `MYCELIUM_PEERS` in the env file (space-separated endpoints such as
//!   `tcp://1.2.3.4:9651`); none means link-local discovery only.
//! - Health: `GET /api/v1/admin` on the REST API (TCP 8989), which upstream mycelium has;
//!   the Hero copy's `rpc.sock` is not relied on.
//!
//! Unverified: that upstream's default branch is still `master`; the exact path `/api/v1/admin` (read from the API's routes as documented,
//! not exercised here); that the Hero copy keeps upstream's flags.

use crate::health::Probe;
use crate::lockfile::LockedService;
use crate::services::hero_shape;
use crate::services::{Binary, InstallPolicy, Service, ServiceContext, ServiceError, Source};
use crate::supervisor::ProcessSpec;
use crate::tasks::PlanBuilder;
use crate::tasks::{
    CargoBuild, GitCheckout, GitRef, InstallBinary, LockSource, MatchLock, TaskKey, VerifyElf,
};

use super::support::var_dir;

/// The branch built when no `--tag` (a tag such as `v0.6.1`) is asked for.
const DEFAULT_BRANCH: &str = "master";

/// `mycelium`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Mycelium;

/// Whether this process runs as root (the daemon's user is the services' user).
fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(false)
}

impl Mycelium {
    /// The checkout (of the locked commit with a lock, else of `--tag` or the default
    /// branch) and the build; their keys and what was asked for.
    fn add_build(
        &self,
        ctx: &ServiceContext,
        plan: &mut PlanBuilder,
    ) -> Result<(TaskKey, TaskKey, String), ServiceError> {
        let source = self.source();
        let (url, git_ref) = match hero_shape::locked_pin(self, ctx)? {
            Some(LockedService::Source(s)) => (s.git_url.clone(), GitRef::Commit(s.commit.clone())),
            _ => (
                source.git_url_on(ctx.forge.base_url.as_str()),
                match &ctx.version {
                    Some(v) if v != "latest" => GitRef::Tag(v.clone()),
                    _ => source.git_ref.clone(),
                },
            ),
        };
        let asked = git_ref.to_string();
        let checkout = plan.add(GitCheckout::new(url, git_ref, &ctx.paths.code));
        let build = plan.add_after(
            CargoBuild::new(["mycelium"], &ctx.target_dir)
                .profile(&ctx.build_profile)
                .package_dir("myceliumd"),
            [&checkout],
        );
        Ok((checkout, build, asked))
    }
}

impl Service for Mycelium {
    fn name(&self) -> &str {
        "mycelium"
    }

    fn description(&self) -> &str {
        "encrypted IPv6 overlay network (TUN only when the daemon runs as root)"
    }

    fn source(&self) -> Source {
        Source::github("threefoldtech", "mycelium")
            .git_ref(GitRef::Branch(DEFAULT_BRANCH.to_string()))
    }

    fn binaries(&self) -> Vec<Binary> {
        vec![Binary::server("mycelium")]
    }

    fn install_policy(&self) -> InstallPolicy {
        InstallPolicy::Source
    }

    fn ports(&self) -> Vec<u16> {
        vec![8989, 8990, 9651]
    }

    fn processes(&self, ctx: &ServiceContext) -> Result<Vec<ProcessSpec>, ServiceError> {
        let key_file = var_dir(ctx, self.name()).join("priv_key.bin");
        let mut spec = ProcessSpec::new("mycelium", ctx.paths.binary("mycelium"))
            .args(["--key-file".to_string(), key_file.display().to_string()])
            .working_dir(var_dir(ctx, self.name()));
        spec = if is_root() {
            spec.args(["--tun-name", "mycelium"])
        } else {
            spec.args(["--no-tun"])
        };
        if let Some(peers) = ctx.env_file.get("MYCELIUM_PEERS") {
            let peers: Vec<&str> = peers.split_whitespace().collect();
            if !peers.is_empty() {
                spec = spec.args(["--peers"]).args(peers);
            }
        }
        for port in self.ports() {
            spec = spec.tcp_port(port);
        }
        for (k, v) in self.env(ctx)? {
            spec = spec.env(k, v);
        }
        Ok(vec![spec])
    }

    fn health_probe(&self, _ctx: &ServiceContext) -> Option<Probe> {
        Some(Probe::HttpTcp {
            url: "http://127.0.0.1:8989/api/v1/admin".to_string(),
        })
    }

    /// The same checkout and build as the install, pinned by commit and bytes.
    fn add_lock(
        &self,
        ctx: &ServiceContext,
        plan: &mut PlanBuilder,
        _staging: &std::path::Path,
    ) -> Result<Option<LockSource>, ServiceError> {
        hero_shape::install_mode(self, ctx)?;
        let (checkout, build, asked) = self.add_build(ctx, plan)?;
        let verified = plan.add_after(VerifyElf::new("mycelium"), [&build]);
        Ok(Some(LockSource::Source {
            asked,
            checkout,
            profile: ctx.build_profile.clone(),
            features: Vec::new(),
            no_default_features: false,
            binaries: vec![("mycelium".to_string(), verified)],
        }))
    }

    /// Checkout, then `cargo build` in `myceliumd/` (outside the root workspace); with a
    /// lock, of the locked commit, the bytes matched with the lock.
    fn add_install(
        &self,
        ctx: &ServiceContext,
        plan: &mut PlanBuilder,
    ) -> Result<Vec<TaskKey>, ServiceError> {
        hero_shape::install_mode(self, ctx)?;
        let (_, build, _) = self.add_build(ctx, plan)?;
        let mut checked = build;
        if let Some(pin) = hero_shape::locked_pin(self, ctx)?
            && let Some(sha256) = pin.sha256_of("mycelium")
        {
            checked = plan.add_after(
                MatchLock::new("mycelium", sha256, pin.pin()).warn_only(!ctx.strict),
                [&checked],
            );
        }
        let verified = plan.add_after(VerifyElf::new("mycelium"), [&checked]);
        Ok(vec![plan.add_after(
            InstallBinary::new(self.name(), "mycelium", &ctx.paths.bin),
            [&verified],
        )])
    }
}
