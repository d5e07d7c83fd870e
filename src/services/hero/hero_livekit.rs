//! `hero_livekit`: real-time audio/video. Its control plane `hero_livekit_server` runs
//! the media server `livekit-server` and the `lk-backend` as its own children.
//!
//! Sources: <https://git.threefold.info/lhumina_code/hero_livekit/issues/42> and `/49`
//! (`LiveKitService.install` downloads livekit-server from GitHub releases, `configure`
//! writes `livekit.yaml`, `backend.env` and `runtime.json` whose api key and secret must
//! match, `start` spawns the media processes; hero_proc kills a service by process group,
//! so the children die with it); <https://forge.ourworld.tf/lhumina_code/hero_skills/issues/153>;
//! LiveKit's documented server config (`port`, `rtc.tcp_port`, `rtc.port_range_*`,
//! `key_file` holding `key: secret` lines, mode 0600).
//!
//! Quirks (overrides in this file):
//! - Keys are generated **once** and kept: `$HERO_ROOT/var/hero_livekit/keys.yaml` (0600) is
//!   a seed ([`WriteFile::if_missing`]), so restarts, upgrades and redeploys never rotate
//!   them, and a key the user put there stays.
//! - The config `$HERO_ROOT/cfg/hero_livekit/livekit.yaml` is hero_svc's: rewritten when it
//!   differs, and it points at the key file (`key_file`) rather than holding the secret.
//! - The media processes are the control plane's children; the supervisor stops the whole
//!   process group, with 20 s for a clean shutdown.
//!
//! Unverified: how `hero_livekit_server` is told where its config and keys are (we set
//! `LIVEKIT_CONFIG` and `LIVEKIT_KEY_FILE`); whether it still downloads `livekit-server`
//! itself on first start (hero_svc does not fetch it); the ports 7880/7881 (LiveKit's
//! defaults).

use std::time::Duration;

use super::support::{cfg_dir, foundation, random_hex, var_dir};
use crate::services::hero_shape;
use crate::services::{Binary, Service, ServiceContext, ServiceError, Source};
use crate::supervisor::ProcessSpec;
use crate::tasks::WriteFile;

/// `hero_livekit`.
#[derive(Clone, Copy, Debug, Default)]
pub struct HeroLivekit;

impl HeroLivekit {
    fn key_file(ctx: &ServiceContext) -> std::path::PathBuf {
        var_dir(ctx, "hero_livekit").join("keys.yaml")
    }

    fn config(ctx: &ServiceContext) -> std::path::PathBuf {
        cfg_dir(ctx, "hero_livekit").join("livekit.yaml")
    }
}

impl Service for HeroLivekit {
    fn name(&self) -> &str {
        "hero_livekit"
    }

    fn description(&self) -> &str {
        "audio/video rooms: the LiveKit media server under a Hero control plane"
    }

    fn source(&self) -> Source {
        Source::forge("lhumina_code", "hero_livekit")
    }

    fn binaries(&self) -> Vec<Binary> {
        vec![Binary::server("hero_livekit_server")]
    }

    fn dependencies(&self) -> Vec<String> {
        foundation(&[])
    }

    fn ports(&self) -> Vec<u16> {
        vec![7880, 7881]
    }

    fn env(&self, ctx: &ServiceContext) -> Result<Vec<(String, String)>, ServiceError> {
        let mut env = hero_shape::base_env(ctx);
        env.push((
            "LIVEKIT_CONFIG".to_string(),
            Self::config(ctx).display().to_string(),
        ));
        env.push((
            "LIVEKIT_KEY_FILE".to_string(),
            Self::key_file(ctx).display().to_string(),
        ));
        Ok(env)
    }

    fn processes(&self, ctx: &ServiceContext) -> Result<Vec<ProcessSpec>, ServiceError> {
        Ok(hero_shape::processes(self, ctx)?
            .into_iter()
            .map(|p| p.stop_with(libc::SIGTERM, Duration::from_secs(20)))
            .collect())
    }

    /// The key file (seeded once, kept) and the config that points at it.
    fn config_files(&self, ctx: &ServiceContext) -> Result<Vec<WriteFile>, ServiceError> {
        let api_key = format!("API{}", random_hex(self.name(), "the LiveKit API key", 6)?);
        let secret = random_hex(self.name(), "the LiveKit API secret", 32)?;
        let keys = WriteFile::new(Self::key_file(ctx), format!("{api_key}: {secret}\n"))
            .mode(0o600)
            .if_missing();
        let config = format!(
            "# Written by hero_svc (hero_livekit); changes here are replaced on the next start.\n\
             port: 7880\n\
             rtc:\n  tcp_port: 7881\n  port_range_start: 50000\n  port_range_end: 60000\n\
             key_file: {}\n",
            Self::key_file(ctx).display()
        );
        Ok(vec![keys, WriteFile::new(Self::config(ctx), config)])
    }
}
