//! `web_stack`: another stack's program built on hero_svc, managing third-party software.
//!
//! Three services, none of them Hero-shaped:
//!
//! - `redis`: Debian's `/usr/bin/redis-server` (the system's binary: checked, never built),
//!   with a config file, healthy when `redis-cli ping` answers `PONG`;
//! - `visits`: a small Rust web app (`visits/` next to this file) built from source from a
//!   git repository, one package with a feature, `--locked`; it needs redis;
//! - `nginx`: Debian's `/usr/sbin/nginx` in front of the app, with its config and a page.
//!
//! ```text
//! WEB_STACK_VISITS_GIT=/path/to/visits.git cargo run --example web_stack -- deploy --all
//! ```
//!
//! `WEB_STACK_VISITS_GIT` is the app's repository (a path or URL), `WEB_STACK_PORT` the
//! first of the three ports (redis; the app and nginx take the next two; 16379 when unset).
//! The program gets the whole CLI (`web_stack status`, `logs`, `stop --with-dependents`, …)
//! and a daemon of its own under `$HERO_ROOT` (`var/web_stack`).

use std::path::PathBuf;

use hero_svc::cli::Program;
use hero_svc::health::Probe;
use hero_svc::services::{
    Binary, Catalog, InstallPolicy, Service, ServiceContext, ServiceError, Source,
};
use hero_svc::supervisor::ProcessSpec;
use hero_svc::tasks::{GitRef, WriteFile};

/// The ports of the three services.
#[derive(Clone, Copy)]
struct Ports {
    redis: u16,
    visits: u16,
    nginx: u16,
}

/// Where a service keeps its files: `$HERO_ROOT/var/<service>`.
fn dir(ctx: &ServiceContext, service: &str) -> PathBuf {
    ctx.paths.var.join(service)
}

struct Redis(Ports);

impl Service for Redis {
    fn name(&self) -> &str {
        "redis"
    }
    fn description(&self) -> &str {
        "Redis from the system's package"
    }
    fn binaries(&self) -> Vec<Binary> {
        vec![Binary::server("redis-server").at("/usr/bin/redis-server")]
    }
    fn ports(&self) -> Vec<u16> {
        vec![self.0.redis]
    }
    fn config_files(&self, ctx: &ServiceContext) -> Result<Vec<WriteFile>, ServiceError> {
        let d = dir(ctx, "redis");
        let conf = format!(
            "port {}\nbind 127.0.0.1\ndaemonize no\nlogfile \"\"\nsave \"\"\nappendonly no\ndir {}\n",
            self.0.redis,
            d.display()
        );
        Ok(vec![WriteFile::new(d.join("redis.conf"), conf)])
    }
    fn processes(&self, ctx: &ServiceContext) -> Result<Vec<ProcessSpec>, ServiceError> {
        let conf = dir(ctx, "redis").join("redis.conf");
        Ok(vec![
            ProcessSpec::new("redis-server", "/usr/bin/redis-server")
                .args([conf.display().to_string()]),
        ])
    }
    fn health_probe(&self, _ctx: &ServiceContext) -> Option<Probe> {
        let port = self.0.redis.to_string();
        Some(Probe::exec(["redis-cli", "-p", &port, "ping"]).expecting("PONG"))
    }
}

struct Visits(Ports, String);

impl Service for Visits {
    fn name(&self) -> &str {
        "visits"
    }
    fn description(&self) -> &str {
        "the visit counter, built from source"
    }
    fn source(&self) -> Source {
        Source::git(&self.1, GitRef::Branch("main".to_string()))
            .package("visits")
            .features(["redis"])
            .locked()
    }
    fn binaries(&self) -> Vec<Binary> {
        vec![Binary::server("visits")]
    }
    fn install_policy(&self) -> InstallPolicy {
        InstallPolicy::Source
    }
    fn dependencies(&self) -> Vec<String> {
        vec!["redis".to_string()]
    }
    fn ports(&self) -> Vec<u16> {
        vec![self.0.visits]
    }
    fn processes(&self, ctx: &ServiceContext) -> Result<Vec<ProcessSpec>, ServiceError> {
        let (port, redis) = (self.0.visits, format!("127.0.0.1:{}", self.0.redis));
        Ok(vec![
            ProcessSpec::new("visits", ctx.paths.binary("visits")).args([
                "--port",
                &port.to_string(),
                "--redis",
                &redis,
            ]),
        ])
    }
    fn health_probe(&self, _ctx: &ServiceContext) -> Option<Probe> {
        Some(Probe::http_tcp(format!(
            "http://127.0.0.1:{}/health",
            self.0.visits
        )))
    }
}

struct Nginx(Ports);

impl Service for Nginx {
    fn name(&self) -> &str {
        "nginx"
    }
    fn description(&self) -> &str {
        "nginx from the system's package, in front of the app"
    }
    fn binaries(&self) -> Vec<Binary> {
        vec![Binary::server("nginx").at("/usr/sbin/nginx")]
    }
    fn dependencies(&self) -> Vec<String> {
        vec!["visits".to_string()]
    }
    fn ports(&self) -> Vec<u16> {
        vec![self.0.nginx]
    }
    fn config_files(&self, ctx: &ServiceContext) -> Result<Vec<WriteFile>, ServiceError> {
        let d = dir(ctx, "nginx");
        let conf = format!(
            "daemon off;\nworker_processes 1;\npid {d}/nginx.pid;\nerror_log stderr;\n\
             events {{ worker_connections 64; }}\n\
             http {{\n  access_log off;\n  client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n\
             \x20 server {{\n    listen 127.0.0.1:{};\n    root {d}/html;\n\
             \x20   location /visits {{ proxy_pass http://127.0.0.1:{}/; }}\n  }}\n}}\n",
            self.0.nginx,
            self.0.visits,
            d = d.display()
        );
        Ok(vec![
            WriteFile::new(d.join("nginx.conf"), conf),
            // The page is the user's once written; nginx's workers must be able to read it.
            WriteFile::new(d.join("html/index.html"), "<h1>web_stack</h1>\n")
                .if_missing()
                .mode(0o644),
        ])
    }
    fn processes(&self, ctx: &ServiceContext) -> Result<Vec<ProcessSpec>, ServiceError> {
        let d = dir(ctx, "nginx");
        let conf = d.join("nginx.conf").display().to_string();
        let spec = ProcessSpec::new("nginx", "/usr/sbin/nginx").args(["-e", "stderr", "-c", &conf]);
        Ok(vec![spec])
    }
    fn health_probe(&self, _ctx: &ServiceContext) -> Option<Probe> {
        Some(Probe::http_tcp(format!(
            "http://127.0.0.1:{}/",
            self.0.nginx
        )))
    }
}

/// The `web` catalog.
fn catalog() -> Catalog {
    let port: u16 = std::env::var("WEB_STACK_PORT").map_or(16379, |p| p.parse().unwrap_or(16379));
    let (redis, visits, nginx) = (port, port + 1, port + 2);
    let ports = Ports {
        redis,
        visits,
        nginx,
    };
    let git = std::env::var("WEB_STACK_VISITS_GIT").unwrap_or_else(|_| "visits.git".to_string());
    Catalog::new("web")
        .service(Redis(ports))
        .service(Visits(ports, git))
        .service(Nginx(ports))
        .group("backend", &["redis", "visits"])
}

fn main() {
    Program::new("web_stack")
        .about("web_stack: redis, a visit counter and nginx, managed by hero_svc.")
        .catalog(catalog())
        .main()
}
