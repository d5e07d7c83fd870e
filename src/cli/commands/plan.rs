//! `hero_svc plan`: shows the plan of an operation (asked of the daemon) or of the sample,
//! without running anything.

use crate::cli::{out, outln};
use std::path::PathBuf;

use crate::cli::args::{PlanArgs, PlanFormatArg};
use crate::cli::sample::sample_plan;
use crate::cli::{Cli, ExitCode};

use super::connect::connect;
use super::operation::{check_targets, params};
use super::{report_client_error, report_error};

/// Renders the plan on stdout.
pub async fn plan(cli: &Cli, args: &PlanArgs) -> ExitCode {
    let Some(operation) = args.operation.filter(|_| !args.sample) else {
        let dir = cli
            .program
            .paths()
            .map(|p| p.state_dir().join("sample"))
            .unwrap_or_else(|_| PathBuf::from("sample"));
        return match sample_plan(&dir) {
            Ok(plan) => {
                out!("{}", plan.render(args.format.into()));
                ExitCode::Success
            }
            Err(e) => {
                report_error(&e);
                ExitCode::Usage
            }
        };
    };
    if let Err(code) = check_targets(cli, "plan", &args.targets) {
        return code;
    }
    let client = match connect(cli).await {
        Ok(c) => c,
        Err(code) => return code,
    };
    let mut p = params(cli, &args.targets, true);
    if let Some(obj) = p.as_object_mut() {
        obj.remove("wait");
        obj.insert("operation".into(), operation.as_str().into());
        let format = match args.format {
            PlanFormatArg::Tree => "tree",
            PlanFormatArg::Dot => "dot",
            PlanFormatArg::Json => "json",
        };
        obj.insert("format".into(), format.into());
    }
    match client.call("service.plan", p).await {
        Ok(v) => {
            match (args.format, v["rendered"].as_str()) {
                (PlanFormatArg::Json, _) | (_, None) => outln!(
                    "{}",
                    serde_json::to_string_pretty(&v["plan"]).unwrap_or_default()
                ),
                (_, Some(r)) => out!("{r}"),
            }
            ExitCode::Success
        }
        Err(e) => report_client_error(&e),
    }
}
