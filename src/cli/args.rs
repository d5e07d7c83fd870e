//! [`Cli`]: the command-line arguments (clap). Each command takes only its own flags; the
//! ones every command shares (`--catalog`, `--socket`, `--json`, `--progress`) are global.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use super::reporter::ProgressMode;
use crate::graph::PlanFormat;
use crate::services::{InstallMode, Operation};

/// hero_svc: builds, installs, starts, stops, checks and upgrades the services of the Hero
/// stack. Every operation compiles into a plan of typed tasks run in parallel, in
/// dependency order, by the hero_svc daemon (started in the background when needed).
#[derive(Debug, Parser)]
#[command(
    name = "hero_svc",
    version,
    after_help = "Exit codes: 0 success, 1 the operation failed, 2 usage error, 3 daemon unreachable, 4 local error.\n\nExamples:\n  hero_svc deploy --all                  build or download, start and check everything\n  hero_svc status                        every service, its processes and health\n  hero_svc logs hero_books -f            follow a service's log\n  hero_svc upgrade hero_books --tag v0.3.2\n  hero_svc executions show <id>          what a run did, task by task"
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,

    /// The service catalog (default: the program's).
    #[arg(long, global = true, env = "HERO_SVC_CATALOG")]
    pub catalog: Option<String>,

    /// The daemon's socket (default: $PATH_SOCKET/hero_svc/rpc.sock).
    #[arg(long, global = true, env = "HERO_SVC_SOCKET")]
    pub socket: Option<PathBuf>,

    /// How operations show progress: auto (a live board on a terminal, plain otherwise),
    /// tty, plain, json (events as NDJSON), quiet.
    #[arg(long, global = true, default_value = "auto", value_parser = parse_progress)]
    pub progress: ProgressMode,

    /// Print the result as JSON on stdout and nothing else there (for operations: the
    /// execution report; progress is then off unless --progress asks for it).
    #[arg(long, global = true)]
    pub json: bool,

    /// The program this command line belongs to (not an argument: set by [`Program`]).
    ///
    /// [`Program`]: super::Program
    #[arg(skip)]
    pub program: super::ProgramInfo,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// The services of the catalog and their state.
    List,
    /// The state of services (all when none is named): processes, health, why not running.
    #[command(after_help = "Examples:\n  hero_svc status\n  hero_svc status hero_books --watch")]
    Status(StatusArgs),
    /// Everything about one service: source, binaries, processes, sockets, installs, state.
    #[command(
        after_help = "Examples:\n  hero_svc inspect hero_books\n  hero_svc inspect hero_books --json"
    )]
    Inspect(One),
    /// Probe services' health now (all when none is named).
    Health(Names),
    /// A service's log lines.
    #[command(
        after_help = "Examples:\n  hero_svc logs hero_books -n 50\n  hero_svc logs hero_books -f"
    )]
    Logs(LogsArgs),
    /// Status, recent operations, log tail and the last failed report of a service.
    Troubleshoot(One),
    /// The operations (build, install, start, stop, restart, upgrade, verify, delete,
    /// deploy).
    #[command(flatten)]
    Operation(OperationCommand),
    /// Show the plan of an operation without running anything.
    #[command(
        after_help = "Examples:\n  hero_svc plan deploy --all\n  hero_svc plan stop hero_db --with-dependents --format dot\n  hero_svc plan deploy --all --format svg > plan.svg"
    )]
    Plan(PlanArgs),
    /// Run the built-in sample plan here, without the daemon.
    Run(RunArgs),
    /// Executions: list them, show one's report, cancel one.
    #[command(
        after_help = "Examples:\n  hero_svc executions\n  hero_svc executions show <id>\n  hero_svc executions show <id> --format svg > run.svg"
    )]
    Executions(ExecutionsArgs),
    /// Run the daemon: JSON-RPC on $PATH_SOCKET/hero_svc/rpc.sock and the admin dashboard
    /// on admin.sock beside it, until SIGTERM.
    #[command(
        after_help = "Examples:\n  hero_svc serve\n  hero_svc serve --http 127.0.0.1:8080   also serve the dashboard on loopback TCP (with a token)"
    )]
    Serve(ServeArgs),
    /// Print the URL of the admin dashboard in a browser (with its token), starting the
    /// daemon if none runs and asking it to listen on loopback TCP.
    #[command(
        after_help = "Examples:\n  hero_svc dashboard                       any free port\n  hero_svc dashboard --addr 127.0.0.1:8080\n  xdg-open \"$(hero_svc dashboard)\""
    )]
    Dashboard(DashboardArgs),
    /// Print shell completions (with the catalogs' service and group names).
    #[command(
        after_help = "Examples:\n  hero_svc completions bash > ~/.local/share/bash-completion/completions/hero_svc"
    )]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print this program's version.
    Version,
}

