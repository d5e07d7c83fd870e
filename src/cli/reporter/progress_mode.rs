//! [`ProgressMode`]: how a run is shown (`--progress auto|tty|plain|json|quiet`).

use std::fmt;
use std::str::FromStr;

/// How a run is shown on the terminal.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ProgressMode {
    /// [`Tty`](Self::Tty) when the output is a terminal, [`Plain`](Self::Plain) otherwise.
    #[default]
    Auto,
    /// Live lines for the running tasks, redrawn in place.
    Tty,
    /// One line per event, for logs that are read later (CI).
    Plain,
    /// One JSON object per event and line, for programs.
    Json,
    /// Only the failures, at the end.
    Quiet,
}

impl ProgressMode {
    /// Every mode, in the order they are documented.
    pub const ALL: [ProgressMode; 5] = [
        ProgressMode::Auto,
        ProgressMode::Tty,
        ProgressMode::Plain,
        ProgressMode::Json,
        ProgressMode::Quiet,
    ];

    /// The mode's name as accepted by [`FromStr`].
    pub fn as_str(self) -> &'static str {
        match self {
            ProgressMode::Auto => "auto",
            ProgressMode::Tty => "tty",
            ProgressMode::Plain => "plain",
            ProgressMode::Json => "json",
            ProgressMode::Quiet => "quiet",
        }
    }

    /// Settles [`Auto`](Self::Auto) for an output that is (or is not) a terminal; every
    /// other mode is kept as asked.
    pub fn resolve(self, is_terminal: bool) -> ProgressMode {
        match self {
            ProgressMode::Auto if is_terminal => ProgressMode::Tty,
            ProgressMode::Auto => ProgressMode::Plain,
            other => other,
        }
    }
}

impl fmt::Display for ProgressMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A progress mode name that is not one of [`ProgressMode::ALL`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown progress mode `{0}`: use one of auto, tty, plain, json, quiet")]
pub struct ParseProgressModeError(pub String);

impl FromStr for ProgressMode {
    type Err = ParseProgressModeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ProgressMode::ALL
            .into_iter()
            .find(|m| m.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| ParseProgressModeError(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for mode in ProgressMode::ALL {
            assert_eq!(mode.to_string().parse::<ProgressMode>(), Ok(mode));
        }
        assert_eq!("JSON".parse::<ProgressMode>(), Ok(ProgressMode::Json));
    }

    #[test]
    fn unknown_name_is_rejected_with_the_choices() {
        let err = "fancy".parse::<ProgressMode>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown progress mode `fancy`: use one of auto, tty, plain, json, quiet"
        );
    }

    #[test]
    fn auto_follows_the_terminal() {
        assert_eq!(ProgressMode::Auto.resolve(true), ProgressMode::Tty);
        assert_eq!(ProgressMode::Auto.resolve(false), ProgressMode::Plain);
        assert_eq!(ProgressMode::Json.resolve(true), ProgressMode::Json);
        assert_eq!(ProgressMode::Tty.resolve(false), ProgressMode::Tty);
    }
}
