//! [`checkout_dir`]: where a git repository lives under the code root.

use std::path::{Path, PathBuf};

/// `<code_root>/<host>/<owner>/<repo>` for a git URL, the layout of herolib's git tools
/// (`~/code/forge.ourworld.tf/lhumina_code/hero_db`). Understands `https://host/owner/repo(.git)`,
/// `ssh://git@host/owner/repo`, `git@host:owner/repo.git`, and local repositories
/// (`file:///path/owner/repo` or a plain path), which go under `local/`.
pub fn checkout_dir(code_root: &Path, url: &str) -> PathBuf {
    let (host, path) = split_url(url);
    let mut parts: Vec<&str> = path
        .split('/')
        .filter(|p| !p.is_empty() && *p != "." && *p != "..")
        .collect();
    if let Some(last) = parts.last_mut() {
        *last = last.strip_suffix(".git").unwrap_or(last);
    }
    let keep = parts.len().saturating_sub(2);
    let mut dir = code_root.join(sanitize(host));
    for p in &parts[keep..] {
        dir.push(sanitize(p));
    }
    dir
}

/// (host, path) of a git URL; `local` for local repositories.
fn split_url(url: &str) -> (&str, &str) {
    if let Some(rest) = url.strip_prefix("file://") {
        return ("local", rest);
    }
    if let Some((_, rest)) = url.split_once("://") {
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        let host = authority.rsplit('@').next().unwrap_or(authority);
        let host = host.split(':').next().unwrap_or(host);
        return (host, path);
    }
    // scp-like `git@host:owner/repo.git` (a colon before any slash).
    if let Some((authority, path)) = url.split_once(':')
        && !authority.contains('/')
    {
        let host = authority.rsplit('@').next().unwrap_or(authority);
        return (host, path);
    }
    ("local", url)
}

fn sanitize(part: &str) -> String {
    part.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_is_host_owner_repo() {
        let root = Path::new("/c");
        for (url, want) in [
            (
                "https://forge.ourworld.tf/lhumina_code/hero_db.git",
                "/c/forge.ourworld.tf/lhumina_code/hero_db",
            ),
            (
                "https://user@forge.ourworld.tf:443/lhumina_code/hero_db",
                "/c/forge.ourworld.tf/lhumina_code/hero_db",
            ),
            (
                "git@github.com:incubaid/herolib.git",
                "/c/github.com/incubaid/herolib",
            ),
            ("ssh://git@git.example.org/o/r", "/c/git.example.org/o/r"),
            ("file:///tmp/x/owner/repo", "/c/local/owner/repo"),
            ("/tmp/x/owner/repo/", "/c/local/owner/repo"),
        ] {
            assert_eq!(checkout_dir(root, url), PathBuf::from(want), "{url}");
        }
    }
}
