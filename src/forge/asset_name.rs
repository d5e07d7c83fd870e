//! Asset names: how a binary is named on a release for a platform, and which names are
//! safe to turn into a file name.
//!
//! Hero CI publishes `{bin}-{os}-{arch}` (`hero_proc_server-linux-amd64`), with `amd64` and
//! `arm64` for the machine; some builds add a suffix such as `-musl`.

use super::ForgeError;

/// The `{os}-{arch}` suffix of this host as Hero CI spells it (`linux-amd64`,
/// `linux-arm64`, `darwin-arm64`).
pub fn host_platform() -> String {
    platform(std::env::consts::OS, std::env::consts::ARCH)
}

/// The `{os}-{arch}` suffix for Rust's `os` and `arch` names.
pub fn platform(os: &str, arch: &str) -> String {
    let os = match os {
        "macos" => "darwin",
        other => other,
    };
    let arch = match arch {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        other => other,
    };
    format!("{os}-{arch}")
}

/// The asset name of `binary` for this host: `{binary}-{os}-{arch}{suffix}`
/// (`suffix` e.g. `-musl`, or empty).
pub fn for_host(binary: &str, suffix: &str) -> String {
    format!("{binary}-{}{suffix}", host_platform())
}

/// Refuses a name that is not a plain file name: one with `/`, `\`, `..`, NUL, or empty.
pub fn validate(name: &str) -> Result<(), ForgeError> {
    let bad = name.is_empty()
        || name == "."
        || name.contains('/')
        || name.contains('\\')
        || name.contains("..")
        || name.contains('\0');
    if bad {
        Err(ForgeError::UnsafeAssetName {
            name: name.escape_debug().to_string(),
        })
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hero_ci_names() {
        assert_eq!(platform("linux", "x86_64"), "linux-amd64");
        assert_eq!(platform("linux", "aarch64"), "linux-arm64");
        assert_eq!(platform("macos", "aarch64"), "darwin-arm64");
        assert!(for_host("hero_db_server", "-musl").starts_with("hero_db_server-"));
        assert!(for_host("hero_db_server", "-musl").ends_with("-musl"));
    }

    #[test]
    fn unsafe_names_are_refused() {
        for bad in [
            "",
            ".",
            "a/b",
            "..",
            "x..y",
            "a\\b",
            "a\0b",
            "../etc/passwd",
        ] {
            assert!(validate(bad).is_err(), "{bad:?}");
        }
        validate("hero_db_server-linux-amd64").unwrap();
        validate("tool.v1-linux-amd64.sha256").unwrap();
    }
}