/// `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The process supervisor: builtin (in the daemon) or zinit (a running zinit-server).
    #[arg(long, env = "HERO_SVC_SUPERVISOR", default_value = "builtin")]
    pub supervisor: String,
    /// zinit-server's socket (with --supervisor zinit).
    #[arg(long, env = "ZINIT_SOCKET")]
    pub zinit_socket: Option<PathBuf>,
    /// Also serve the admin dashboard on this loopback address (127.0.0.1:PORT; port 0 for
    /// any free one), guarded by a token; `dashboard` prints its URL.
    #[arg(long, value_name = "ADDR")]
    pub http: Option<String>,
}

/// `dashboard`'s flags.
#[derive(Debug, Args)]
pub struct DashboardArgs {
    /// The loopback address to listen on when the daemon does not listen yet (127.0.0.1:0:
    /// any free port).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    pub addr: String,
}

/// Optional service names.
#[derive(Debug, Args)]
pub struct Names {
    /// Services (all when none).
    pub services: Vec<String>,
}

/// `status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Services (all when none).
    pub services: Vec<String>,
    /// Refresh in place until Ctrl-C.
    #[arg(short, long)]
    pub watch: bool,
    /// Seconds between refreshes (with --watch).
    #[arg(long, default_value_t = 2.0, requires = "watch")]
    pub interval: f64,
}

/// One service.
#[derive(Debug, Args)]
pub struct One {
    /// The service.
    pub service: String,
}

/// `logs`.
#[derive(Debug, Args)]
pub struct LogsArgs {
    /// The service.
    pub service: String,
    /// How many lines.
    #[arg(short = 'n', long, default_value_t = 100)]
    pub lines: usize,
    /// Keep printing new lines.
    #[arg(short = 'f', long)]
    pub follow: bool,
}

/// The services an operation is about.
#[derive(Debug, Args)]
pub struct Targets {
    /// Services by name.
    pub services: Vec<String>,
    /// Every service of the catalog.
    #[arg(long, conflicts_with_all = ["services", "group"])]
    pub all: bool,
    /// A named group of the catalog.
    #[arg(long, conflicts_with = "services")]
    pub group: Option<String>,
    /// Start the operation and print its execution id without waiting.
    #[arg(long)]
    pub detach: bool,
}

/// Which version, installed how (the operations that install).
#[derive(Debug, Args)]
pub struct VersionArgs {
    /// Install from release downloads, build from source, or use the system's binaries.
    #[arg(long, value_enum)]
    pub mode: Option<ModeArg>,
    /// The version to install: a release tag (latest, latest-dev, v0.3.2) or, with --mode
    /// source, a git tag.
    #[arg(long, value_name = "TAG")]
    pub tag: Option<String>,
    /// The former spelling of --tag.
    #[arg(
        long = "version",
        value_name = "TAG",
        hide = true,
        conflicts_with = "tag"
    )]
    pub old_version: Option<String>,
}

impl VersionArgs {
    /// The version asked for (`--tag`, or the former `--version`, with a note).
    pub fn tag(&self) -> Option<&str> {
        if let Some(v) = &self.old_version {
            eprintln!(
                "note: `--version {v}` is now `--tag {v}` (`--version` prints this program's version)"
            );
        }
        self.tag.as_deref().or(self.old_version.as_deref())
    }
}

