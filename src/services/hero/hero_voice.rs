//! `hero_voice`: speech to text and text to speech (sherpa-onnx models on the ONNX
//! runtime).
//!
//! Sources: <https://git.threefold.info/lhumina_code/hero_skills/issues/92> (binaries
//! `hero_voice`, `hero_voice_server`, `hero_voice_ui`; sockets `hero_voice/rpc.sock`,
//! `ui.sock` "confirm in spec"; the UI runs with `HERO_VOICE_STT_LOCAL=true`);
//! <https://git.threefold.info/lhumina_code/hero_voice_provider> (the provider: sherpa-onnx
//! Parakeet for STT, Kokoro for TTS, TCP 8094, a separate gnu build).
//!
//! The ONNX gap, honestly: like hero_embedder, the models need the ONNX runtime, which
//! hero_svc does **not** install or check; `ORT_DYLIB_PATH` and `LD_LIBRARY_PATH` are passed
//! through from the env file when set. A missing runtime shows up as a failed health check
//! with the loader's error in `hero_svc logs hero_voice`. hero_voice_provider (TCP 8094,
//! mycelium bind address) is not in this catalog yet.
//!
//! Unverified: `hero_voice_admin` / `admin.sock` (the `_ui` → `_admin` rename); that the
//! server ignores `HERO_VOICE_STT_LOCAL` (both processes get the same environment).

use super::support::{foundation, optional_env};
use crate::services::hero_shape;
use crate::services::{Binary, Service, ServiceContext, ServiceError, Source};

/// `hero_voice`.
#[derive(Clone, Copy, Debug, Default)]
pub struct HeroVoice;

impl Service for HeroVoice {
    fn name(&self) -> &str {
        "hero_voice"
    }

    fn description(&self) -> &str {
        "speech to text and text to speech (ONNX runtime, installed separately)"
    }

    fn source(&self) -> Source {
        Source::forge("lhumina_code", "hero_voice")
    }

    fn binaries(&self) -> Vec<Binary> {
        vec![
            Binary::server("hero_voice_server"),
            Binary::admin("hero_voice_admin"),
            Binary::cli("hero_voice"),
        ]
    }

    fn dependencies(&self) -> Vec<String> {
        foundation(&[])
    }

    fn env(&self, ctx: &ServiceContext) -> Result<Vec<(String, String)>, ServiceError> {
        let mut env = hero_shape::base_env(ctx);
        env.push(("HERO_VOICE_STT_LOCAL".to_string(), "true".to_string()));
        env.extend(optional_env(ctx, &["ORT_DYLIB_PATH", "LD_LIBRARY_PATH"]));
        Ok(env)
    }
}
