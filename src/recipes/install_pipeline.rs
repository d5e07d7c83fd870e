//! How a binary gets installed: the install pipeline as plan fragments, the tasks that get one binary (or the binaries
//! of one repository) from a release or a source tree into the bin dir, added to a
//! [`PlanBuilder`].
//!
//! Services call these instead of wiring task kinds themselves:
//!
//! - [`add_release_install`]: `resolve_release ► download ► verify_elf ► install_binary`.
//!   The resolve task's key names the repository and version only, so the binaries of one
//!   repository share one resolve (the builder dedupes by key) and get one download each.
//! - [`add_source_install`]: `git_checkout ► cargo_build ► (verify_elf ► install_binary)`
//!   per binary, with one checkout and one `cargo build` for all binaries.
//! - [`add_release_install_with_source_fallback`]: the release way, with the source way as
//!   a dormant [fallback](crate::tasks::PlanBuilder::fallback) that runs only if the release
//!   cannot be had (the `download with source as fallback` install policy).
//!
//! Both return the key(s) of the final install task(s), for the edges a service adds after
//! them (a restart waits for its binary's install).

use std::path::PathBuf;

use crate::forge::{ForgeConfig, ReleaseVersion};
use crate::graph::Fallback;
use crate::tasks::{
    CargoBuild, CargoOptions, DownloadAsset, GitCheckout, GitRef, InstallBinary, MatchLock,
    PlanBuilder, ResolveRelease, TaskKey, TaskKind, VerifyElf,
};

/// One binary to install from a release on a forge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReleaseInstall {
    /// The forge (URL, kind, token, timeouts).
    pub forge: ForgeConfig,
    /// The repository's owner (`lhumina_code`).
    pub owner: String,
    /// The repository (`hero_db`).
    pub repo: String,
    /// Which release (`latest`, a tag, Hero CI's `latest-dev`).
    pub version: ReleaseVersion,
    /// The binary, also its installed file name (`hero_db_server`).
    pub binary: String,
    /// Appended to the host asset name (`-musl` for `hero_db_server-linux-amd64-musl`);
    /// empty for the plain `{binary}-{os}-{arch}`.
    pub asset_suffix: String,
    /// The Hero bin dir (`<hero_root>/bin`).
    pub bin_dir: PathBuf,
    /// The service the binary belongs to (for the install record).
    pub service: String,
}

/// The binaries of one repository to build from source and install.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceInstall {
    /// The repository (`https://forge.ourworld.tf/lhumina_code/hero_db.git`, a local path).
    pub git_url: String,
    /// The branch, tag or commit to build.
    pub git_ref: GitRef,
    /// The code root the working tree goes under (`CODEROOT`, default `~/code`).
    pub code_root: PathBuf,
    /// The shared `CARGO_TARGET_DIR`.
    pub target_dir: PathBuf,
    /// The `--bin` names to build and install.
    pub binaries: Vec<String>,
    /// The Hero bin dir (`<hero_root>/bin`).
    pub bin_dir: PathBuf,
    /// The service the binaries belong to (for the install records).
    pub service: String,
    /// The cargo program; `None` = `CARGO`, else `cargo` on the `PATH`.
    pub cargo: Option<PathBuf>,
    /// The cargo profile (`release`).
    pub profile: String,
    /// Binaries of the same repository that other services install: built by the same
    /// cargo invocation (one build for all), not installed here.
    pub also_build: Vec<String>,
    /// Packages, features, `--locked`.
    pub cargo_options: CargoOptions,
}

/// What the lock file pins a binary to: the install refuses (or, `warn_only`, warns of)
/// other bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pinned {
    /// The sha256 the lock pins.
    pub sha256: String,
    /// What it pins, for people (`release v0.4.1 of lhumina_code/hero_router`).
    pub pin: String,
    /// Other bytes only warn (a source build that is not reproducible).
    pub warn_only: bool,
}

