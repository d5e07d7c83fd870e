//! Finding the peers, installing the missing ones from the package registries: zinit with
//! `cargo install zinit --locked`, supervisord with Debian's `supervisor` package, pm2 with
//! npm (into the harness's own prefix under the target dir, never globally).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// `name` on `PATH` (or in `extra`), when it is an executable file.
fn find(name: &str, extra: &[PathBuf]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(extra.iter().cloned())
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

fn run(what: &str, cmd: &mut Command) -> Result<(), String> {
    eprintln!("installing {what}: {cmd:?}");
    let status = cmd
        .stdin(Stdio::null())
        .status()
        .map_err(|e| format!("{what}: cannot run {cmd:?}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{what}: {cmd:?} failed ({status})"))
    }
}

/// `zinit-server`, installed with cargo when missing.
pub fn zinit() -> Result<PathBuf, String> {
    let cargo_bin = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .map(|h| h.join("bin"))
        .into_iter()
        .collect::<Vec<_>>();
    if let Some(p) = find("zinit-server", &cargo_bin) {
        return Ok(p);
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    run(
        "zinit",
        Command::new(cargo).args(["install", "zinit", "--locked"]),
    )?;
    find("zinit-server", &cargo_bin)
        .ok_or_else(|| "zinit-server missing after cargo install".into())
}

/// `supervisord`, installed with apt-get when missing.
pub fn supervisord() -> Result<PathBuf, String> {
    if let Some(p) = find("supervisord", &[]) {
        return Ok(p);
    }
    run(
        "supervisor",
        Command::new("apt-get").args(["update", "-qq"]),
    )?;
    run(
        "supervisor",
        Command::new("apt-get")
            .args([
                "install",
                "-y",
                "-qq",
                "--no-install-recommends",
                "supervisor",
            ])
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )?;
    find("supervisord", &[]).ok_or_else(|| "supervisord missing after apt-get install".into())
}

/// A `NODE_PATH` where `require('pm2')` resolves: npm's global root when pm2 is there,
/// else `<cache>/node_modules` after `npm install --prefix <cache> pm2`.
pub fn pm2(cache: &Path) -> Result<PathBuf, String> {
    if find("node", &[]).is_none() {
        return Err("node is not installed (pm2 needs Node.js)".into());
    }
    if let Ok(out) = Command::new("npm").args(["root", "-g"]).output() {
        let root = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if root.join("pm2").join("package.json").is_file() {
            return Ok(root);
        }
    }
    let local = cache.join("node_modules");
    if local.join("pm2").join("package.json").is_file() {
        return Ok(local);
    }
    std::fs::create_dir_all(cache).map_err(|e| e.to_string())?;
    run(
        "pm2",
        Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--prefix"])
            .arg(cache)
            .arg("pm2"),
    )?;
    if local.join("pm2").join("package.json").is_file() {
        Ok(local)
    } else {
        Err("pm2 missing after npm install".into())
    }
}

/// What `program --version` (or the first line of it) says, for the table.
pub fn version(program: &Path, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .map(|o| {
            let text = if o.stdout.is_empty() {
                o.stderr
            } else {
                o.stdout
            };
            String::from_utf8_lossy(&text)
                .lines()
                .next()
                .unwrap_or("")
                .trim()
                .to_string()
        })
        .unwrap_or_default()
}
