//! [`Redactor`]: takes the configured token out of text that came from the network.
//!
//! A forge (or a proxy in front of it) may quote the request back — an error page that
//! echoes the `Authorization` header, a message that names the token it rejected. Such
//! text ends up in [`ForgeError`](super::ForgeError) fields, retry notices and the
//! resolved release, and from there in the CLI's output, the execution report and the
//! operation log. The [`ForgeClient`](super::ForgeClient) passes every result and every
//! event of its public operations through one redactor before handing it out, so no path
//! can forget it; the types supply `redact_with` and replace each text they carry.

use super::ForgeToken;

/// What stands where the token was.
pub const REDACTED: &str = "[redacted]";

/// Replaces the token (when there is one) with [`REDACTED`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct Redactor<'a> {
    token: Option<&'a ForgeToken>,
}

impl<'a> Redactor<'a> {
    /// A redactor for `token`; without one it changes nothing.
    pub(crate) fn new(token: Option<&'a ForgeToken>) -> Self {
        Self { token }
    }

    /// `text` with every occurrence of the token replaced.
    pub(crate) fn text(&self, text: String) -> String {
        match self.token {
            Some(token) if text.contains(token.expose()) => text.replace(token.expose(), REDACTED),
            _ => text,
        }
    }

    /// Redacts `text` in place.
    pub(crate) fn in_place(&self, text: &mut String) {
        let taken = std::mem::take(text);
        *text = self.text(taken);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_replaced_wherever_it_appears() {
        let token = ForgeToken::new("s3cr3t-t0k3n").unwrap();
        let r = Redactor::new(Some(&token));
        assert_eq!(
            r.text("authorization: token s3cr3t-t0k3n (s3cr3t-t0k3n)".into()),
            "authorization: token [redacted] ([redacted])"
        );
        assert_eq!(r.text("nothing here".into()), "nothing here");
        assert_eq!(
            Redactor::new(None).text("s3cr3t-t0k3n".into()),
            "s3cr3t-t0k3n"
        );
    }
}
