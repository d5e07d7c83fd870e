//! [`TtyReporter`]: the live display on a terminal — the [`Board`]'s frame, redrawn in
//! place.
//!
//! - **Rate-limited**: a change is drawn within [`MIN_FRAME`] (at most 10 frames a second);
//!   while only time passes, a ticker moves the spinners and elapsed times every [`TICK`].
//! - **Only what changed, atomically, tidily** ([`LiveScreen`]): a redraw rewrites the lines
//!   that differ from the last frame inside synchronized output; the cursor is hidden while
//!   the display is live and shown again when it ends — by
//!   [`finish`](TtyReporter::finish), [`abort`](TtyReporter::abort) (Ctrl-C) or drop.
//! - **Never wraps**: the frame is cut to the terminal's width and height (read at every
//!   redraw, so a resized terminal is followed).
//!
//! After the run, the final frame stays on screen (services that were up to date share a
//! line) and the summary follows: failures in full, what did not run, the critical path on
//! one line.

use std::io::Write;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::ReporterError;
use super::board::Board;
use super::live_screen::LiveScreen;
use super::summary::render_tty_summary;
use crate::graph::{Event, EventKind, ExecutionReport};

/// The shortest time between two frames (what changed is shown within it).
pub(crate) const MIN_FRAME: Duration = Duration::from_millis(100);
/// How often the display moves on when only time passes (spinners, elapsed times).
pub(crate) const TICK: Duration = Duration::from_millis(250);

/// How the terminal is sized: `(columns, lines)`.
pub(crate) type SizeFn = Box<dyn Fn() -> (usize, usize) + Send + Sync>;

/// Draws a run's board on a terminal.
pub(crate) struct TtyReporter {
    shared: Arc<Shared>,
    ticker: Mutex<Option<std::thread::JoinHandle<()>>>,
}

struct Shared {
    state: Mutex<State>,
    wake: Condvar,
}

struct State {
    board: Board,
    screen: LiveScreen,
    size: SizeFn,
    color: bool,
    /// When the run's first event arrived here (the board's clock for live frames).
    epoch: Option<(Instant, u64)>,
    last_frame: Option<Instant>,
    dirty: bool,
    done: bool,
}

impl TtyReporter {
    /// A display on `out`, sized by `size`, in colour or not.
    pub(crate) fn new(out: Box<dyn Write + Send>, size: SizeFn, color: bool) -> Self {
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                board: Board::default(),
                screen: LiveScreen::new(out),
                size,
                color,
                epoch: None,
                last_frame: None,
                dirty: false,
                done: false,
            }),
            wake: Condvar::new(),
        });
        let ticking = shared.clone();
        let ticker = std::thread::Builder::new()
            .name("tty-progress".to_string())
            .spawn(move || ticking.tick_until_done())
            .ok();
        Self {
            shared,
            ticker: Mutex::new(ticker),
        }
    }

    /// Takes in one event; the next frame shows it.
    pub(crate) fn on_event(&self, event: &Event) {
        let mut state = self.shared.lock();
        if state.done {
            return;
        }
        if state.epoch.is_none() {
            state.epoch = Some((Instant::now(), event.elapsed_us));
        }
        state.board.apply(event);
        state.dirty = true;
        // The first frame at once; later ones on the ticker's beat.
        if matches!(event.kind, EventKind::RunStarted { .. }) && state.last_frame.is_none() {
            state.draw();
        }
        self.shared.wake.notify_one();
    }

    /// Shows `text` under the header until the run ends.
    pub(crate) fn note(&self, text: &str) {
        let mut state = self.shared.lock();
        state.board.note(text);
        state.dirty = true;
        self.shared.wake.notify_one();
    }

    /// Ends the display: the final frame, the cursor back, then the summary.
    pub(crate) fn finish(&self, report: &ExecutionReport) -> Result<(), ReporterError> {
        let mut state = self.shared.lock();
        state.end();
        let (width, _) = (state.size)();
        let summary = render_tty_summary(report, width.max(20) - 1);
        if !summary.is_empty() {
            let text = format!("\n{summary}");
            state.screen.write(text.as_bytes());
        }
        let result = match state.screen.take_error() {
            Some(e) => Err(ReporterError::Write(e)),
            None => Ok(()),
        };
        drop(state);
        self.stop_ticker();
        result
    }

    /// Ends the display at once (an interrupted command): the frame as it is, the cursor
    /// back.
    pub(crate) fn abort(&self) {
        self.shared.lock().end();
        self.stop_ticker();
    }

    /// Frames drawn and bytes written so far.
    pub(crate) fn stats(&self) -> (u64, u64) {
        self.shared.lock().screen.stats()
    }

    fn stop_ticker(&self) {
        self.shared.wake.notify_all();
        let handle = self
            .ticker
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(h) = handle {
            let _ = h.join();
        }
    }
}

impl Drop for TtyReporter {
    fn drop(&mut self) {
        self.abort();
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Redraws on the beat while the display lives: when something changed, and while
    /// anything runs (spinners and elapsed times move).
    fn tick_until_done(&self) {
        let mut state = self.lock();
        loop {
            if state.done {
                return;
            }
            let beat = if state.dirty {
                Some(MIN_FRAME)
            } else if state.board_is_live() {
                Some(TICK)
            } else {
                None
            };
            let now = Instant::now();
            let due = match (beat, state.last_frame) {
                (Some(beat), Some(last)) => last + beat,
                (Some(_), None) => now,
                (None, _) => now + TICK,
            };
            if now >= due && beat.is_some() {
                state.draw();
                continue;
            }
            state = self
                .wake
                .wait_timeout(
                    state,
                    due.saturating_duration_since(now)
                        .max(Duration::from_millis(5)),
                )
                .map(|(g, _)| g)
                .unwrap_or_else(|e| e.into_inner().0);
        }
    }
}

impl State {
    fn board_is_live(&self) -> bool {
        self.epoch.is_some() && !self.board.is_finished()
    }

    /// The board's clock now: the last event's time, moved on by the wall clock since.
    fn now_us(&self) -> u64 {
        match self.epoch {
            Some((at, first_us)) => {
                let wall = first_us + at.elapsed().as_micros() as u64;
                wall.max(self.board.last_event_us())
            }
            None => 0,
        }
    }

    fn draw(&mut self) {
        let (width, height) = (self.size)();
        let frame = self.board.frame(self.now_us(), width, height, self.color);
        self.screen.paint(&frame);
        self.last_frame = Some(Instant::now());
        self.dirty = false;
    }

    /// The final frame and the cursor back; nothing more is drawn.
    fn end(&mut self) {
        if self.done {
            return;
        }
        if self.epoch.is_some() {
            self.draw();
        }
        self.done = true;
        self.screen.end();
    }
}
