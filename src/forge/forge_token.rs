//! [`ForgeToken`]: the forge API token, kept out of every log, report and error.

use std::fmt;

/// An API token for the forge. It is only ever written into an `Authorization` header (as
/// `token …`, marked sensitive) of requests to the forge's own origin; `Debug` and `Display`
/// show `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct ForgeToken(String);

impl ForgeToken {
    /// Wraps a token; `None` for an empty or blank string.
    pub fn new(token: impl Into<String>) -> Option<Self> {
        let token = token.into().trim().to_string();
        (!token.is_empty()).then_some(Self(token))
    }

    /// The token from `FORGE_TOKEN`, else from the legacy `FORGEJO_TOKEN`.
    pub fn from_env() -> Option<Self> {
        ["FORGE_TOKEN", "FORGEJO_TOKEN"]
            .into_iter()
            .find_map(|name| std::env::var(name).ok().and_then(Self::new))
    }

    /// The secret itself, for the one place that builds the header.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

/// From a string (a per-call token in an RPC request); blank is refused.
impl<'de> serde::Deserialize<'de> for ForgeToken {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <String as serde::Deserialize>::deserialize(d)?;
        Self::new(s).ok_or_else(|| serde::de::Error::custom("the forge token is empty"))
    }
}

impl fmt::Debug for ForgeToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ForgeToken(***)")
    }
}

impl fmt::Display for ForgeToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_shows_itself() {
        let t = ForgeToken::new("s3cr3t").unwrap();
        assert_eq!(format!("{t:?}"), "ForgeToken(***)");
        assert_eq!(t.to_string(), "***");
        assert!(ForgeToken::new("  ").is_none());
    }
}
