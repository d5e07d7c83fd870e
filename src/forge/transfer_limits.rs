//! How long one attempt of a forge transfer may take: [`MinRate`] (bytes per second,
//! averaged over a window) and the per-attempt deadline, and how both are written in the
//! environment (`HERO_SVC_DOWNLOAD_MIN_RATE`, `HERO_SVC_DOWNLOAD_RATE_WINDOW`,
//! `HERO_SVC_DOWNLOAD_TIMEOUT`).
//!
//! The idle timeout alone does not bound a transfer: a server that sends one byte every
//! 20 s never stays silent for 30 s. The minimum rate catches such a trickle within about
//! one window; the deadline bounds an attempt whatever the rate. The client's
//! `TransferWatch` (`transfer_watch.rs`) enforces both while bytes arrive.

use std::fmt;
use std::time::Duration;

/// Names the minimum rate in bytes per second (`1KiB`, `512`, `off`).
pub const MIN_RATE_ENV: &str = "HERO_SVC_DOWNLOAD_MIN_RATE";
/// Names the window the rate is averaged over (`30s`).
pub const RATE_WINDOW_ENV: &str = "HERO_SVC_DOWNLOAD_RATE_WINDOW";
/// Names the deadline of one attempt (`15m`, `off`).
pub const TIMEOUT_ENV: &str = "HERO_SVC_DOWNLOAD_TIMEOUT";

/// The default minimum rate: 1 KiB/s…
pub const DEFAULT_MIN_RATE: u64 = 1024;
/// …averaged over 30 s.
pub const DEFAULT_RATE_WINDOW: Duration = Duration::from_secs(30);
/// The default deadline of one attempt.
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(15 * 60);

/// A transfer that receives fewer than `bytes_per_sec` bytes per second, averaged over
/// `window`, is stalled: the attempt fails (and is retried like other transient failures).
/// A body that completes within one window is never judged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MinRate {
    /// The least average rate, in bytes per second (more than 0).
    pub bytes_per_sec: u64,
    /// How long the average is taken over (more than 0).
    pub window: Duration,
}

impl MinRate {
    /// The default: 1 KiB/s over 30 s.
    pub const DEFAULT: Self = Self {
        bytes_per_sec: DEFAULT_MIN_RATE,
        window: DEFAULT_RATE_WINDOW,
    };

    /// The bytes a transfer must receive in `span` to keep up.
    pub(crate) fn required_in(&self, span: Duration) -> u64 {
        let bytes = self.bytes_per_sec as f64 * span.as_secs_f64();
        // Saturating float-to-int cast; `span` is at most a few windows.
        bytes as u64
    }
}

impl fmt::Display for MinRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/s over {}",
            format_bytes(self.bytes_per_sec),
            format_duration(self.window)
        )
    }
}

/// Why a setting does not parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LimitParseError {
    /// Not a number with an optional unit.
    #[error("expected a number of bytes per second such as `1KiB`, `512` or `2MiB/s`, or `off`")]
    NotARate,
    /// Not a duration.
    #[error("expected a duration such as `30s`, `15m`, `1m30s` or `500ms`{}", if *.off_allowed { ", or `off`" } else { "" })]
    NotADuration {
        /// Whether `off` would have been accepted.
        off_allowed: bool,
    },
    /// A value that must be more than zero.
    #[error("it must be more than zero")]
    Zero,
    /// Larger than anything sensible.
    #[error("it is too large")]
    TooLarge,
}

/// Parses a rate in bytes per second: a number with an optional unit (`B`; `K`, `KB`,
/// `KiB`; `M…`; `G…`, all powers of 1024, as people mean them for download speeds) and an
/// optional `/s`. `off`, `none` or `0` disable it (`None`).
pub fn parse_rate(text: &str) -> Result<Option<u64>, LimitParseError> {
    let t = text.trim();
    if is_off(t) {
        return Ok(None);
    }
    let t = t
        .strip_suffix("/s")
        .or_else(|| t.strip_suffix("/S"))
        .unwrap_or(t)
        .trim_end();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let number: f64 = number.parse().map_err(|_| LimitParseError::NotARate)?;
    let factor: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" | "kib" => 1024.0,
        "m" | "mb" | "mib" => 1024.0 * 1024.0,
        "g" | "gb" | "gib" => 1024.0 * 1024.0 * 1024.0,
        _ => return Err(LimitParseError::NotARate),
    };
    let bytes = number * factor;
    if !bytes.is_finite() || bytes >= u64::MAX as f64 {
        return Err(LimitParseError::TooLarge);
    }
    // `bytes` is finite, non-negative and below u64::MAX.
    let bytes = bytes.round() as u64;
    Ok((bytes > 0).then_some(bytes))
}

/// Parses a duration: number-unit pairs (`ms`, `s`, `m`, `h`; `1m30s`), or a bare number
/// of seconds. With `off_allowed`, `off`, `none` or `0` mean none (`None`); otherwise zero
/// is refused.
pub fn parse_duration(text: &str, off_allowed: bool) -> Result<Option<Duration>, LimitParseError> {
    let t = text.trim();
    let not_one = LimitParseError::NotADuration { off_allowed };
    if off_allowed && is_off(t) {
        return Ok(None);
    }
    if t.is_empty() {
        return Err(not_one);
    }
    let mut total = Duration::ZERO;
    let mut rest = t;
    if rest.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && let Ok(secs) = rest.parse::<f64>()
    {
        total = secs_to_duration(secs)?;
        rest = "";
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if digits == 0 {
            return Err(not_one);
        }
        let number: f64 = rest[..digits].parse().map_err(|_| not_one.clone())?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let factor = match &rest[..unit_len] {
            "ms" => 0.001,
            "s" => 1.0,
            "m" | "min" => 60.0,
            "h" => 3600.0,
            _ => return Err(not_one),
        };
        rest = &rest[unit_len..];
        total = total.saturating_add(secs_to_duration(number * factor)?);
    }
    match total.is_zero() {
        true if off_allowed => Ok(None),
        true => Err(LimitParseError::Zero),
        false => Ok(Some(total)),
    }
}