/// The tasks that get `install.binary`'s release asset into `staging_dir`: the resolve
/// (shared by the binaries of one repository and version) and the download. Returns their
/// keys and the asset's name.
pub fn add_release_fetch(
    plan: &mut PlanBuilder,
    install: &ReleaseInstall,
    staging_dir: &std::path::Path,
) -> (TaskKey, TaskKey, String) {
    let resolve = ResolveRelease::new(
        install.forge.clone(),
        install.owner.clone(),
        install.repo.clone(),
        install.version.clone(),
    );
    let download = DownloadAsset::new(&resolve, install.binary.clone(), staging_dir)
        .suffix(&install.asset_suffix);
    let asset = download.asset.clone();
    let resolve = plan.add(resolve);
    let download = plan.add_after(download, [&resolve]);
    (resolve, download, asset)
}

/// The checkout and the one `cargo build` of `install`'s binaries (and `also_build`).
/// Returns their keys.
pub fn add_source_build(plan: &mut PlanBuilder, install: &SourceInstall) -> (TaskKey, TaskKey) {
    let checkout = GitCheckout::new(
        install.git_url.clone(),
        install.git_ref.clone(),
        install.code_root.clone(),
    );
    let mut names: Vec<String> = install.also_build.clone();
    for b in &install.binaries {
        if !names.contains(b) {
            names.push(b.clone());
        }
    }
    let mut build = CargoBuild::new(names, install.target_dir.clone())
        .profile(&install.profile)
        .options(install.cargo_options.clone());
    if let Some(cargo) = &install.cargo {
        build = build.cargo(cargo.clone());
    }
    let checkout = plan.add(checkout);
    let build = plan.add_after(build, [&checkout]);
    (checkout, build)
}

/// `after ► (match the lock) ► verify ELF ► install` for `binary`; returns the install's
/// key.
fn add_check_and_install(
    plan: &mut PlanBuilder,
    after: &TaskKey,
    binary: &str,
    service: &str,
    bin_dir: &std::path::Path,
    pinned: Option<&Pinned>,
) -> TaskKey {
    let checked = match pinned {
        Some(p) => plan.add_after(
            MatchLock::new(binary, &p.sha256, &p.pin).warn_only(p.warn_only),
            [after],
        ),
        None => after.clone(),
    };
    let verify = plan.add_after(VerifyElf::new(binary), [&checked]);
    plan.add_after(InstallBinary::new(service, binary, bin_dir), [&verify])
}

/// Adds the tasks that install `install.binary` from its release and returns the key of
/// the install task. Adding a second binary of the same repository and version reuses the
/// resolve task.
pub fn add_release_install(plan: &mut PlanBuilder, install: &ReleaseInstall) -> TaskKey {
    add_release_install_pinned(plan, install, None)
}

/// [`add_release_install`], the downloaded bytes matched with the lock first when
/// `pinned`.
pub fn add_release_install_pinned(
    plan: &mut PlanBuilder,
    install: &ReleaseInstall,
    pinned: Option<&Pinned>,
) -> TaskKey {
    let (_, download, _) = add_release_fetch(plan, install, &install.bin_dir);
    add_check_and_install(
        plan,
        &download,
        &install.binary,
        &install.service,
        &install.bin_dir,
        pinned,
    )
}

/// Adds the tasks that build `install.binaries` from source with one checkout and one
/// `cargo build`, then check and install each; returns the install tasks' keys in the
/// order of `install.binaries`.
pub fn add_source_install(plan: &mut PlanBuilder, install: &SourceInstall) -> Vec<TaskKey> {
    add_source_install_pinned(plan, install, &[])
}

/// [`add_source_install`], each built binary matched with its pin (by binary name) first.
pub fn add_source_install_pinned(
    plan: &mut PlanBuilder,
    install: &SourceInstall,
    pinned: &[(String, Pinned)],
) -> Vec<TaskKey> {
    let (_, build) = add_source_build(plan, install);
    install
        .binaries
        .iter()
        .map(|binary| {
            let pin = pinned.iter().find(|(b, _)| b == binary).map(|(_, p)| p);
            add_check_and_install(
                plan,
                &build,
                binary,
                &install.service,
                &install.bin_dir,
                pin,
            )
        })
        .collect()
}

