//! `hero_office`: documents, spreadsheets and slides in the browser, edited through the
//! OnlyOffice Document Server (hero_onlyoffice).
//!
//! Sources: <https://git.threefold.info/lhumina_code/hero_skills/issues/97> (binaries
//! `hero_office_server`, `hero_office_ui`; sockets `hero_office/rpc.sock`, `ui.sock`; server
//! env `ONLYOFFICE_JWT_SECRET`, `OO_SERVER_URL`, `CONNECTOR_EXTERNAL_URL`, `DEFAULT_CONTEXT`,
//! `HERO_SOCKET_DIR`; the old TOML definition was wrong);
//! <https://forge.ourworld.tf/lhumina_code/hero_office/issues/31> (one shared engine, JWT);
//! <https://forge.ourworld.tf/lhumina_code/hero_demo/issues/57> (the secret in env.sh).
//!
//! Quirks: it needs the same JWT secret as the document server (`ONLYOFFICE_JWT_SECRET`
//! from the env file; planning fails clearly without it), and the server's URL
//! (`OO_SERVER_URL`, default the local hero_onlyoffice on 127.0.0.1:8088).
//! `CONNECTOR_EXTERNAL_URL` and `DEFAULT_CONTEXT` are passed from the env file when set.
//! hero_foundry is a soft dependency (files), not a start-order one.
//!
//! Unverified: `hero_office_admin` / `admin.sock` (the `_ui` → `_admin` rename).

use super::hero_onlyoffice::ONLYOFFICE_PORT;
use super::support::{env_or, foundation, optional_env};
use crate::services::hero_shape;
use crate::services::{Binary, Service, ServiceContext, ServiceError, Source};
use crate::supervisor::SecretEnv;

/// `hero_office`.
#[derive(Clone, Copy, Debug, Default)]
pub struct HeroOffice;

impl Service for HeroOffice {
    fn name(&self) -> &str {
        "hero_office"
    }

    fn description(&self) -> &str {
        "office documents in the browser, through the OnlyOffice Document Server"
    }

    fn source(&self) -> Source {
        Source::forge("lhumina_code", "hero_office")
    }

    fn binaries(&self) -> Vec<Binary> {
        vec![
            Binary::server("hero_office_server"),
            Binary::admin("hero_office_admin"),
        ]
    }

    fn dependencies(&self) -> Vec<String> {
        foundation(&["hero_onlyoffice"])
    }

    fn secrets(&self) -> Vec<SecretEnv> {
        vec![SecretEnv {
            var: "ONLYOFFICE_JWT_SECRET".to_string(),
            secret: "ONLYOFFICE_JWT_SECRET".to_string(),
        }]
    }

    fn env(&self, ctx: &ServiceContext) -> Result<Vec<(String, String)>, ServiceError> {
        let mut env = hero_shape::base_env(ctx);
        env.push((
            "OO_SERVER_URL".to_string(),
            env_or(
                ctx,
                "OO_SERVER_URL",
                &format!("http://127.0.0.1:{ONLYOFFICE_PORT}"),
            ),
        ));
        env.extend(optional_env(
            ctx,
            &["CONNECTOR_EXTERNAL_URL", "DEFAULT_CONTEXT"],
        ));
        Ok(env)
    }
}
