//! [`Freshness`]: the answer of a task's freshness check.

/// Whether the output a task recorded last time is still there and valid. Both variants
/// carry the reason, because every skip and every re-run says why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Freshness {
    /// Up to date: nothing to do (e.g. `installed sha256 matches release asset`).
    Fresh(String),
    /// Must run again (e.g. `output missing: /home/me/hero/bin/x`).
    Stale(String),
}

impl Freshness {
    /// True when the task can be skipped.
    pub fn is_fresh(&self) -> bool {
        matches!(self, Freshness::Fresh(_))
    }
}
