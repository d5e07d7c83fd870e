//! Checksum files published next to release assets, and which asset each one covers.
//!
//! Forgejo has no digest field, so releases carry their own: a per-asset sidecar
//! `<asset>.sha256` (Forgejo's own convention), an aggregate `SHA256SUMS` /
//! `sha256sum(s).txt`, or GoReleaser's `*checksums.txt`. All are `sha256sum` output:
//! `HEX  name`, `HEX *name`, or a lone `HEX` in a sidecar. Names are matched by basename
//! (`./name` and `dist/name` count as `name`).

use std::collections::BTreeMap;

/// What kind of checksum file a release asset is, judged by its name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChecksumFile {
    /// `<asset>.sha256` (or `.sha256sum`): covers that one asset.
    Sidecar {
        /// The asset it covers.
        asset: String,
    },
    /// A list covering many assets.
    Aggregate,
}

impl ChecksumFile {
    /// Classifies a release file name; `None` when it is not a checksum file.
    pub fn classify(name: &str) -> Option<Self> {
        let lower = name.to_ascii_lowercase();
        for ext in [".sha256", ".sha256sum"] {
            if lower.len() > ext.len() && lower.ends_with(ext) {
                return Some(ChecksumFile::Sidecar {
                    asset: name[..name.len() - ext.len()].to_string(),
                });
            }
        }
        let aggregate = matches!(
            lower.as_str(),
            "sha256sums" | "sha256sums.txt" | "sha256sum.txt" | "sha256sum"
        ) || lower.ends_with("checksums.txt");
        aggregate.then_some(ChecksumFile::Aggregate)
    }
}

/// Parses `sha256sum` output into basename → lowercase hex. A line that is only a hash is
/// filed under `lone_name` (the asset of a sidecar), when given. Lines that do not parse
/// are ignored.
pub fn parse(text: &str, lone_name: Option<&str>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (hash, rest) = match line.split_once(char::is_whitespace) {
            Some((h, r)) => (h, r.trim_start()),
            None => (line, ""),
        };
        let Some(hash) = normalize_hex(hash) else {
            continue;
        };
        let name = rest.strip_prefix('*').unwrap_or(rest);
        let name = name.rsplit('/').next().unwrap_or(name);
        if !name.is_empty() {
            out.insert(name.to_string(), hash);
        } else if let Some(lone) = lone_name {
            out.insert(lone.to_string(), hash);
        }
    }
    out
}

/// The sha256 of a GitHub `digest` (`sha256:<hex>`); `None` for other algorithms.
pub fn from_digest(digest: &str) -> Option<String> {
    let (algo, hex) = digest.split_once(':')?;
    if algo.eq_ignore_ascii_case("sha256") {
        normalize_hex(hex)
    } else {
        None
    }
}

/// Lowercase 64-digit hex, or `None`.
fn normalize_hex(s: &str) -> Option<String> {
    (s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())).then(|| s.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    #[test]
    fn classifies_names() {
        assert_eq!(
            ChecksumFile::classify("tool-linux-amd64.sha256"),
            Some(ChecksumFile::Sidecar {
                asset: "tool-linux-amd64".into()
            })
        );
        assert_eq!(
            ChecksumFile::classify("SHA256SUMS"),
            Some(ChecksumFile::Aggregate)
        );
        assert_eq!(
            ChecksumFile::classify("tool_1.0_checksums.txt"),
            Some(ChecksumFile::Aggregate)
        );
        assert_eq!(ChecksumFile::classify("tool-linux-amd64"), None);
        assert_eq!(ChecksumFile::classify(".sha256"), None);
    }

    #[test]
    fn parses_sha256sum_formats() {
        let upper = H.to_uppercase();
        let text = format!("{H}  a\n{upper} *b\n{H}  ./dir/c\n# comment\nnot a line\n");
        let m = parse(&text, None);
        assert_eq!(m.len(), 3);
        assert_eq!(m["a"], H);
        assert_eq!(m["b"], H);
        assert_eq!(m["c"], H);
        let lone = parse(&format!("{H}\n"), Some("tool"));
        assert_eq!(lone["tool"], H);
    }

    #[test]
    fn reads_github_digests() {
        assert_eq!(from_digest(&format!("sha256:{H}")), Some(H.to_string()));
        assert_eq!(from_digest(&format!("sha512:{H}")), None);
        assert_eq!(from_digest("sha256:xyz"), None);
    }
}
