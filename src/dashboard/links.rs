//! [`Links`]: every URL the dashboard puts in a page (links, form actions, the stylesheet
//! and the script, the streams and the JSON the script asks for) and every redirect it
//! answers, relative to the request's own path. So the pages work at `/` and mounted
//! under a prefix by a proxy that strips it (the Hero router serves `admin.sock` under a
//! path such as `/hero_svc/admin/`): from `/services/x` the stack is `../`, a run
//! `../executions/ID`; from `/` they are `./` and `./executions/ID`.
//!
//! A relative URL that starts with `./` or `../` can never name another host or scheme,
//! whatever the request's path held, so a redirect built from it stays on the dashboard.

use std::convert::Infallible;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

/// The URLs of one page, relative to where it was asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Links {
    root: String,
}

impl Links {
    /// The links of the page at `path` (the request's path, as the dashboard sees it).
    pub fn for_path(path: &str) -> Self {
        let depth = path.matches('/').count().saturating_sub(1);
        let root = if depth == 0 {
            "./".to_string()
        } else {
            "../".repeat(depth)
        };
        Self { root }
    }

    /// The dashboard's root, relative to the page (`./`, `../`).
    pub fn root(&self) -> &str {
        &self.root
    }

    /// `target` (a path from the dashboard's root, without the leading `/`: `executions`,
    /// `services/x`), relative to the page.
    pub fn to(&self, target: &str) -> String {
        format!("{}{}", self.root, target.trim_start_matches('/'))
    }

    /// The page at `path` itself with `query` (empty: none), relative to it: what a
    /// redirect to the same page without some parameters says.
    pub fn same_page(path: &str, query: &str) -> String {
        // A path a browser cannot have sent (a backslash, which browsers read as `/`) gets
        // the root: never anything that could be read as another host.
        let page = if path.contains('\\') {
            Self::for_path("/").root().to_string()
        } else {
            Self::for_path(path).to(path)
        };
        if query.is_empty() {
            page
        } else {
            format!("{page}?{query}")
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Links {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Infallible> {
        Ok(Self::for_path(parts.uri.path()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_climb_to_the_root_from_where_the_page_is() {
        assert_eq!(Links::for_path("/").root(), "./");
        assert_eq!(
            Links::for_path("/executions").to("services/a"),
            "./services/a"
        );
        assert_eq!(Links::for_path("/services/a").root(), "../");
        assert_eq!(
            Links::for_path("/executions/0190").to("static/dashboard.css"),
            "../static/dashboard.css"
        );
        assert_eq!(Links::for_path("/a/b/c").root(), "../../");
        assert_eq!(Links::for_path("").root(), "./");
    }

    #[test]
    fn a_redirect_to_the_same_page_never_leaves_it() {
        assert_eq!(Links::same_page("/", ""), "./");
        assert_eq!(Links::same_page("/executions", "a=1"), "./executions?a=1");
        assert_eq!(Links::same_page("/services/x", ""), "../services/x");
        for hostile in ["//evil.example/x", "/\\evil.example", "///evil.example"] {
            let location = Links::same_page(hostile, "");
            assert!(
                location.starts_with("./") || location.starts_with("../"),
                "{hostile} → {location}"
            );
            assert!(!location.starts_with(".//"), "{hostile} → {location}");
        }
    }
}
