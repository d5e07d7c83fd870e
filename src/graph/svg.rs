//! What the engine's SVG pictures share — the plan's DAG ([`Plan::to_svg`]) and a run's
//! Gantt chart ([`ExecutionReport::to_svg`]): text made safe for XML, coordinates that are
//! always finite numbers, and an estimate of how wide a text is.
//!
//! Both pictures are written by hand into a `String`; these helpers are the only place
//! that turns a task's label, key or error into markup, so no caller escapes on its own.
//!
//! [`Plan::to_svg`]: super::Plan::to_svg
//! [`ExecutionReport::to_svg`]: super::ExecutionReport::to_svg

use std::fmt;

/// `s` as XML character data or attribute value: `& < > " '` escaped, and every character
/// that XML 1.0 does not allow even escaped (most control characters, lone surrogates
/// cannot occur in a `str`, U+FFFE, U+FFFF) replaced by U+FFFD. Tabs and line breaks
/// become spaces: every text of the pictures is one line.
pub(super) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(' '),
            c if is_xml_char(c) => out.push(c),
            _ => out.push('\u{FFFD}'),
        }
    }
    out
}

/// Whether XML 1.0 allows `c` in a document (its `Char` production).
fn is_xml_char(c: char) -> bool {
    matches!(c, '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// At most `max` characters of `s`, with `…` in place of the rest.
pub(super) fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// The width of `s` in a sans-serif font of `font_px`, estimated: SVG has no text
/// metrics, so boxes are sized from the character count (0.6 em a character, generous for
/// lowercase, tight for capitals).
pub(super) fn text_width(s: &str, font_px: f64) -> f64 {
    s.chars().count() as f64 * font_px * 0.6
}

/// A coordinate as SVG writes it: one decimal at most, `0` for anything not finite.
#[derive(Clone, Copy, Debug)]
pub(super) struct Num(pub f64);

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = if self.0.is_finite() {
            (self.0 * 10.0).round() / 10.0
        } else {
            0.0
        };
        // `-0` and `1e21` are valid SVG numbers, but plain decimals read better.
        if v == 0.0 {
            f.write_str("0")
        } else if v.fract() == 0.0 && v.abs() < 1e15 {
            write!(f, "{}", v as i64)
        } else {
            write!(f, "{v:.1}")
        }
    }
}

/// What the tests of the pictures check on every SVG they make.
#[cfg(test)]
pub(super) mod check {
    /// Parses `svg` as XML and checks its frame: an `<svg>` root in the SVG namespace with
    /// a width, a height and a viewBox of four numbers.
    pub fn parse(svg: &str) -> roxmltree::Document<'_> {
        let doc = roxmltree::Document::parse(svg)
            .unwrap_or_else(|e| panic!("not well-formed XML: {e}\n{svg}"));
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "svg");
        assert_eq!(
            root.tag_name().namespace(),
            Some("http://www.w3.org/2000/svg")
        );
        for attr in ["width", "height"] {
            let v: f64 = root
                .attribute(attr)
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("no numeric {attr}"));
            assert!(v > 0.0, "{attr} = {v}");
        }
        let view_box: Vec<f64> = root
            .attribute("viewBox")
            .expect("a viewBox")
            .split_whitespace()
            .map(|n| n.parse().expect("a number"))
            .collect();
        assert_eq!(view_box.len(), 4);
        doc
    }

    /// The element with `data-key` = `key` (the parser has undone the escaping).
    pub fn by_key<'a, 'input>(
        doc: &'a roxmltree::Document<'input>,
        key: &str,
    ) -> roxmltree::Node<'a, 'input> {
        doc.descendants()
            .find(|n| n.attribute("data-key") == Some(key))
            .unwrap_or_else(|| panic!("no element for key {key:?}"))
    }

    /// The text of the first descendant `tag` of `node` with class `class` (any class when
    /// `None`).
    pub fn text_of<'a>(
        node: roxmltree::Node<'a, '_>,
        tag: &str,
        class: Option<&str>,
    ) -> Option<&'a str> {
        node.descendants()
            .find(|n| n.tag_name().name() == tag && class.is_none_or(|c| has_class(*n, c)))
            .and_then(|n| n.text())
    }

    /// Whether `node` has the class `class`.
    pub fn has_class(node: roxmltree::Node<'_, '_>, class: &str) -> bool {
        node.attribute("class")
            .is_some_and(|c| c.split_whitespace().any(|c| c == class))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_makes_any_text_xml() {
        assert_eq!(
            escape(r#"<a & "b" 'c'>"#),
            "&lt;a &amp; &quot;b&quot; &apos;c&apos;&gt;"
        );
        assert_eq!(
            escape("a\tb\nc\u{0}d\u{1b}e\u{FFFF}"),
            "a b c\u{FFFD}d\u{FFFD}e\u{FFFD}"
        );
        assert_eq!(escape("ünï ✗ 🦀"), "ünï ✗ 🦀");
    }

    #[test]
    fn shorten_keeps_short_text_and_marks_a_cut() {
        assert_eq!(shorten("abc", 3), "abc");
        assert_eq!(shorten("abcdef", 4), "abc…");
        assert_eq!(shorten("ééééé", 2), "é…");
    }

    #[test]
    fn numbers_are_finite_and_short() {
        assert_eq!(Num(12.0).to_string(), "12");
        assert_eq!(Num(12.345).to_string(), "12.3");
        assert_eq!(Num(-0.01).to_string(), "0");
        assert_eq!(Num(f64::NAN).to_string(), "0");
        assert_eq!(Num(f64::INFINITY).to_string(), "0");
        assert_eq!(Num(-3.0).to_string(), "-3");
    }
}
