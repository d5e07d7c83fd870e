//! [`Fingerprint`]: a sha256 digest of the inputs that matter to a task.

use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A sha256 digest. Stored per task key in the state store; a task whose fingerprint is
/// unchanged and whose output is still there is *up to date*.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprint([u8; 32]);

impl Fingerprint {
    /// Starts a fingerprint of a task of kind `kind`.
    pub fn builder(kind: &str) -> FingerprintBuilder {
        let mut b = FingerprintBuilder(Sha256::new());
        b.field("kind", kind.as_bytes());
        b
    }

    /// The digest of `bytes`.
    pub fn of_bytes(bytes: &[u8]) -> Self {
        Self(Sha256::digest(bytes).into())
    }

    /// Lowercase hex.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Parses lowercase or uppercase hex.
    pub fn from_hex(s: &str) -> Option<Self> {
        let mut out = [0u8; 32];
        hex::decode_to_slice(s, &mut out).ok()?;
        Some(Self(out))
    }

    /// The raw digest.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({})", &self.to_hex()[..12])
    }
}

impl Serialize for Fingerprint {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for Fingerprint {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Fingerprint::from_hex(&s).ok_or_else(|| serde::de::Error::custom("not a sha256 hex digest"))
    }
}

/// Feeds named fields into a fingerprint. Each field is length-prefixed, so `("ab", "c")`
/// and `("a", "bc")` differ.
pub struct FingerprintBuilder(Sha256);

impl FingerprintBuilder {
    /// Adds one named field.
    pub fn field(&mut self, name: &str, value: &[u8]) -> &mut Self {
        for part in [name.as_bytes(), value] {
            self.0.update((part.len() as u64).to_le_bytes());
            self.0.update(part);
        }
        self
    }

    /// Adds another fingerprint (e.g. a dependency's output digest).
    pub fn fingerprint(&mut self, name: &str, fp: &Fingerprint) -> &mut Self {
        self.field(name, fp.as_bytes())
    }

    /// The digest.
    pub fn finish(self) -> Fingerprint {
        Fingerprint(self.0.finalize().into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_length_prefixed() {
        let mut a = Fingerprint::builder("k");
        a.field("x", b"ab").field("y", b"c");
        let mut b = Fingerprint::builder("k");
        b.field("x", b"a").field("y", b"bc");
        assert_ne!(a.finish(), b.finish());
    }

    #[test]
    fn hex_round_trips() {
        let fp = Fingerprint::of_bytes(b"hello");
        assert_eq!(Fingerprint::from_hex(&fp.to_hex()), Some(fp));
        assert_eq!(Fingerprint::from_hex("zz"), None);
    }
}
