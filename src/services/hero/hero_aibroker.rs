//! `hero_aibroker`: one OpenAI-compatible gateway to the AI providers (OpenAI, OpenRouter,
//! Groq, SambaNova, …), with model routing from `modelsconfig.yml`.
//!
//! Sources: <https://forge.ourworld.tf/lhumina_code/hero_skills/issues/90> (binaries
//! `hero_aibroker`, `hero_aibroker_server`, `hero_aibroker_ui`; sockets `rpc.sock`,
//! `rest.sock` (OpenAI-compatible), `ui.sock`, no TCP ports;
//! `MODELS_CONFIG_PATH=$hero_home/var/hero_aibroker/modelsconfig.yml`; the nu module seeds
//! that file with `svx_seed_models_config`); <https://git.ourworld.tf/lhumina_code/hero_aibroker>
//! (`_ui` → `_admin`); <https://forge.ourworld.tf/lhumina_code/hero_aibroker/issues/63>
//! (provider keys in `~/hero/var/hero_aibroker/.env`).
//!
//! Quirks:
//! - `modelsconfig.yml` is *seeded*: written only when it does not exist
//!   ([`WriteFile::if_missing`]), so the user's edits are never overwritten.
//! - Provider keys (`OPENROUTER_API_KEYS`, `GROQ_API_KEY`, `GROQ_API_KEYS`, `OPENAI_API_KEY`,
//!   `SAMBANOVA_API_KEY`, …) are passed from the env file when set; none is required (the
//!   broker also reads its own `.env`).
//!
//! Unverified: the schema of `modelsconfig.yml` — the seed is a minimal, commented file with
//! an empty model list; `hero_broker_server` is shipped but not run (as in the nu module).

use super::support::{foundation, optional_env, var_dir};
use crate::services::hero_shape;
use crate::services::{Binary, Service, ServiceContext, ServiceError, Source};
use crate::tasks::WriteFile;

/// The provider keys passed through when the env file sets them.
const PROVIDER_KEYS: &[&str] = &[
    "OPENAI_API_KEY",
    "OPENROUTER_API_KEY",
    "OPENROUTER_API_KEYS",
    "GROQ_API_KEY",
    "GROQ_API_KEYS",
    "SAMBANOVA_API_KEY",
    "DEEPINFRA_API_KEY",
];

/// The first `modelsconfig.yml`: the user's to edit from then on.
const MODELS_SEED: &str = "\
# hero_aibroker models configuration.
# Seeded once by hero_svc; edit freely — it is never overwritten.
models: []
";

/// `hero_aibroker`.
#[derive(Clone, Copy, Debug, Default)]
pub struct HeroAibroker;

impl Service for HeroAibroker {
    fn name(&self) -> &str {
        "hero_aibroker"
    }

    fn description(&self) -> &str {
        "OpenAI-compatible gateway to the AI providers, routed by modelsconfig.yml"
    }

    fn source(&self) -> Source {
        Source::forge("lhumina_code", "hero_aibroker")
    }

    fn binaries(&self) -> Vec<Binary> {
        vec![
            Binary::server("hero_aibroker_server"),
            Binary::admin("hero_aibroker_admin"),
            Binary::cli("hero_aibroker"),
        ]
    }

    fn dependencies(&self) -> Vec<String> {
        foundation(&[])
    }

    fn env(&self, ctx: &ServiceContext) -> Result<Vec<(String, String)>, ServiceError> {
        let mut env = hero_shape::base_env(ctx);
        let models = var_dir(ctx, self.name()).join("modelsconfig.yml");
        env.push((
            "MODELS_CONFIG_PATH".to_string(),
            models.display().to_string(),
        ));
        env.extend(optional_env(ctx, PROVIDER_KEYS));
        Ok(env)
    }

    fn config_files(&self, ctx: &ServiceContext) -> Result<Vec<WriteFile>, ServiceError> {
        let models = var_dir(ctx, self.name()).join("modelsconfig.yml");
        Ok(vec![WriteFile::new(models, MODELS_SEED).if_missing()])
    }
}
