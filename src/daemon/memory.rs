//! Keeping the daemon's resident memory small: it runs for weeks beside the services it
//! manages, and bursts (a deploy's build logs, hundreds of clients at once) should not stay
//! resident after they pass.
//!
//! On glibc, every thread that meets contention gets its own malloc arena, and freed memory
//! stays in the arenas. [`limit_arenas`] caps them at two; [`trim_periodically`] hands
//! freed memory back to the kernel. Elsewhere both do nothing.

use std::time::Duration;

/// How often freed memory is returned.
const TRIM_EVERY: Duration = Duration::from_secs(5);

/// Caps glibc's malloc arenas at two (call early, before worker threads allocate).
pub fn limit_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator tuning; any value is accepted or refused.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

/// Returns freed heap memory to the kernel every few seconds, until the runtime ends.
pub fn trim_periodically() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    tokio::spawn(async {
        let mut tick = tokio::time::interval(TRIM_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            // SAFETY: malloc_trim only releases free memory; it is thread-safe.
            unsafe {
                libc::malloc_trim(0);
            }
        }
    });
}
