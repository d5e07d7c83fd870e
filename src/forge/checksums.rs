//! Checksum files published next to release assets, and which asset each one covers.
//!
//! Forgejo has no digest field, so releases carry their own: a per-asset sidecar
//! `<asset>.sha256` (Forgejo's own convention), an aggregate `SHA256SUMS` /
//! `sha256sum(s).txt`, or GoReleaser's `*checksums.txt`. All are `sha256sum` output:
//! `HEX  name`, `HEX *name`, or a lone `HEX` in a sidecar. Names are matched by basename
//! (`./name` and `dist/name` count as `name`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::download::looks_like_html;

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

/// Why a checksum file the release lists for an asset cannot vouch for it. A release that
/// publishes a checksum file promises verification; a file that cannot keep the promise
/// fails the download (like one that cannot be fetched) instead of letting the bytes in
/// unverified.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum ChecksumProblem {
    /// The file is an HTML page (a sign-in or error page served with 200).
    #[error("it is an HTML page, not a checksum list")]
    HtmlPage,
    /// The file is a checksum list, but holds no line for the asset.
    #[error("it has no line for that asset")]
    NoLine,
    /// The file is not `sha256sum` output (or its line for the asset holds no sha256).
    #[error("it is malformed: {detail}")]
    Malformed {
        /// What is wrong, quoting a little of the file.
        detail: String,
    },
}

/// A checksum file of the release that applies to an asset but cannot vouch for it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnusableChecksum {
    /// The checksum file (`SHA256SUMS`, `tool-linux-amd64.sha256`).
    pub file: String,
    /// What is wrong with it, for this asset.
    #[serde(flatten)]
    pub problem: ChecksumProblem,
}

/// What one checksum file says, asset by asset.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChecksumList {
    /// Basename → lowercase hex.
    hashes: BTreeMap<String, String>,
    /// Basename → the text standing where its sha256 should be.
    malformed: BTreeMap<String, String>,
    /// The first line that is not `HEX  name` at all.
    first_unreadable: Option<String>,
    /// Lines that are neither blank nor comments.
    lines: usize,
}

/// Most characters of a file quoted in a message.
const QUOTE_LIMIT: usize = 40;

impl ChecksumList {
    /// Parses `sha256sum` output. A line that is only a hash is filed under `lone_name`
    /// (the asset of a sidecar), when given; a sidecar speaks only for that asset.
    pub fn parse(text: &str, lone_name: Option<&str>) -> Self {
        let mut list = Self::default();
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            list.lines += 1;
            let (hash, rest) = match line.split_once(char::is_whitespace) {
                Some((h, r)) => (h, r.trim_start()),
                None => (line, ""),
            };
            let hex = normalize_hex(hash);
            if hex.is_none() {
                list.first_unreadable.get_or_insert_with(|| quote(line));
            }
            let name = rest.strip_prefix('*').unwrap_or(rest);
            let name = name.rsplit('/').next().unwrap_or(name);
            let name = match (name.is_empty(), lone_name) {
                (false, _) => name,
                (true, Some(lone)) => lone,
                (true, None) => {
                    // A lone hash in a list: for which file?
                    list.first_unreadable.get_or_insert_with(|| quote(line));
                    continue;
                }
            };
            if lone_name.is_some_and(|l| l != name) {
                continue;
            }
            match hex {
                Some(hex) => {
                    list.hashes.insert(name.to_string(), hex);
                }
                None => {
                    list.malformed
                        .entry(name.to_string())
                        .or_insert_with(|| quote(hash));
                }
            }
        }
        list
    }

    /// The sha256 the list gives `asset`, or why it gives none.
    pub fn sha256_of(&self, asset: &str) -> Result<&str, ChecksumProblem> {
        if let Some(hex) = self.hashes.get(asset) {
            return Ok(hex);
        }
        if let Some(bad) = self.malformed.get(asset) {
            return Err(ChecksumProblem::Malformed {
                detail: format!(
                    "its line for {asset} holds `{bad}` where a 64-digit sha256 belongs"
                ),
            });
        }
        match (&self.first_unreadable, self.hashes.is_empty()) {
            (Some(line), true) => Err(ChecksumProblem::Malformed {
                detail: format!("it holds `{line}`, not `<sha256>  <name>` lines"),
            }),
            _ if self.lines == 0 => Err(ChecksumProblem::Malformed {
                detail: "it is empty".to_string(),
            }),
            _ => Err(ChecksumProblem::NoLine),
        }
    }

    /// Every basename with its sha256.
    pub fn hashes(&self) -> &BTreeMap<String, String> {
        &self.hashes
    }
}

