//! `hero_svc plan`: shows the plan of an operation (asked of the daemon) or of the sample,
//! without running anything: as a tree, DOT, JSON or an SVG picture.

use crate::cli::{out, outln};
use std::path::PathBuf;

use crate::cli::args::{PlanArgs, PlanFormatArg, PlanTarget};
use crate::cli::sample::sample_plan;
use crate::cli::{Cli, ExitCode};

use super::connect::connect;
use super::operation::{check_targets, params};
use super::{report_client_error, report_error};

/// Renders the plan on stdout.
pub async fn plan(cli: &Cli, args: &PlanArgs) -> ExitCode {
    let op = match &args.target {
        PlanTarget::Sample => {
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
        }
        PlanTarget::Operation(op) => op.operation(),
    };
    if let Err(code) = check_targets(cli, "plan", op.targets) {
        return code;
    }
    let client = match connect(cli).await {
        Ok(c) => c,
        Err(code) => return code,
    };
    let mut p = params(cli, &op, true);
    if let Some(obj) = p.as_object_mut() {
        obj.remove("wait");
        obj.insert("operation".into(), op.operation.as_str().into());
        let format = match args.format {
            PlanFormatArg::Tree => "tree",
            PlanFormatArg::Dot => "dot",
            PlanFormatArg::Json => "json",
            PlanFormatArg::Svg => "svg",
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
        Err(e) => report_client_error(cli, &e),
    }
}