/// `--locked`, `--strict`, `--lock FILE`.
#[derive(Debug, Args)]
pub struct LockedArgs {
    /// Install (or verify) exactly what the lock file pins: no resolving of `latest`, no
    /// following of branches; other bytes are refused.
    #[arg(long)]
    pub locked: bool,
    /// With --locked: a source build whose bytes differ from the lock fails (default: a
    /// warning).
    #[arg(long)]
    pub strict: bool,
    /// The lock file (default: $HERO_ROOT/cfg/hero_svc.lock).
    #[arg(long, value_name = "FILE")]
    pub lock: Option<PathBuf>,
}

/// `build`, `install`, `upgrade`, `verify`.
#[derive(Debug, Args)]
pub struct InstallArgs {
    /// The services.
    #[command(flatten)]
    pub targets: Targets,
    /// Which version, how.
    #[command(flatten)]
    pub version: VersionArgs,
    /// The lock file to obey.
    #[command(flatten)]
    pub locked: LockedArgs,
}

/// `lock`.
#[derive(Debug, Args)]
pub struct LockArgs {
    /// The services (all when none is named).
    #[command(flatten)]
    pub targets: Targets,
    /// Which version, how (what to resolve).
    #[command(flatten)]
    pub version: VersionArgs,
    /// Only say whether locking again would change the lock file (exit 1 if it would);
    /// nothing is written.
    #[arg(long)]
    pub check: bool,
    /// Re-resolve only the services named and keep the others as the lock has them.
    #[arg(long, requires = "services")]
    pub update: bool,
    /// The lock file (default: $HERO_ROOT/cfg/hero_svc.lock).
    #[arg(long, value_name = "FILE")]
    pub lock: Option<PathBuf>,
}

/// `deploy`.
#[derive(Debug, Args)]
pub struct DeployArgs {
    /// The services.
    #[command(flatten)]
    pub targets: Targets,
    /// Which version, how.
    #[command(flatten)]
    pub version: VersionArgs,
    /// Leave the dependencies out.
    #[arg(long)]
    pub no_deps: bool,
    /// The lock file to obey.
    #[command(flatten)]
    pub locked: LockedArgs,
}

/// `start`.
#[derive(Debug, Args)]
pub struct StartArgs {
    /// The services.
    #[command(flatten)]
    pub targets: Targets,
    /// Leave the dependencies out.
    #[arg(long)]
    pub no_deps: bool,
}

/// `stop`, `restart`.
#[derive(Debug, Args)]
pub struct StopArgs {
    /// The services.
    #[command(flatten)]
    pub targets: Targets,
    /// Also what depends on the services (stopped first).
    #[arg(long)]
    pub with_dependents: bool,
}

/// `delete`.
#[derive(Debug, Args)]
pub struct DeleteArgs {
    /// The services.
    #[command(flatten)]
    pub targets: Targets,
    /// Also remove the binaries (never the system's).
    #[arg(long)]
    pub purge: bool,
}

/// An operation as the command line gave it: what, on which services, with which options.
#[derive(Debug)]
pub struct OperationArgs<'a> {
    /// The operation.
    pub operation: Operation,
    /// The services.
    pub targets: &'a Targets,
    /// `--mode`.
    pub mode: Option<InstallMode>,
    /// `--tag`.
    pub tag: Option<String>,
    /// `--no-deps`.
    pub no_deps: bool,
    /// `--with-dependents`.
    pub with_dependents: bool,
    /// `--purge`.
    pub purge: bool,
    /// `--locked`.
    pub locked: bool,
    /// `--strict`.
    pub strict: bool,
    /// `lock --check`.
    pub check: bool,
    /// `--lock FILE`, made absolute.
    pub lock_file: Option<PathBuf>,
}

impl<'a> OperationArgs<'a> {
    fn new(operation: Operation, targets: &'a Targets) -> Self {
        Self {
            operation,
            targets,
            mode: None,
            tag: None,
            no_deps: false,
            with_dependents: false,
            purge: false,
            locked: false,
            strict: false,
            check: false,
            lock_file: None,
        }
    }

    fn with_version(mut self, v: &VersionArgs) -> Self {
        self.mode = v.mode.map(InstallMode::from);
        self.tag = v.tag().map(str::to_string);
        self
    }