/// Reads a checksum file as served: `Err` when the whole file is unusable (an HTML page,
/// or not text), else the list. A sidecar covering `lone_name` accepts a lone hash.
pub fn read(
    body: &[u8],
    content_type: &str,
    lone_name: Option<&str>,
) -> Result<ChecksumList, ChecksumProblem> {
    let content_type = content_type.to_ascii_lowercase();
    if content_type.starts_with("text/html")
        || content_type.starts_with("application/xhtml")
        || looks_like_html(body)
    {
        return Err(ChecksumProblem::HtmlPage);
    }
    let Ok(text) = std::str::from_utf8(body) else {
        return Err(ChecksumProblem::Malformed {
            detail: "it is not text".to_string(),
        });
    };
    Ok(ChecksumList::parse(text, lone_name))
}

/// A little of `text`, safe to put in a message.
fn quote(text: &str) -> String {
    let mut q: String = text.chars().take(QUOTE_LIMIT).collect();
    if q.len() < text.len() {
        q.push('…');
    }
    q.escape_debug().to_string()
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
        let list = ChecksumList::parse(&text, None);
        let m = list.hashes();
        assert_eq!(m.len(), 3);
        assert_eq!(m["a"], H);
        assert_eq!(m["b"], H);
        assert_eq!(m["c"], H);
        assert_eq!(list.sha256_of("c"), Ok(H));
        assert_eq!(list.sha256_of("d"), Err(ChecksumProblem::NoLine));
        let lone = ChecksumList::parse(&format!("{H}\n"), Some("tool"));
        assert_eq!(lone.sha256_of("tool"), Ok(H));
    }

    #[test]
    fn says_why_a_file_cannot_vouch_for_an_asset() {
        let html = b"<!DOCTYPE html>\n<html><body>Sign in</body></html>";
        assert_eq!(
            read(html, "text/html; charset=utf-8", None),
            Err(ChecksumProblem::HtmlPage)
        );
        assert_eq!(
            read(html, "application/octet-stream", None),
            Err(ChecksumProblem::HtmlPage)
        );
        assert!(matches!(
            read(b"\xff\xfe\x00", "", None),
            Err(ChecksumProblem::Malformed { detail }) if detail == "it is not text"
        ));

        // A sidecar that holds something else than a hash, or a short one.
        let sidecar = read(b"Not Found\n", "text/plain", Some("tool")).unwrap();
        assert_eq!(
            sidecar.sha256_of("tool"),
            Err(ChecksumProblem::Malformed {
                detail: "it holds `Not Found`, not `<sha256>  <name>` lines".into()
            })
        );
        let short = read(b"abc123\n", "", Some("tool")).unwrap();
        assert_eq!(
            short.sha256_of("tool"),
            Err(ChecksumProblem::Malformed {
                detail: "its line for tool holds `abc123` where a 64-digit sha256 belongs".into()
            })
        );
        // A sidecar that names another file says nothing about its own asset.
        let other = read(format!("{H}  other\n").as_bytes(), "", Some("tool")).unwrap();
        assert_eq!(other.sha256_of("tool"), Err(ChecksumProblem::NoLine));

        // A list without the asset's line, an empty one, one with a broken line for it.
        let list = read(format!("{H}  other\n").as_bytes(), "", None).unwrap();
        assert_eq!(list.sha256_of("tool"), Err(ChecksumProblem::NoLine));
        let empty = read(b"\n", "", None).unwrap();
        assert!(matches!(
            empty.sha256_of("tool"),
            Err(ChecksumProblem::Malformed { detail }) if detail == "it is empty"
        ));
        let broken = read(format!("{H}  other\nxyz  tool\n").as_bytes(), "", None).unwrap();
        assert!(matches!(
            broken.sha256_of("tool"),
            Err(ChecksumProblem::Malformed { detail }) if detail.contains("holds `xyz`")
        ));
        let long = "x".repeat(100);
        let quoted = read(long.as_bytes(), "", None).unwrap();
        let Err(ChecksumProblem::Malformed { detail }) = quoted.sha256_of("tool") else {
            panic!("not malformed");
        };
        assert!(
            detail.contains(&format!("`{}…`", "x".repeat(40))),
            "{detail}"
        );
    }

    #[test]
    fn reads_github_digests() {
        assert_eq!(from_digest(&format!("sha256:{H}")), Some(H.to_string()));
        assert_eq!(from_digest(&format!("sha512:{H}")), None);
        assert_eq!(from_digest("sha256:xyz"), None);
    }
}
