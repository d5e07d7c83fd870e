//! Helpers shared by the Hero services of this catalog (not part of the common shape in
//! [`hero_shape`](crate::services::hero_shape): they encode facts about this stack, such as
//! which services are its foundation).

use std::path::PathBuf;

use crate::services::{ServiceContext, ServiceError};

/// The services every Hero service depends on: hero_proc and hero_router are the
/// foundation of the stack, followed by `extra`.
pub(super) fn foundation(extra: &[&str]) -> Vec<String> {
    ["hero_proc", "hero_router"]
        .iter()
        .chain(extra)
        .map(|s| s.to_string())
        .collect()
}

/// A service's data directory, `$HERO_ROOT/var/<service>`.
pub(super) fn var_dir(ctx: &ServiceContext, service: &str) -> PathBuf {
    ctx.paths.var.join(service)
}

/// A service's config directory, `$HERO_ROOT/cfg/<service>`.
pub(super) fn cfg_dir(ctx: &ServiceContext, service: &str) -> PathBuf {
    ctx.paths.cfg.join(service)
}

/// The variables of `names` that the env file sets (optional settings, such as API keys a
/// service uses when present).
pub(super) fn optional_env(ctx: &ServiceContext, names: &[&str]) -> Vec<(String, String)> {
    names
        .iter()
        .filter_map(|n| {
            ctx.env_file
                .get(n)
                .filter(|v| !v.is_empty())
                .map(|v| (n.to_string(), v.to_string()))
        })
        .collect()
}

/// The env file's `name`, else `default`.
pub(super) fn env_or(ctx: &ServiceContext, name: &str, default: &str) -> String {
    ctx.env_file
        .get(name)
        .filter(|v| !v.is_empty())
        .unwrap_or(default)
        .to_string()
}

/// `bytes` random bytes from the system's source, hex-encoded (keys generated once).
pub(super) fn random_hex(
    service: &str,
    what: &'static str,
    bytes: usize,
) -> Result<String, ServiceError> {
    let mut buf = vec![0u8; bytes];
    getrandom::getrandom(&mut buf).map_err(|source| ServiceError::Randomness {
        service: service.to_string(),
        what,
        source,
    })?;
    Ok(hex::encode(buf))
}

/// `program` as found on the daemon's `PATH`, else `/usr/bin/<program>`: supervised
/// processes get an absolute executable (that is how stray instances are recognised).
pub(super) fn which(program: &str) -> PathBuf {
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
        .unwrap_or_else(|| PathBuf::from("/usr/bin").join(program))
}
