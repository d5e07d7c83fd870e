//! Collecting events of a run for assertions.

use std::sync::{Arc, Mutex};

use hero_svc::graph::{Event, EventSink};

/// Collects every event of a run.
#[derive(Clone, Default)]
pub struct Collector(Arc<Mutex<Vec<Event>>>);

impl Collector {
    pub fn new() -> Self {
        Self::default()
    }

    /// A sink that appends to this collector.
    pub fn sink(&self) -> EventSink {
        let inner = self.0.clone();
        Arc::new(move |e: &Event| inner.lock().unwrap().push(e.clone()))
    }

    /// Everything collected so far.
    pub fn events(&self) -> Vec<Event> {
        self.0.lock().unwrap().clone()
    }
}
