//! [`Program`]: a program built on hero_svc — its name, its catalogs, its default catalog —
//! and its entry point.
//!
//! hero_svc's own binary is `Program::hero_svc().main()`. Another stack's `main.rs` names
//! its program and hands over its catalogs:
//!
//! ```no_run
//! use hero_svc::cli::Program;
//! use hero_svc::services::Catalog;
//!
//! fn main() {
//!     let catalog = Catalog::new("acme"); // .service(…) for each service
//!     Program::new("acme_svc").catalog(catalog).main()
//! }
//! ```
//!
//! The CLI it gets is the whole hero_svc CLI under its name; the daemon it starts in the
//! background is the same program (`acme_svc serve`) serving exactly those catalogs, with
//! its own state (`$HERO_ROOT/var/acme_svc`) and socket (`$PATH_SOCKET/acme_svc/rpc.sock`),
//! so it never talks to another program's daemon.

use std::ffi::OsString;

use clap::{CommandFactory, FromArgMatches};

use super::{Cli, ExitCode};
use crate::daemon::DaemonOptions;
use crate::paths::{DEFAULT_PROGRAM, HeroPaths};
use crate::services::{BUILTIN_CATALOGS, Catalog};

/// A program built on hero_svc.
#[derive(Clone, Debug)]
pub struct Program {
    name: String,
    version: Option<String>,
    about: Option<String>,
    builtin_catalogs: bool,
    catalogs: Vec<Catalog>,
    default_catalog: Option<String>,
}

/// What the commands know of the program they run in (see [`Cli::program`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProgramInfo {
    /// Its name (`hero_svc`): the command people type, its state and socket folder.
    pub name: String,
    /// The catalogs its daemon serves.
    pub catalogs: Vec<String>,
    /// The catalog used when a command names none.
    pub default_catalog: String,
}

impl Default for ProgramInfo {
    fn default() -> Self {
        Program::hero_svc().info()
    }
}

impl ProgramInfo {
    /// The Hero directories from the environment, with this program's state and socket.
    pub fn paths(&self) -> Result<HeroPaths, crate::paths::NoHomeError> {
        HeroPaths::from_env().map(|p| p.for_program(&self.name))
    }
}

impl Program {
    /// hero_svc itself: the built-in catalogs (`hero`, the Hero stack, by default; `demo`,
    /// offline demo services).
    pub fn hero_svc() -> Self {
        Self {
            name: DEFAULT_PROGRAM.to_string(),
            version: None,
            about: None,
            builtin_catalogs: true,
            catalogs: Vec::new(),
            default_catalog: None,
        }
    }

    /// Another stack's program `name` (a file name: letters, digits, `_`, `-`), with no
    /// catalog yet: add its own with [`catalog`](Self::catalog).
    pub fn new(name: &str) -> Self {
        Self {
            name: name.to_string(),
            builtin_catalogs: false,
            ..Self::hero_svc()
        }
    }

    /// Its version, as `--version` prints it (hero_svc's own by default).
    pub fn version_string(mut self, version: &str) -> Self {
        self.version = Some(version.to_string());
        self
    }

    /// The version `--version` and `version` print.
    pub fn version(&self) -> &str {
        self.version.as_deref().unwrap_or(env!("CARGO_PKG_VERSION"))
    }

    /// The one paragraph `--help` starts with.
    pub fn about(mut self, text: &str) -> Self {
        self.about = Some(text.to_string());
        self
    }

    /// Serves `catalog` too (the first one added is the default, unless
    /// [`default_catalog`](Self::default_catalog) says otherwise).
    pub fn catalog(mut self, catalog: Catalog) -> Self {
        self.catalogs.push(catalog);
        self
    }

    /// Serves the built-in `hero` and `demo` catalogs too.
    pub fn with_builtin_catalogs(mut self) -> Self {
        self.builtin_catalogs = true;
        self
    }

