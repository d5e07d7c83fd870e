//! [`ToyTask`]: the engine's own test task — the engine is tested with a task type of its
//! own, not with hero_svc's kinds, which it knows nothing of.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{
    Fingerprint, Freshness, PlanTask, ResourceClass, RetryPolicy, TaskContext, TaskError, TaskKey,
    TaskOutcome,
};

/// A task that waits a while, then succeeds with its name (or fails, or panics).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ToyTask {
    pub name: String,
    pub label: String,
    pub resource: ResourceClass,
    pub sleep: Duration,
    pub fails: bool,
    pub panics: bool,
    pub cached: bool,
    pub attempts: u32,
}

impl ToyTask {
    pub fn new(name: &str) -> Self {
        Self {
            name: name.to_string(),
            label: name.to_string(),
            resource: ResourceClass::Light,
            sleep: Duration::ZERO,
            fails: false,
            panics: false,
            cached: false,
            attempts: 1,
        }
    }

    pub fn label(mut self, label: &str) -> Self {
        self.label = label.to_string();
        self
    }

    pub fn sleep(mut self, d: Duration) -> Self {
        self.sleep = d;
        self
    }

    pub fn failing(mut self) -> Self {
        self.fails = true;
        self
    }

    pub fn panicking(mut self) -> Self {
        self.panics = true;
        self
    }

    pub fn cached(mut self) -> Self {
        self.cached = true;
        self
    }

    pub fn resource(mut self, class: ResourceClass) -> Self {
        self.resource = class;
        self
    }
}

/// What a toy task produces: the names of the tasks it saw done, its own last.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToyOutput(pub Vec<String>);

impl TaskOutcome for ToyOutput {
    fn digest(&self) -> Fingerprint {
        Fingerprint::of_bytes(self.0.join(",").as_bytes())
    }

    fn summary(&self) -> Option<String> {
        self.0.last().cloned()
    }
}

impl PlanTask for ToyTask {
    type Output = ToyOutput;
    type Env = ();

    fn kind(&self) -> &'static str {
        "toy"
    }

    fn key(&self) -> TaskKey {
        TaskKey::new(&self.name)
    }

    fn label(&self) -> String {
        self.label.clone()
    }

    fn resource(&self) -> ResourceClass {
        self.resource
    }

    fn fingerprint(&self, _ctx: &TaskContext<Self>) -> Option<Fingerprint> {
        self.cached.then(|| {
            let mut fp = Fingerprint::builder("toy");
            fp.field("name", self.name.as_bytes());
            fp.finish()
        })
    }

    async fn check_fresh(&self, _ctx: &TaskContext<Self>, _recorded: &ToyOutput) -> Freshness {
        Freshness::Fresh("toys do not change".to_string())
    }

    fn retry(&self) -> RetryPolicy {
        RetryPolicy::attempts(self.attempts, Duration::from_millis(1))
    }

    async fn run(&self, ctx: &TaskContext<Self>) -> Result<ToyOutput, TaskError> {
        if !self.sleep.is_zero() {
            tokio::time::sleep(self.sleep).await;
        }
        if self.panics {
            panic!("toy {} panics", self.name);
        }
        if self.fails {
            return Err(TaskError::new(format!("toy {} fails", self.name)).permanent());
        }
        let mut seen: Vec<String> = ctx.inputs().flat_map(|(_, o)| o.0.clone()).collect();
        seen.push(self.name.clone());
        Ok(ToyOutput(seen))
    }
}
