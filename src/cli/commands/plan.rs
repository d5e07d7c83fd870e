//! `hero_svc plan`: shows a plan without running it.

use std::path::PathBuf;

use crate::cli::ExitCode;
use crate::cli::args::PlanArgs;
use crate::cli::sample::sample_plan;
use crate::paths::HeroPaths;

use super::report_error;

/// Renders the plan on stdout.
pub fn plan(args: &PlanArgs) -> ExitCode {
    let dir = HeroPaths::from_env()
        .map(|p| p.state_dir().join("sample"))
        .unwrap_or_else(|_| PathBuf::from("sample"));
    match sample_plan(&dir) {
        Ok(plan) => {
            print!("{}", plan.render(args.format.into()));
            ExitCode::Success
        }
        Err(e) => {
            report_error(&e);
            ExitCode::Usage
        }
    }
}
