//! supervisord in the harness: one `supervisord -n` with every service as a `[program]`
//! (`autostart=false`, `autorestart=true`, `startsecs=0`: it counts as running once
//! spawned). supervisord has no dependencies and no health checks (`priority` only orders
//! the starts of one `start all`, without waiting), so the bring-up is the driver of
//! [`crate::drive`] calling `supervisor.startProcess` over supervisord's XML-RPC socket —
//! the fastest way to ask it — as each service's dependencies become ready.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;

use crate::drive::{self, Starter};
use crate::manager::Manager;
use crate::shape::{Shape, Stack};

pub struct Supervisord {
    server: Child,
    socket: PathBuf,
}

impl Supervisord {
    /// Writes the config for every service of `stack` and starts `supervisord -n`.
    pub async fn start(program: &Path, dir: &Path, stack: &Stack) -> Result<Self, String> {
        let logs = dir.join("logs");
        std::fs::create_dir_all(&logs).map_err(|e| e.to_string())?;
        let socket = dir.join("supervisor.sock");
        let mut conf = format!(
            "[unix_http_server]\nfile={sock}\n\n\
             [supervisord]\nnodaemon=true\nlogfile={d}/supervisord.log\npidfile={d}/supervisord.pid\n\
             childlogdir={logs}\n\n\
             [rpcinterface:supervisor]\n\
             supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\n\
             [supervisorctl]\nserverurl=unix://{sock}\n\n",
            sock = socket.display(),
            d = dir.display(),
            logs = logs.display(),
        );
        for shape in stack.shapes() {
            for svc in &shape.services {
                conf.push_str(&format!(
                    "[program:{name}]\ncommand={cmd}\nautostart=false\nautorestart=true\n\
                     startsecs=0\nstartretries=100\nstopsignal=TERM\nstopwaitsecs=10\n\
                     stopasgroup=true\nkillasgroup=true\nredirect_stderr=true\n\
                     stdout_logfile={logs}/{name}.log\n\n",
                    name = svc.name,
                    cmd = stack.command_line(svc),
                    logs = logs.display(),
                ));
            }
        }
        let path = dir.join("supervisord.conf");
        std::fs::write(&path, conf).map_err(|e| e.to_string())?;
        let out = std::fs::File::create(dir.join("supervisord.out")).map_err(|e| e.to_string())?;
        let server = Command::new(program)
            .arg("-n")
            .arg("-c")
            .arg(&path)
            .stdin(Stdio::null())
            .stdout(out.try_clone().map_err(|e| e.to_string())?)
            .stderr(out)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", program.display()))?;
        let me = Self { server, socket };
        let until = Instant::now() + Duration::from_secs(20);
        while me.rpc("supervisor.getState", &[]).await.is_err() {
            if Instant::now() > until {
                return Err(format!(
                    "supervisord did not answer on {}",
                    me.socket.display()
                ));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Ok(me)
    }

    async fn rpc(&self, method: &str, params: &[Param]) -> Result<String, String> {
        xmlrpc(&self.socket, method, params).await
    }
}

/// An XML-RPC parameter.
pub enum Param {
    Str(String),
    Bool(bool),
}

/// One XML-RPC call over supervisord's unix socket; the response body, or the fault.
async fn xmlrpc(socket: &Path, method: &str, params: &[Param]) -> Result<String, String> {
    let mut body =
        format!("<?xml version=\"1.0\"?><methodCall><methodName>{method}</methodName><params>");
    for p in params {
        match p {
            Param::Str(s) => body.push_str(&format!(
                "<param><value><string>{s}</string></value></param>"
            )),
            Param::Bool(b) => body.push_str(&format!(
                "<param><value><boolean>{}</boolean></value></param>",
                u8::from(*b)
            )),
        }
    }
    body.push_str("</params></methodCall>");
    let request = format!(
        "POST /RPC2 HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut s = UnixStream::connect(socket)
        .await
        .map_err(|e| e.to_string())?;
    s.write_all(request.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    let mut answer = Vec::new();
    s.read_to_end(&mut answer)
        .await
        .map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&answer).into_owned();
    if !text.starts_with("HTTP/1.") || !text.contains(" 200 ") {
        return Err(format!(
            "{method}: {}",
            text.lines().next().unwrap_or("no answer")
        ));
    }
    if text.contains("<fault>") {
        return Err(format!("{method} failed: {text}"));
    }
    Ok(text)
}

impl Starter for Supervisord {
    async fn start(&mut self, names: Vec<String>) -> Result<(), String> {
        for n in names {
            self.rpc(
                "supervisor.startProcess",
                &[Param::Str(n), Param::Bool(false)],
            )
            .await?;
        }
        Ok(())
    }
}

impl Manager for Supervisord {
    fn name(&self) -> &'static str {
        "supervisord"
    }

    async fn up(&mut self, shape: &Shape) -> Result<Duration, String> {
        drive::bring_up(shape, false, self).await
    }

    async fn stop(&mut self, shape: &Shape) -> Result<(), String> {
        for n in shape.names() {
            self.rpc(
                "supervisor.stopProcess",
                &[Param::Str(n), Param::Bool(false)],
            )
            .await?;
        }
        Ok(())
    }

    async fn forget(&mut self, shape: &Shape) -> Result<(), String> {
        // Wait until supervisord itself has seen every process exit (state STOPPED), so the
        // next start of the same program is not refused as "already started".
        let until = Instant::now() + Duration::from_secs(10);
        for n in shape.names() {
            loop {
                let info = self
                    .rpc("supervisor.getProcessInfo", &[Param::Str(n.clone())])
                    .await?;
                if info.contains("<string>STOPPED</string>") || Instant::now() > until {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
        Ok(())
    }

    fn pids(&self) -> Vec<u32> {
        vec![self.server.id()]
    }

    fn restart_delay(&self) -> Option<Duration> {
        // supervisord restarts an exited program at once; it has no delay setting.
        Some(Duration::ZERO)
    }

    async fn shutdown(&mut self) {
        crate::measure::terminate(&mut self.server, Duration::from_secs(15)).await;
    }
}
