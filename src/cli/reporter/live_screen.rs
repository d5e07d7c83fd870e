//! [`LiveScreen`]: lines kept on a terminal and redrawn in place — the live board of a run,
//! `status --watch`.
//!
//! A redraw moves the cursor up over the lines on screen and rewrites only those that
//! changed (an unchanged line costs two bytes), inside synchronized output (`CSI ? 2026
//! h/l`: a terminal that knows it shows the frame at once, the others ignore it). The
//! cursor is hidden while the screen is live and shown again by [`end`](LiveScreen::end)
//! (also on drop). Callers keep every line narrower than the terminal: a wrapped line would
//! break the count of lines to move over.

use std::io::Write;

const HIDE_CURSOR: &str = "\x1b[?25l";
const SHOW_CURSOR: &str = "\x1b[?25h";
const SYNC_BEGIN: &str = "\x1b[?2026h";
const SYNC_END: &str = "\x1b[?2026l";

/// Lines redrawn in place on a terminal.
pub(crate) struct LiveScreen {
    out: Box<dyn Write + Send>,
    /// The lines on screen (the cursor is on the line below them).
    shown: Vec<String>,
    cursor_hidden: bool,
    ended: bool,
    frames: u64,
    bytes: u64,
    error: Option<std::io::Error>,
}

impl LiveScreen {
    /// A screen on `out`.
    pub(crate) fn new(out: Box<dyn Write + Send>) -> Self {
        Self {
            out,
            shown: Vec::new(),
            cursor_hidden: false,
            ended: false,
            frames: 0,
            bytes: 0,
            error: None,
        }
    }

    /// Shows `frame` in place of the lines on screen, rewriting those that changed.
    pub(crate) fn paint(&mut self, frame: &[String]) {
        if self.ended {
            return;
        }
        let mut buf = String::new();
        buf.push_str(SYNC_BEGIN);
        if !self.cursor_hidden {
            buf.push_str(HIDE_CURSOR);
            self.cursor_hidden = true;
        }
        if !self.shown.is_empty() {
            buf.push_str(&format!("\x1b[{}A", self.shown.len()));
        }
        for (i, line) in frame.iter().enumerate() {
            if self.shown.get(i) != Some(line) {
                buf.push_str("\r\x1b[2K");
                buf.push_str(line);
            }
            buf.push_str("\r\n");
        }
        if frame.len() < self.shown.len() {
            buf.push_str("\x1b[J");
        }
        buf.push_str(SYNC_END);
        self.write(buf.as_bytes());
        self.shown = frame.to_vec();
        self.frames += 1;
    }

    /// Leaves the lines on screen as they are, with the cursor back below them; nothing
    /// more is drawn.
    pub(crate) fn end(&mut self) {
        if self.ended {
            return;
        }
        self.ended = true;
        if self.cursor_hidden {
            self.write(SHOW_CURSOR.as_bytes());
            self.cursor_hidden = false;
        }
    }

    /// Writes `bytes` below the screen (the summary after a run).
    pub(crate) fn write(&mut self, bytes: &[u8]) {
        let written = self.out.write_all(bytes).and_then(|()| self.out.flush());
        match written {
            Ok(()) => self.bytes += bytes.len() as u64,
            Err(e) => {
                self.error.get_or_insert(e);
            }
        }
    }

    /// Frames drawn and bytes written.
    pub(crate) fn stats(&self) -> (u64, u64) {
        (self.frames, self.bytes)
    }

    /// The first write error, if any (taken).
    pub(crate) fn take_error(&mut self) -> Option<std::io::Error> {
        self.error.take()
    }
}

impl Drop for LiveScreen {
    fn drop(&mut self) {
        self.end();
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use super::LiveScreen;

    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Shared {
        fn take(&self) -> String {
            let mut buf = self.0.lock().unwrap();
            String::from_utf8(std::mem::take(&mut *buf)).unwrap()
        }
    }

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn lines(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_redraw_rewrites_only_the_lines_that_changed() {
        let out = Shared::default();
        let mut screen = LiveScreen::new(Box::new(out.clone()));
        screen.paint(&lines(&["header", "db  running", "web building"]));
        let first = out.take();
        assert!(first.starts_with("\x1b[?2026h\x1b[?25l"), "{first:?}");
        assert!(first.ends_with("\x1b[?2026l"), "{first:?}");
        assert!(first.contains("header") && first.contains("web building"));

        screen.paint(&lines(&["header", "db  running", "web running"]));
        let second = out.take();
        // Up over the three lines, two kept as they are, one rewritten.
        assert!(second.contains("\x1b[3A"), "{second:?}");
        assert!(second.contains("\r\x1b[2Kweb running\r\n"), "{second:?}");
        assert!(
            !second.contains("header") && !second.contains("db "),
            "{second:?}"
        );
        assert!(!second.contains("\x1b[?25l"), "the cursor is hidden once");

        // A shorter frame clears what is below it.
        screen.paint(&lines(&["header"]));
        assert!(out.take().contains("\x1b[J"));

        screen.write(b"summary\n");
        screen.end();
        assert_eq!(out.take(), "summary\n\x1b[?25h");
        // Nothing is drawn after the end, and the drop does not show the cursor twice.
        screen.paint(&lines(&["late"]));
        drop(screen);
        assert_eq!(out.take(), "");
    }
}
