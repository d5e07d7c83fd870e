//! [`Secret`]: the dashboard's random token, and the file that tells it to the user.
//!
//! One secret per daemon, made at start from the OS's random source. On the loopback TCP
//! port it is the token a browser must show (in the URL once, then as a cookie, or as
//! `Authorization: Bearer`); everywhere, a value derived from it is the form token that
//! guards actions against cross-site requests. The secret is compared in constant time and
//! written only to a file of mode 0600 in the daemon's state dir ([`TokenFile`]).

use std::io::Write as _;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::DashboardError;

/// The dashboard's token (32 random bytes, hex).
#[derive(Clone)]
pub struct Secret {
    token: String,
    form_token: String,
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

impl Secret {
    /// A new random secret.
    pub fn random() -> Result<Self, DashboardError> {
        let mut bytes = [0u8; 32];
        getrandom::getrandom(&mut bytes)
            .map_err(|e| DashboardError::Random(std::io::Error::other(e.to_string())))?;
        Ok(Self::from_token(hex::encode(bytes)))
    }

    /// A secret with a given token (tests).
    pub fn from_token(token: String) -> Self {
        let form_token = hex::encode(Sha256::digest(format!("hero_svc form:{token}")));
        Self { token, form_token }
    }

    /// The token.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// Whether `given` is the token (in constant time).
    pub fn is_token(&self, given: &str) -> bool {
        equal(given.as_bytes(), self.token.as_bytes())
    }

    /// The token forms carry (derived from the secret, so a page never shows the token).
    pub fn form_token(&self) -> &str {
        &self.form_token
    }

    /// Whether `given` is the form token (in constant time).
    pub fn is_form_token(&self, given: &str) -> bool {
        equal(given.as_bytes(), self.form_token.as_bytes())
    }
}

/// `a == b` in time that depends only on their lengths.
fn equal(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `dashboard.json` in the daemon's state dir: the URL (with the token) of the dashboard's
/// TCP port, mode 0600, while the daemon listens there.
#[derive(Debug, Clone)]
pub struct TokenFile {
    path: PathBuf,
}

impl TokenFile {
    /// The file in `state_dir`.
    pub fn in_dir(state_dir: &Path) -> Self {
        Self {
            path: state_dir.join("dashboard.json"),
        }
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `{url, addr, token, pid}` (replacing the file atomically, mode 0600).
    pub fn write(
        &self,
        url: &str,
        addr: std::net::SocketAddr,
        token: &str,
    ) -> Result<(), DashboardError> {
        let err = |source| DashboardError::TokenFile {
            path: self.path.clone(),
            source,
        };
        let body = serde_json::json!({
            "url": url,
            "addr": addr.to_string(),
            "token": token,
            "pid": std::process::id(),
        });
        let tmp = self.path.with_extension("json.tmp");
        let _ = std::fs::remove_file(&tmp);
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)
            .map_err(err)?;
        file.write_all(format!("{body:#}\n").as_bytes())
            .map_err(err)?;
        file.sync_all().map_err(err)?;
        std::fs::rename(&tmp, &self.path).map_err(err)
    }

    /// Removes it (the daemon stops listening).
    pub fn remove(&self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_compared_whole() {
        let a = Secret::random().unwrap();
        let b = Secret::random().unwrap();
        assert_eq!(a.token().len(), 64);
        assert_ne!(a.token(), b.token());
        assert!(a.is_token(a.token()));
        assert!(!a.is_token(b.token()));
        assert!(!a.is_token(&a.token()[..63]));
        assert!(!a.is_token(""));
        assert!(a.is_form_token(a.form_token()));
        assert!(!a.is_form_token(a.token()));
    }

    #[test]
    fn the_token_file_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let file = TokenFile::in_dir(dir.path());
        file.write(
            "http://127.0.0.1:1/?token=x",
            "127.0.0.1:1".parse().unwrap(),
            "x",
        )
        .unwrap();
        let mode = std::fs::metadata(file.path()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(file.path()).unwrap()).unwrap();
        assert_eq!(v["token"], "x");
        file.remove();
        assert!(!file.path().exists());
    }
}