    fn with_lock_file(mut self, file: Option<&PathBuf>) -> Self {
        self.lock_file = file.map(|f| std::path::absolute(f).unwrap_or_else(|_| f.clone()));
        self
    }

    fn with_locked(mut self, l: &LockedArgs) -> Self {
        self.locked = l.locked;
        self.strict = l.strict;
        self.with_lock_file(l.lock.as_ref())
    }
}

/// The operations: each compiles into a plan the daemon runs.
#[derive(Debug, Subcommand)]
pub enum OperationCommand {
    /// Build from source and install.
    #[command(
        after_help = "Examples:\n  hero_svc build hero_books\n  hero_svc build --all --tag v0.3.2"
    )]
    Build(InstallArgs),
    /// Install (download a release, or build with --mode source).
    #[command(
        after_help = "Examples:\n  hero_svc install hero_books\n  hero_svc install --group base --mode source"
    )]
    Install(InstallArgs),
    /// Start, dependencies first, each gated on the previous one's health.
    #[command(
        after_help = "Examples:\n  hero_svc start hero_books\n  hero_svc start hero_books --no-deps"
    )]
    Start(StartArgs),
    /// Stop (with --with-dependents, what depends on them first).
    #[command(
        after_help = "Examples:\n  hero_svc stop --all\n  hero_svc stop hero_db --with-dependents"
    )]
    Stop(StopArgs),
    /// Stop, then start.
    #[command(
        after_help = "Examples:\n  hero_svc restart hero_books\n  hero_svc restart hero_db --with-dependents"
    )]
    Restart(StopArgs),
    /// Install a new version, restart on it, roll back if it is not healthy.
    #[command(
        after_help = "Examples:\n  hero_svc upgrade hero_books\n  hero_svc upgrade hero_books --tag v0.3.2"
    )]
    Upgrade(InstallArgs),
    /// Check the installed binaries (missing, modified, outdated).
    #[command(after_help = "Examples:\n  hero_svc verify --all")]
    Verify(InstallArgs),
    /// Stop and forget services (with --purge, remove their binaries too).
    #[command(
        after_help = "Examples:\n  hero_svc delete hero_books\n  hero_svc delete hero_books --purge"
    )]
    Delete(DeleteArgs),
    /// Install what is not up to date, (re)start what changed or is not running, wait until
    /// healthy — in dependency order. A second deploy is a no-op.
    #[command(
        after_help = "Examples:\n  hero_svc deploy --all\n  hero_svc deploy hero_books --mode source\n  hero_svc --catalog demo deploy --all"
    )]
    Deploy(DeployArgs),
    /// Pin every service to exact bytes in a lock file (release tags and asset sha256s,
    /// source commits and binary sha256s); `deploy --locked` then installs exactly that.
    #[command(
        after_help = "Examples:\n  hero_svc lock                          lock every service of the catalog\n  hero_svc lock --update hero_books      re-resolve one, keep the others\n  hero_svc lock --check                  exit 1 if locking again would change the file (CI)\n  hero_svc deploy --all --locked         install exactly what the lock pins"
    )]
    Lock(LockArgs),
}

/// What `plan` shows: an operation's plan, or the built-in sample's.
#[derive(Debug, Subcommand)]
pub enum PlanTarget {
    /// An operation.
    #[command(flatten)]
    Operation(OperationCommand),
    /// The built-in sample plan (no daemon needed).
    Sample,
}

