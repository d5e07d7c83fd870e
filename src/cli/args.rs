//! [`Cli`]: the command-line arguments (clap).

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
    disable_version_flag = true,
    after_help = "Exit codes: 0 success, 1 the operation failed, 2 usage error, 3 daemon unreachable, 4 local error."
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

    /// How to show progress: auto (live lines on a terminal, plain otherwise), tty, plain,
    /// json (events as NDJSON), quiet.
    #[arg(long, global = true, default_value = "auto", value_parser = parse_progress)]
    pub progress: ProgressMode,

    /// Print the result as JSON on stdout (for operations: the execution report).
    #[arg(long, global = true)]
    pub json: bool,

    /// Install from release downloads or from source.
    #[arg(long, global = true, value_enum)]
    pub mode: Option<ModeArg>,

    /// The version to install: a release tag (latest, latest-dev, v0.3.2) or, with --mode
    /// source, a git tag.
    #[arg(long, global = true)]
    pub version: Option<String>,

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
    /// The state of services (all when none is named).
    Status(Names),
    /// Everything about one service: source, binaries, processes, sockets, installs, state.
    Inspect(One),
    /// Probe services' health now (all when none is named).
    Health(Names),
    /// A service's log lines.
    Logs(LogsArgs),
    /// Status, recent operations, log tail and the last failed report of a service.
    Troubleshoot(One),
    /// Build from source and install.
    Build(Targets),
    /// Install (download a release, or build with --mode source).
    Install(Targets),
    /// Start, dependencies first, each gated on the previous one's health.
    Start(Targets),
    /// Stop, dependents first.
    Stop(Targets),
    /// Stop, then start.
    Restart(Targets),
    /// Install a new version, restart on it, roll back if it is not healthy.
    Upgrade(Targets),
    /// Check the installed binaries (missing, modified, outdated).
    Verify(Targets),
    /// Stop and forget services (with --purge, remove their binaries too).
    Delete(Targets),
    /// Install what is not up to date, (re)start what changed or is not running, wait until
    /// healthy — in dependency order. A second deploy is a no-op.
    Deploy(Targets),
    /// Show the plan of an operation without running anything.
    Plan(PlanArgs),
    /// Run the built-in sample plan here, without the daemon.
    Run(RunArgs),
    /// Executions: list them, show one's report, cancel one.
    Executions(ExecutionsArgs),
    /// Run the daemon: JSON-RPC on $PATH_SOCKET/hero_svc/rpc.sock, until SIGTERM.
    Serve(ServeArgs),
    /// Print shell completions.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
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
}

/// Optional service names.
#[derive(Debug, Args)]
pub struct Names {
    /// Services (all when none).
    pub services: Vec<String>,
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

/// The services an operation is about, and its options.
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
    /// Leave the dependencies out (deploy, start).
    #[arg(long)]
    pub no_deps: bool,
    /// Also restart what depends on the services (restart).
    #[arg(long)]
    pub with_dependents: bool,
    /// Also remove the binaries (delete).
    #[arg(long)]
    pub purge: bool,
    /// Start the operation and print its execution id without waiting.
    #[arg(long)]
    pub detach: bool,
}

/// `plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The operation (build, install, start, stop, restart, upgrade, verify, delete,
    /// deploy); not with --sample.
    #[arg(required_unless_present = "sample", value_parser = parse_operation)]
    pub operation: Option<Operation>,
    /// The services, and the operation's options.
    #[command(flatten)]
    pub targets: Targets,
    /// How to show it.
    #[arg(long, value_enum, default_value_t = PlanFormatArg::Tree)]
    pub format: PlanFormatArg,
    /// The built-in sample plan instead (no daemon needed).
    #[arg(long, conflicts_with = "operation")]
    pub sample: bool,
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
    /// An execution's report.
    Show {
        /// The execution id.
        id: String,
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
}

impl From<PlanFormatArg> for PlanFormat {
    fn from(f: PlanFormatArg) -> Self {
        match f {
            PlanFormatArg::Tree => PlanFormat::Tree,
            PlanFormatArg::Dot => PlanFormat::Dot,
            PlanFormatArg::Json => PlanFormat::Json,
        }
    }
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

fn parse_operation(s: &str) -> Result<Operation, String> {
    s.parse()
}
