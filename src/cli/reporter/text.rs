//! Text helpers shared by the reporters: durations for people, and log lines made safe
//! to put on one terminal line.

/// A duration for people: `12ms`, `1.2s`, `2m05s`.
pub fn format_duration_ms(ms: f64) -> String {
    if !ms.is_finite() || ms < 0.0 {
        return "?".to_string();
    }
    if ms < 1000.0 {
        return format!("{ms:.0}ms");
    }
    let secs = ms / 1000.0;
    if secs < 60.0 {
        return format!("{secs:.1}s");
    }
    let whole = secs.round() as u64;
    format!("{}m{:02}s", whole / 60, whole % 60)
}

/// One line of a task's output as it may be shown: escape sequences (colours, cursor
/// moves) removed, tabs turned into spaces, other control characters dropped, and
/// surrounding whitespace trimmed. A carriage return keeps only what follows it (the way a
/// terminal would show a line that redraws itself).
pub(crate) fn clean_line(line: &str) -> String {
    let line = line.trim_end_matches(['\r', '\n']);
    let line = line.rsplit('\r').next().unwrap_or(line);
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => {
                // CSI: ESC [ params final-byte; other escapes: ESC + one char.
                if chars.peek() == Some(&'[') {
                    chars.next();
                    for c in chars.by_ref() {
                        if ('@'..='~').contains(&c) {
                            break;
                        }
                    }
                } else {
                    chars.next();
                }
            }
            '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out.trim().to_string()
}

/// `text` cut to at most `width` terminal columns (escape sequences kept, wide characters
/// counted as two), with `…` marking a cut.
pub(crate) fn cut(text: &str, width: usize) -> std::borrow::Cow<'_, str> {
    if console::measure_text_width(text) <= width {
        return std::borrow::Cow::Borrowed(text);
    }
    if width == 0 {
        return std::borrow::Cow::Borrowed("");
    }
    console::truncate_str(text, width, "…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(format_duration_ms(0.4), "0ms");
        assert_eq!(format_duration_ms(12.3), "12ms");
        assert_eq!(format_duration_ms(1190.0), "1.2s");
        assert_eq!(format_duration_ms(59_940.0), "59.9s");
        assert_eq!(format_duration_ms(125_000.0), "2m05s");
        assert_eq!(format_duration_ms(f64::NAN), "?");
    }

    #[test]
    fn cutting_counts_columns_and_keeps_what_fits() {
        assert_eq!(cut("short", 5), "short");
        assert_eq!(cut("abcdefghij", 5), "abcd…");
        assert_eq!(cut("abc", 0), "");
        assert_eq!(cut("日本語", 4), "日…");
        let red = "\u{1b}[31mred text\u{1b}[0m";
        assert_eq!(cut(red, 8), red);
    }

    #[test]
    fn lines_lose_escapes_and_control_characters() {
        assert_eq!(
            clean_line("\u{1b}[1m\u{1b}[32m   Compiling\u{1b}[0m foo\tv1\r\n"),
            "Compiling foo v1"
        );
        assert_eq!(clean_line("10%\r50%\r90%"), "90%");
        assert_eq!(clean_line("a\u{7}b"), "ab");
    }
}
