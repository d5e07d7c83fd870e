//! `hero_svc dashboard`: the URL of the admin dashboard. The daemon is started when none
//! runs; it is asked on its admin socket to listen on loopback TCP (it answers where it
//! already listens), and the URL with its token is printed.

use crate::cli::args::DashboardArgs;
use crate::cli::{Cli, ExitCode, outln};

use super::connect::connect;
use super::report_error;

/// Prints the dashboard's URL (`--json`: `{"addr", "url"}`).
pub async fn dashboard(cli: &Cli, args: &DashboardArgs) -> ExitCode {
    let client = match connect(cli).await {
        Ok(c) => c,
        Err(code) => return code,
    };
    let admin = client.socket().with_file_name("admin.sock");
    match crate::dashboard::ask_to_listen(&admin, &args.addr).await {
        Ok(endpoint) => {
            if cli.json {
                outln!("{}", serde_json::json!(endpoint));
            } else {
                outln!("{}", endpoint.url);
                eprintln!(
                    "the dashboard of {}: open the URL above in a browser on this machine (the token \
                     in it is sent once, then kept as a cookie)",
                    cli.program.name
                );
            }
            ExitCode::Success
        }
        Err(e @ crate::dashboard::DashboardError::Refused { .. }) => {
            report_error(&e);
            ExitCode::Usage
        }
        Err(e) => {
            report_error(&e);
            ExitCode::DaemonUnreachable
        }
    }
}