impl OperationCommand {
    /// The operation and its options.
    pub fn operation(&self) -> OperationArgs<'_> {
        match self {
            Self::Build(a) => OperationArgs::new(Operation::Build, &a.targets)
                .with_version(&a.version)
                .with_locked(&a.locked),
            Self::Install(a) => OperationArgs::new(Operation::Install, &a.targets)
                .with_version(&a.version)
                .with_locked(&a.locked),
            Self::Upgrade(a) => OperationArgs::new(Operation::Upgrade, &a.targets)
                .with_version(&a.version)
                .with_locked(&a.locked),
            Self::Verify(a) => OperationArgs::new(Operation::Verify, &a.targets)
                .with_version(&a.version)
                .with_locked(&a.locked),
            Self::Deploy(a) => OperationArgs {
                no_deps: a.no_deps,
                ..OperationArgs::new(Operation::Deploy, &a.targets)
                    .with_version(&a.version)
                    .with_locked(&a.locked)
            },
            Self::Lock(a) => OperationArgs {
                check: a.check,
                ..OperationArgs::new(Operation::Lock, &a.targets)
                    .with_version(&a.version)
                    .with_lock_file(a.lock.as_ref())
            },
            Self::Start(a) => OperationArgs {
                no_deps: a.no_deps,
                ..OperationArgs::new(Operation::Start, &a.targets)
            },
            Self::Stop(a) => OperationArgs {
                with_dependents: a.with_dependents,
                ..OperationArgs::new(Operation::Stop, &a.targets)
            },
            Self::Restart(a) => OperationArgs {
                with_dependents: a.with_dependents,
                ..OperationArgs::new(Operation::Restart, &a.targets)
            },
            Self::Delete(a) => OperationArgs {
                purge: a.purge,
                ..OperationArgs::new(Operation::Delete, &a.targets)
            },
        }
    }
}

/// `plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The operation to plan, with its services and options.
    #[command(subcommand)]
    pub target: PlanTarget,
    /// How to show it.
    #[arg(long, global = true, value_enum, default_value_t = PlanFormatArg::Tree)]
    pub format: PlanFormatArg,
}

/// `run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Run the built-in sample plan (in $HERO_ROOT/var/hero_svc/sample; a second run is
    /// all up to date).
    #[arg(long, required = true)]
    pub sample: bool,
    /// Stop starting tasks after the first failure.
    #[arg(long)]
    pub fail_fast: bool,
    /// Where the sample writes (default: $HERO_ROOT/var/hero_svc/sample).
    #[arg(long)]
    pub dir: Option<PathBuf>,
}

/// `executions`.
#[derive(Debug, Args)]
pub struct ExecutionsArgs {
    /// What to do (list when absent).
    #[command(subcommand)]
    pub action: Option<ExecutionsAction>,
}

/// `executions show|cancel`.
#[derive(Debug, Subcommand)]
pub enum ExecutionsAction {
    /// List executions, newest first.
    List {
        /// At most this many.
        #[arg(short = 'n', long, default_value_t = 20)]
        limit: usize,
    },
    /// An execution's report: its tasks, durations, failures and critical path.
    Show {
        /// The execution id.
        id: String,
        /// How to show it: text, or svg (a Gantt chart of the run).
        #[arg(long, value_enum, default_value_t = ReportFormatArg::Text)]
        format: ReportFormatArg,
    },
    /// Cancel a running execution.
    Cancel {
        /// The execution id.
        id: String,
    },
}

/// Plan renderings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PlanFormatArg {
    /// An indented tree.
    Tree,
    /// Graphviz DOT.
    Dot,
    /// JSON.
    Json,
    /// An SVG picture of the DAG.
    Svg,
}

impl From<PlanFormatArg> for PlanFormat {
    fn from(f: PlanFormatArg) -> Self {
        match f {
            PlanFormatArg::Tree => PlanFormat::Tree,
            PlanFormatArg::Dot => PlanFormat::Dot,
            PlanFormatArg::Json => PlanFormat::Json,
            PlanFormatArg::Svg => PlanFormat::Svg,
        }
    }
}

/// Report renderings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportFormatArg {
    /// For people: tasks, durations, failures with their error chain and log tail, the
    /// critical path.
    Text,
    /// A Gantt chart of the run (one row per task, the critical path highlighted).
    Svg,
}

/// Install modes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ModeArg {
    /// Download release assets.
    Download,
    /// Build from source.
    Source,
    /// Use the system's binaries (services whose binaries the system has).
    System,
}

impl From<ModeArg> for InstallMode {
    fn from(m: ModeArg) -> Self {
        match m {
            ModeArg::Download => InstallMode::Download,
            ModeArg::Source => InstallMode::Source,
            ModeArg::System => InstallMode::System,
        }
    }
}

fn parse_progress(s: &str) -> Result<ProgressMode, String> {
    s.parse()
        .map_err(|e: super::reporter::ParseProgressModeError| e.to_string())
}
