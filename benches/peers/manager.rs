//! [`Manager`]: what the harness asks of each process manager, and the workloads it runs
//! through it.

use std::time::{Duration, Instant};

use crate::measure::{self, Health, ProcSample};
use crate::shape::{Shape, Stack};

/// One process manager under test, running in its own temp dir.
pub(crate) trait Manager {
    /// Its name in the table.
    fn name(&self) -> &'static str;
    /// Starts every service of `shape` (none runs); the time from the request until the
    /// manager — or the script driving it — knows all of them are ready.
    async fn up(&mut self, shape: &Shape) -> Result<Duration, String>;
    /// Asks the manager to stop every service of `shape`; the harness waits for the
    /// processes to be gone.
    async fn stop(&mut self, shape: &Shape) -> Result<(), String>;
    /// Forgets the (stopped) services of `shape`, where the manager keeps definitions.
    async fn forget(&mut self, _shape: &Shape) -> Result<(), String> {
        Ok(())
    }
    /// The manager's own processes (for RSS and CPU); empty when there is no manager.
    fn pids(&self) -> Vec<u32>;
    /// The delay before a restart after a crash, when the manager restarts at all.
    fn restart_delay(&self) -> Option<Duration>;
    /// Stops the manager itself.
    async fn shutdown(&mut self);
}

/// What one manager measured.
#[derive(Clone, Debug, Default)]
pub struct Figures {
    /// Bring-up of the chain and the fan: every run, in milliseconds.
    pub chain: Vec<f64>,
    pub fan: Vec<f64>,
    /// The manager's RSS (MiB) and CPU (% of one core) with 30 idle services.
    pub idle: Option<(f64, f64)>,
    /// Stop of the 30: until every process was gone, in milliseconds.
    pub stop: Option<f64>,
    /// SIGKILL to ready again, milliseconds, one per killed service.
    pub kill: Vec<f64>,
    /// Its restart delay.
    pub restart_delay: Option<Duration>,
    /// What went wrong, when something did.
    pub error: Option<String>,
}

/// The harness's settings.
#[derive(Clone, Debug)]
pub struct Settings {
    pub runs: usize,
    pub idle_for: Duration,
    pub kills: usize,
}

/// Runs every workload through `m`; a failure ends its workloads and is reported.
pub(crate) async fn run<M: Manager>(m: &mut M, stack: &Stack, settings: &Settings) -> Figures {
    let mut f = Figures {
        restart_delay: m.restart_delay(),
        ..Figures::default()
    };
    if let Err(e) = workloads(m, stack, settings, &mut f).await {
        eprintln!("{}: {e}", m.name());
        f.error = Some(e);
    }
    m.shutdown().await;
    f
}

async fn workloads<M: Manager>(
    m: &mut M,
    stack: &Stack,
    settings: &Settings,
    f: &mut Figures,
) -> Result<(), String> {
    for shape in [&stack.chain, &stack.fan] {
        for run in 0..settings.runs {
            let took = m.up(shape).await?;
            let ms = took.as_secs_f64() * 1000.0;
            eprintln!("{} {} run {}: {ms:.1} ms", m.name(), shape.name, run + 1);
            if shape.name == "chain" {
                f.chain.push(ms);
            } else {
                f.fan.push(ms);
            }
            down(m, shape).await?;
        }
    }

    // Thirty idle services.
    m.up(&stack.idle).await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let pids = m.pids();
    if !pids.is_empty() {
        let before = measure::sample_all(&pids);
        tokio::time::sleep(settings.idle_for).await;
        let after: ProcSample = measure::sample_all(&pids);
        let cpu = (after.cpu.saturating_sub(before.cpu)).as_secs_f64()
            / settings.idle_for.as_secs_f64()
            * 100.0;
        f.idle = Some((after.rss_kib as f64 / 1024.0, cpu));
        eprintln!("{} idle: {:?}", m.name(), f.idle);
    }

    // A service killed with SIGKILL, one per service so no restart backoff has grown.
    if m.restart_delay().is_some() {
        for svc in stack.idle.services.iter().take(settings.kills) {
            let Health::Ready(pid) = measure::health(svc.port).await else {
                return Err(format!("{} is not ready before the kill", svc.name));
            };
            let t = Instant::now();
            measure::signal(pid, libc::SIGKILL);
            let back = measure::wait_ready(
                svc.port,
                Some(pid),
                Duration::from_millis(1),
                Duration::from_secs(30),
            )
            .await;
            if back.is_none() {
                return Err(format!("{} did not come back within 30 s", svc.name));
            }
            let ms = t.elapsed().as_secs_f64() * 1000.0;
            eprintln!("{} kill {}: back in {ms:.1} ms", m.name(), svc.name);
            f.kill.push(ms);
        }
        // Let the restarted ones settle before the stop.
        tokio::time::sleep(Duration::from_millis(500)).await;
    }

    // Stop all thirty: until every process is gone.
    let mut pids = Vec::new();
    for svc in &stack.idle.services {
        match measure::health(svc.port).await {
            Health::Ready(pid) => pids.push(pid),
            other => return Err(format!("{} is {other:?} before the stop", svc.name)),
        }
    }
    let t = Instant::now();
    m.stop(&stack.idle).await?;
    if !measure::wait_gone(&pids, Duration::from_secs(30)).await {
        return Err("the 30 services were not all gone 30 s after the stop".into());
    }
    f.stop = Some(t.elapsed().as_secs_f64() * 1000.0);
    m.forget(&stack.idle).await?;
    Ok(())
}

/// Stops `shape`, waits until its processes are gone, forgets it.
async fn down<M: Manager>(m: &mut M, shape: &Shape) -> Result<(), String> {
    let mut pids = Vec::new();
    for svc in &shape.services {
        if let Health::Ready(pid) = measure::health(svc.port).await {
            pids.push(pid);
        }
    }
    m.stop(shape).await?;
    if !measure::wait_gone(&pids, Duration::from_secs(30)).await {
        return Err(format!(
            "the {} services were not gone 30 s after the stop",
            shape.name
        ));
    }
    m.forget(shape).await?;
    // Nothing may still answer on the shape's ports.
    for svc in &shape.services {
        if measure::health(svc.port).await != Health::Down {
            return Err(format!("{} still answers after the stop", svc.name));
        }
    }
    Ok(())
}
