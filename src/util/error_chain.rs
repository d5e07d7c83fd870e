//! [`error_chain`]: the one place an error and its causes are rendered for people.

use std::error::Error;

/// `err` and its causes, outermost first (`["could not read config", "no such file"]`).
pub fn error_chain(err: &(dyn Error + 'static)) -> Vec<String> {
    let mut chain = vec![err.to_string()];
    let mut cur = err.source();
    while let Some(e) = cur {
        chain.push(e.to_string());
        cur = e.source();
    }
    chain
}

/// `err` and its causes on one line: `could not read config: no such file`.
pub fn error_line(err: &(dyn Error + 'static)) -> String {
    error_chain(err).join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("could not read config")]
    struct Outer(#[source] std::io::Error);

    #[test]
    fn causes_come_outermost_first() {
        let err = Outer(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "no such file",
        ));
        assert_eq!(error_chain(&err), ["could not read config", "no such file"]);
        assert_eq!(error_line(&err), "could not read config: no such file");
    }
}