    /// The catalog used when a command names none.
    pub fn default_catalog(mut self, name: &str) -> Self {
        self.default_catalog = Some(name.to_string());
        self
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The names of the catalogs it serves.
    pub fn catalog_names(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for c in &self.catalogs {
            names.push(c.name().to_string());
        }
        if self.builtin_catalogs {
            for b in BUILTIN_CATALOGS {
                if !names.iter().any(|n| n == b) {
                    names.push(b.to_string());
                }
            }
        }
        names
    }

    /// The catalog used when a command names none: the one set, else its first own
    /// catalog, else `hero`.
    pub fn default_catalog_name(&self) -> String {
        self.default_catalog
            .clone()
            .or_else(|| self.catalogs.first().map(|c| c.name().to_string()))
            .unwrap_or_else(|| BUILTIN_CATALOGS[0].to_string())
    }

    /// What the commands know of it.
    pub fn info(&self) -> ProgramInfo {
        ProgramInfo {
            name: self.name.clone(),
            catalogs: self.catalog_names(),
            default_catalog: self.default_catalog_name(),
        }
    }

    /// Why it cannot run as it is (a name that is no file name, a default catalog it does
    /// not have, no catalog at all).
    pub fn problem(&self) -> Option<String> {
        let name_ok = !self.name.is_empty()
            && self.name.len() <= 64
            && self
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            && !self.name.starts_with('-');
        if !name_ok {
            return Some(format!(
                "program name {:?} must be a file name of letters, digits, `_` and `-`",
                self.name
            ));
        }
        let names = self.catalog_names();
        if names.is_empty() {
            return Some(format!(
                "program {} has no catalog: add one with Program::catalog",
                self.name
            ));
        }
        let default = self.default_catalog_name();
        if !names.contains(&default) {
            return Some(format!(
                "program {}'s default catalog `{default}` is not one of its catalogs ({})",
                self.name,
                names.join(", ")
            ));
        }
        None
    }

    /// The daemon this program runs (`serve`): its catalogs, its default catalog, its
    /// state and socket under `paths`.
    pub fn daemon_options(&self, paths: HeroPaths) -> DaemonOptions {
        let mut options = DaemonOptions::new(paths.for_program(&self.name));
        options.builtin_catalogs = self.builtin_catalogs;
        options.catalogs = self.catalogs.clone();
        options.default_catalog = self.default_catalog_name();
        options
    }

    /// The clap command of this program: its name, version and about, its catalogs in the
    /// help, its name in the examples.
    pub fn command(&self) -> clap::Command {
        let catalogs = self.catalog_names().join(", ");
        let default = self.default_catalog_name();
        let mut cmd = Cli::command()
            .name(self.name.clone())
            .bin_name(self.name.clone())
            .version(self.version().to_string())
            .mut_arg("catalog", |a| {
                a.help(format!(
                    "The service catalog: {catalogs} (default: {default})"
                ))
            });
        if let Some(about) = &self.about {
            cmd = cmd.about(about.clone());
        }
        if self.name != DEFAULT_PROGRAM {
            cmd = renamed(cmd, &self.name);
        }
        cmd
    }

    /// [`command`](Self::command) for shell completions: service names complete where a
    /// command takes services, group names after `--group`.
    pub fn completion_command(&self) -> clap::Command {
        let mut services: Vec<String> = Vec::new();
        let mut groups: Vec<String> = Vec::new();
        let mut catalogs = self.catalogs.clone();
        if self.builtin_catalogs {
            for name in BUILTIN_CATALOGS {
                if let Ok(c) = crate::services::builtin_catalog(name) {
                    catalogs.push(c);
                }
            }
        }
        for c in &catalogs {
            for svc in c.services() {
                if !services.iter().any(|n| n == svc.name()) {
                    services.push(svc.name().to_string());
                }
            }
            for g in c.groups().keys() {
                if !groups.contains(g) {
                    groups.push(g.clone());
                }
            }
        }
        with_candidates(self.command(), &services, &groups, &self.catalog_names())
    }

    /// Parses `args` (the program name first) into its command line.
    pub fn parse_from<I, T>(&self, args: I) -> Result<Cli, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString> + Clone,
    {
        let cmd = self.command();
        let mut matches = match cmd.clone().try_get_matches_from(args) {
            Ok(m) => m,
            Err(e) => return Err(with_owner(&cmd, e)),
        };
        let mut cli = Cli::from_arg_matches_mut(&mut matches)?;
        cli.program = self.info();
        Ok(cli)
    }

    /// Runs the command line of this process and exits with its code.
    pub fn main(self) -> ! {
        if let Some(problem) = self.problem() {
            eprintln!("error: {problem}");
            std::process::exit(ExitCode::Local as i32);
        }
        let cli = match self.parse_from(std::env::args_os()) {
            Ok(cli) => cli,
            Err(e) => e.exit(),
        };
        let code = match tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
        {
            Ok(rt) => rt.block_on(super::commands::run(cli, &self)),
            Err(e) => {
                eprintln!("error: could not start the async runtime: {e}");
                ExitCode::Local
            }
        };
        std::process::exit(code as i32);
    }
}

/// `e`, when it is an option of another command, said so: "`--purge` belongs to `delete`
/// (see `hero_svc delete --help`)" instead of only "unexpected argument".
fn with_owner(cmd: &clap::Command, e: clap::Error) -> clap::Error {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if e.kind() != ErrorKind::UnknownArgument {
        return e;
    }
    let Some(ContextValue::String(arg)) = e.get(ContextKind::InvalidArg) else {
        return e;
    };
    let flag = arg.split('=').next().unwrap_or(arg);
    let Some(long) = flag.strip_prefix("--") else {
        return e;
    };
    let owners: Vec<String> = cmd
        .get_subcommands()
        .filter(|s| s.get_arguments().any(|a| a.get_long() == Some(long)))
        .map(|s| format!("`{}`", s.get_name()))
        .collect();
    let Some(first) = owners.first() else {
        return e;
    };
    let first = first.trim_matches('`');
    let mut cmd = cmd.clone();
    cmd.error(
        ErrorKind::UnknownArgument,
        format!(
            "`{flag}` is not an option of this command: it belongs to {} (see `{} {first} --help`)",
            owners.join(", "),
            cmd.get_name(),
        ),
    )
}

/// `cmd` with `hero_svc` in its texts (examples, the daemon's socket) said as `name`.
fn renamed(cmd: clap::Command, name: &str) -> clap::Command {
    let swap = |t: &clap::builder::StyledStr| t.to_string().replace("hero_svc", name);
    let mut cmd = cmd;
    if let Some(t) = cmd.get_after_help().map(swap) {
        cmd = cmd.after_help(t);
    }
    if let Some(t) = cmd.get_about().map(swap) {
        cmd = cmd.about(t);
    }
    let args: Vec<(String, Option<String>, Option<String>)> = cmd
        .get_arguments()
        .map(|a| {
            (
                a.get_id().to_string(),
                a.get_help().map(swap),
                a.get_long_help().map(swap),
            )
        })
        .collect();
    for (id, help, long_help) in args {
        cmd = cmd.mut_arg(id, |a| {
            let a = match help {
                Some(h) => a.help(h),
                None => a,
            };
            match long_help {
                Some(h) => a.long_help(h),
                None => a,
            }
        });
    }
    let subs: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for sub in subs {
        cmd = cmd.mut_subcommand(sub, |s| renamed(s, name));
    }
    cmd
}

/// `cmd` with the names a shell completes: services for the `services`/`service`
/// positionals, groups for `--group`, catalogs for `--catalog`.
fn with_candidates(
    cmd: clap::Command,
    services: &[String],
    groups: &[String],
    catalogs: &[String],
) -> clap::Command {
    use clap::builder::PossibleValuesParser;

    let values = |names: &[String]| PossibleValuesParser::new(names.to_vec());
    let mut cmd = cmd;
    let ids: Vec<String> = cmd
        .get_arguments()
        .map(|a| a.get_id().to_string())
        .collect();
    for id in ids {
        cmd = match id.as_str() {
            "services" | "service" if !services.is_empty() => {
                cmd.mut_arg(id, |a| a.value_parser(values(services)))
            }
            "group" if !groups.is_empty() => cmd.mut_arg(id, |a| a.value_parser(values(groups))),
            "catalog" if !catalogs.is_empty() => {
                cmd.mut_arg(id, |a| a.value_parser(values(catalogs)))
            }
            _ => cmd,
        };
    }
    let subs: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for sub in subs {
        cmd = cmd.mut_subcommand(sub, |s| with_candidates(s, services, groups, catalogs));
    }
    cmd
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hero_svc_serves_the_builtin_catalogs() {
        let p = Program::hero_svc();
        assert_eq!(p.catalog_names(), ["hero", "demo"]);
        assert_eq!(p.default_catalog_name(), "hero");
        assert_eq!(p.problem(), None);
    }

    #[test]
    fn another_program_serves_only_its_own() {
        let p = Program::new("acme_svc").catalog(Catalog::new("acme"));
        assert_eq!(p.catalog_names(), ["acme"]);
        assert_eq!(p.default_catalog_name(), "acme");
        let opts = p.daemon_options(HeroPaths::with_root("/r"));
        assert!(!opts.builtin_catalogs);
        assert_eq!(
            opts.paths.state_dir(),
            std::path::Path::new("/r/var/acme_svc")
        );
        assert_eq!(
            opts.paths.daemon_socket(),
            std::path::Path::new("/r/var/sockets/acme_svc/rpc.sock")
        );
    }

    #[test]
    fn bad_programs_are_refused() {
        assert!(Program::new("acme_svc").problem().is_some());
        assert!(
            Program::new("../x")
                .catalog(Catalog::new("a"))
                .problem()
                .is_some()
        );
        let p = Program::new("a")
            .catalog(Catalog::new("a"))
            .default_catalog("b");
        assert!(p.problem().unwrap().contains("`b`"));
    }

    #[test]
    fn help_names_the_program_and_its_catalogs() {
        let p = Program::new("acme_svc").catalog(Catalog::new("acme"));
        let help = p.command().render_long_help().to_string();
        assert!(help.contains("acme_svc"), "{help}");
        assert!(help.contains("acme (default: acme)"), "{help}");
        assert!(!help.contains("hero (the Hero stack)"), "{help}");
        let cli = p.parse_from(["acme_svc", "status"]).unwrap();
        assert_eq!(cli.program.name, "acme_svc");
        let deploy = p
            .command()
            .find_subcommand_mut("deploy")
            .map(|d| d.render_long_help().to_string())
            .unwrap_or_default();
        assert!(deploy.contains("acme_svc deploy --all"), "{deploy}");
        assert!(!deploy.contains("hero_svc"), "{deploy}");
    }

    #[test]
    fn version_is_the_programs_own() {
        let p = Program::hero_svc();
        assert_eq!(p.version(), env!("CARGO_PKG_VERSION"));
        let e = p.parse_from(["hero_svc", "--version"]).unwrap_err();
        assert_eq!(e.kind(), clap::error::ErrorKind::DisplayVersion);
        let e = p.parse_from(["hero_svc", "-V"]).unwrap_err();
        assert_eq!(e.kind(), clap::error::ErrorKind::DisplayVersion);
        let q = Program::new("acme_svc")
            .catalog(Catalog::new("acme"))
            .version_string("2.1.0");
        assert!(q.command().render_version().contains("acme_svc 2.1.0"));
    }

    #[test]
    fn each_command_takes_only_its_own_flags() {
        let p = Program::hero_svc();
        for bad in [
            &["hero_svc", "stop", "x", "--purge"][..],
            &["hero_svc", "status", "--mode", "source"],
            &["hero_svc", "start", "x", "--tag", "v1"],
            &["hero_svc", "list", "--all"],
        ] {
            assert!(p.parse_from(bad.iter()).is_err(), "{bad:?} was accepted");
        }
        for good in [
            &["hero_svc", "delete", "x", "--purge"][..],
            &[
                "hero_svc",
                "deploy",
                "--all",
                "--mode",
                "source",
                "--tag",
                "v1",
                "--no-deps",
            ],
            &["hero_svc", "stop", "x", "--with-dependents"],
            &["hero_svc", "--progress", "plain", "stop", "--all"],
            &["hero_svc", "upgrade", "x", "--version", "v1"],
            &[
                "hero_svc",
                "plan",
                "stop",
                "x",
                "--with-dependents",
                "--format",
                "dot",
            ],
            &["hero_svc", "plan", "sample"],
            &["hero_svc", "version"],
        ] {
            assert!(p.parse_from(good.iter()).is_ok(), "{good:?} was refused");
        }
    }

    #[test]
    fn an_option_of_another_command_names_its_command() {
        let p = Program::hero_svc();
        let e = p
            .parse_from(["hero_svc", "stop", "redis", "--purge"])
            .unwrap_err();
        assert_eq!(e.kind(), clap::error::ErrorKind::UnknownArgument);
        let text = e.to_string();
        assert!(
            text.contains("`--purge`") && text.contains("belongs to `delete`"),
            "{text}"
        );
        assert!(text.contains("hero_svc delete --help"), "{text}");
        // A flag no command has stays clap's own error, with its suggestions.
        let e = p.parse_from(["hero_svc", "stop", "--nope"]).unwrap_err();
        assert!(!e.to_string().contains("belongs to"), "{e}");
    }

    #[test]
    fn completions_know_the_services_and_groups() {
        let mut out = Vec::new();
        clap_complete::generate(
            clap_complete::Shell::Bash,
            &mut Program::hero_svc().completion_command(),
            "hero_svc",
            &mut out,
        );
        let script = String::from_utf8(out).unwrap();
        assert!(script.contains("hero_books"), "no service names");
        assert!(script.contains("demo_db"), "no demo service names");
    }
}
