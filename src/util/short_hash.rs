//! [`short_hash`]: digests as people read them.

/// The first 12 hex digits of a sha256 (or a commit), for display.
pub fn short_hash(hex: &str) -> &str {
    hex.get(..12).unwrap_or(hex)
}
