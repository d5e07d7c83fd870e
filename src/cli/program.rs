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

    /// The clap command of this program: its name, its about, its catalogs in the help.
    pub fn command(&self) -> clap::Command {
        let catalogs = self.catalog_names().join(", ");
        let default = self.default_catalog_name();
        let mut cmd = Cli::command()
            .name(self.name.clone())
            .bin_name(self.name.clone())
            .mut_arg("catalog", |a| {
                a.help(format!(
                    "The service catalog: {catalogs} (default: {default})"
                ))
            });
        if let Some(about) = &self.about {
            cmd = cmd.about(about.clone());
        }
        cmd
    }

    /// Parses `args` (the program name first) into its command line.
    pub fn parse_from<I, T>(&self, args: I) -> Result<Cli, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString> + Clone,
    {
        let mut matches = self.command().try_get_matches_from(args)?;
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
    }
}