/// Adds the install of `release.binary` from its release, with a build from source as the
/// fallback: the checkout, the build (shared by the binaries of `source`) and a check of the
/// built binary stay dormant and run only if the release cannot be resolved, downloaded or
/// checked. Returns the install task's key.
pub fn add_release_install_with_source_fallback(
    plan: &mut PlanBuilder,
    release: &ReleaseInstall,
    source: &SourceInstall,
) -> TaskKey {
    let (resolve, download, _) = add_release_fetch(plan, release, &release.bin_dir);
    let verify = plan.add_after(VerifyElf::new(release.binary.clone()), [&download]);
    let (checkout, build) = add_source_build(plan, source);
    let built = plan.add_after(
        VerifyElf::new(release.binary.clone()).via("source"),
        [&build],
    );
    plan.fallback(Fallback {
        primary: vec![resolve, download, verify.clone()],
        primary_tail: verify.clone(),
        branch: vec![checkout, build, built.clone()],
        branch_tail: built,
    });
    plan.add_after(
        InstallBinary::new(
            release.service.clone(),
            release.binary.clone(),
            release.bin_dir.clone(),
        ),
        [&verify],
    )
}

/// The key of the resolve task [`add_release_install`] adds for `install` (shared by the
/// binaries of one repository and version).
pub fn release_key(install: &ReleaseInstall) -> TaskKey {
    ResolveRelease::new(
        install.forge.clone(),
        install.owner.clone(),
        install.repo.clone(),
        install.version.clone(),
    )
    .key()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn release(binary: &str) -> ReleaseInstall {
        ReleaseInstall {
            forge: ForgeConfig::forgejo("http://127.0.0.1:1").unwrap(),
            owner: "lhumina_code".into(),
            repo: "hero_db".into(),
            version: ReleaseVersion::Latest,
            binary: binary.into(),
            asset_suffix: String::new(),
            bin_dir: PathBuf::from("/h/bin"),
            service: "hero_db".into(),
        }
    }

    #[test]
    fn two_binaries_of_one_release_share_the_resolve() {
        let mut b = PlanBuilder::new();
        let server = add_release_install(&mut b, &release("hero_db_server"));
        let admin = add_release_install(&mut b, &release("hero_db_admin"));
        assert_eq!(server.as_str(), "install:/h/bin/hero_db_server");
        assert_ne!(server, admin);
        let plan = b.build().unwrap();
        // 1 resolve + 2 × (download, verify, install)
        assert_eq!(plan.len(), 7);
        let resolve = plan.index_of(&release_key(&release("x"))).unwrap();
        assert_eq!(plan.dependents(resolve).len(), 2);
    }

    #[test]
    fn a_source_install_builds_once_for_all_binaries() {
        let mut b = PlanBuilder::new();
        let keys = add_source_install(
            &mut b,
            &SourceInstall {
                git_url: "https://forge.example/o/hero_db.git".into(),
                git_ref: GitRef::Branch("main".into()),
                code_root: PathBuf::from("/code"),
                target_dir: PathBuf::from("/target"),
                binaries: vec!["a".into(), "b".into()],
                bin_dir: PathBuf::from("/h/bin"),
                service: "hero_db".into(),
                cargo: None,
                profile: "release".to_string(),
                also_build: Vec::new(),
                cargo_options: CargoOptions::default(),
            },
        );
        assert_eq!(keys.len(), 2);
        let plan = b.build().unwrap();
        // checkout + build + 2 × (verify, install)
        assert_eq!(plan.len(), 6);
        let build = plan.index_of(&TaskKey::new("build:a,b")).unwrap();
        assert_eq!(plan.dependents(build).len(), 2);
    }
}
