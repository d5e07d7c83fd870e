//! [`Cli`]: the command-line arguments (clap).

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use super::reporter::ProgressMode;
use crate::graph::PlanFormat;

/// hero_svc: builds, installs, starts, stops, checks and upgrades the services of the Hero
/// stack. Every operation compiles into a plan of typed tasks run in parallel, in
/// dependency order.
#[derive(Debug, Parser)]
#[command(name = "hero_svc", version, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,

    /// How to show progress: auto (live lines on a terminal, plain otherwise), tty, plain,
    /// json (events as NDJSON), quiet.
    #[arg(long, global = true, default_value = "auto", value_parser = parse_progress)]
    pub progress: ProgressMode,

    /// Print the command's result as JSON on stdout (for operations: the execution report).
    #[arg(long, global = true)]
    pub json: bool,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show the plan of an operation without running it.
    Plan(PlanArgs),
    /// Run a plan here, with live progress.
    Run(RunArgs),
    /// Run the daemon: JSON-RPC on $PATH_SOCKET/hero_svc/rpc.sock, until SIGTERM.
    Serve,
}

/// `hero_svc plan`.
#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    /// The built-in sample plan (a three-service build-and-install in miniature).
    #[arg(long, required = true)]
    pub sample: bool,
    /// How to show it.
    #[arg(long, value_enum, default_value_t = PlanFormatArg::Tree)]
    pub format: PlanFormatArg,
}

/// `hero_svc run`.
#[derive(Debug, clap::Args)]
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

fn parse_progress(s: &str) -> Result<ProgressMode, String> {
    s.parse()
        .map_err(|e: super::reporter::ParseProgressModeError| e.to_string())
}