fn secs_to_duration(secs: f64) -> Result<Duration, LimitParseError> {
    Duration::try_from_secs_f64(secs).map_err(|_| LimitParseError::TooLarge)
}

fn is_off(t: &str) -> bool {
    matches!(
        t.to_ascii_lowercase().as_str(),
        "off" | "none" | "no" | "false" | "0"
    )
}

/// `512 B`, `1 KiB`, `1.5 MiB`, for messages.
pub(crate) fn format_bytes(bytes: u64) -> String {
    const KIB: f64 = 1024.0;
    let b = bytes as f64;
    if b < KIB {
        format!("{bytes} B")
    } else if b < KIB * KIB {
        trim_float(b / KIB, "KiB")
    } else {
        trim_float(b / (KIB * KIB), "MiB")
    }
}

fn trim_float(v: f64, unit: &str) -> String {
    let s = format!("{v:.1}");
    let s = s.strip_suffix(".0").unwrap_or(&s);
    format!("{s} {unit}")
}

/// `250ms`, `2.5s`, `30s`, `2m03s`, `1h05m`, for messages.
pub(crate) fn format_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        return format!("{ms}ms");
    }
    let secs = d.as_secs();
    if secs < 10 {
        let s = format!("{:.1}", d.as_secs_f64());
        return format!("{}s", s.strip_suffix(".0").unwrap_or(&s));
    }
    if secs < 60 {
        return format!("{secs}s");
    }
    if secs < 3600 {
        return format!("{}m{:02}s", secs / 60, secs % 60);
    }
    format!("{}h{:02}m", secs / 3600, (secs % 3600) / 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_parse_with_units() {
        assert_eq!(parse_rate("1024"), Ok(Some(1024)));
        assert_eq!(parse_rate("1KiB"), Ok(Some(1024)));
        assert_eq!(parse_rate(" 1 kib/s "), Ok(Some(1024)));
        assert_eq!(parse_rate("2MiB"), Ok(Some(2 * 1024 * 1024)));
        assert_eq!(parse_rate("0.5K"), Ok(Some(512)));
        assert_eq!(parse_rate("512B/s"), Ok(Some(512)));
        assert_eq!(parse_rate("off"), Ok(None));
        assert_eq!(parse_rate("0"), Ok(None));
        assert_eq!(parse_rate("fast"), Err(LimitParseError::NotARate));
        assert_eq!(parse_rate("1 parsec"), Err(LimitParseError::NotARate));
        assert_eq!(parse_rate(""), Err(LimitParseError::NotARate));
        assert_eq!(parse_rate("-1"), Err(LimitParseError::NotARate));
        assert_eq!(parse_rate("1e400"), Err(LimitParseError::NotARate));
        assert_eq!(
            parse_rate("99999999999999999999G"),
            Err(LimitParseError::TooLarge)
        );
    }

    #[test]
    fn durations_parse_with_units() {
        let s = |n| Ok(Some(Duration::from_secs(n)));
        assert_eq!(parse_duration("30", false), s(30));
        assert_eq!(parse_duration("30s", false), s(30));
        assert_eq!(parse_duration("15m", true), s(900));
        assert_eq!(parse_duration("1m30s", true), s(90));
        assert_eq!(parse_duration("2h", true), s(7200));
        assert_eq!(
            parse_duration("500ms", false),
            Ok(Some(Duration::from_millis(500)))
        );
        assert_eq!(parse_duration("off", true), Ok(None));
        assert_eq!(parse_duration("0", true), Ok(None));
        assert_eq!(parse_duration("0s", false), Err(LimitParseError::Zero));
        assert_eq!(
            parse_duration("off", false),
            Err(LimitParseError::NotADuration { off_allowed: false })
        );
        for bad in [
            "",
            "soon",
            "10 minutes",
            "m",
            "1x",
            "-5s",
            "1.2.3s",
            "inf",
            "nan",
        ] {
            assert!(parse_duration(bad, true).is_err(), "{bad:?}");
        }
        assert_eq!(
            parse_duration("99999999999999999999999h", true),
            Err(LimitParseError::TooLarge)
        );
    }

    #[test]
    fn messages_read_well() {
        assert_eq!(MinRate::DEFAULT.to_string(), "1 KiB/s over 30s");
        assert_eq!(format_bytes(100), "100 B");
        assert_eq!(format_bytes(1536), "1.5 KiB");
        assert_eq!(format_duration(Duration::from_millis(250)), "250ms");
        assert_eq!(format_duration(Duration::from_millis(2500)), "2.5s");
        assert_eq!(format_duration(Duration::from_secs(123)), "2m03s");
        assert_eq!(format_duration(Duration::from_secs(3900)), "1h05m");
        assert_eq!(
            MinRate::DEFAULT.required_in(Duration::from_secs(30)),
            30 * 1024
        );
    }
}
