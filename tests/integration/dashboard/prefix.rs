//! The dashboard mounted under a path prefix, as the Hero router serves `admin.sock`: no
//! page names an absolute URL (links, forms, the stylesheet, the script), redirects are
//! relative, and in a real Chromium through a prefix-stripping proxy every link, the
//! stack's polling, the log stream, an action and its run's page work under
//! `/hero_svc/admin/`.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;

use fantoccini::Locator;

use super::{Browser, SEEN};
use crate::support::daemon::{DemoRepo, TestDaemon, assert_ok};
use crate::support::http;
use crate::support::prefix_proxy::PrefixProxy;
use crate::support::wait::wait_until;

const PREFIX: &str = "/hero_svc/admin/";
/// How long a deploy of a demo service may take (a cargo build of the demo crate).
const BUILD: std::time::Duration = std::time::Duration::from_secs(600);

/// The absolute URLs in `html` (`href="/…`, `src="/…`, `action="/…`).
fn absolute_urls(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    for attr in ["href=\"/", "src=\"/", "action=\"/"] {
        let mut rest = html;
        while let Some(at) = rest.find(attr) {
            let tail = &rest[at..];
            found.push(tail.chars().take(60).collect());
            rest = &rest[at + attr.len()..];
        }
    }
    found
}

/// One request on the unix socket `socket`; the whole answer.
fn raw_unix(socket: &Path, request: &str) -> String {
    let mut stream = UnixStream::connect(socket).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap();
    raw
}

/// The value of the hidden input `name` in `html`.
fn hidden_value(html: &str, name: &str) -> String {
    let at = html
        .find(&format!(r#"name="{name}" value=""#))
        .unwrap_or_else(|| panic!("no input {name}: {html}"));
    let rest = &html[at + name.len() + 15..];
    rest[..rest.find('"').unwrap()].to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_dashboard_works_mounted_under_a_prefix() {
    let repo = DemoRepo::create();
    let daemon = TestDaemon::start(&repo);
    let admin = daemon.socket().with_file_name("admin.sock");
    // A run to show (demo_db was never started: stopping it is quick).
    let out = daemon.run_cli(&["stop", "demo_db", "--json"]);
    assert_ok(&out);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let run = format!("/executions/{}", report["run_id"].as_str().unwrap());

    // No page names an absolute URL; the script builds its URLs from the page's root.
    let pages = [
        "/",
        "/executions",
        run.as_str(),
        "/services/demo_db",
        "/actions/confirm?operation=restart&service=demo_db",
        "/actions/confirm?operation=deploy",
        "/services/no_such_service",
        "/executions/not-a-run",
    ];
    for page in pages {
        let (status, html) = http::get(&admin, page).await;
        assert!(status == 200 || status == 404, "{page}: {status}");
        assert!(html.contains("data-root=\""), "{page}: {html}");
        let absolute = absolute_urls(&html);
        assert!(
            absolute.is_empty(),
            "{page} names absolute URLs: {absolute:#?}"
        );
    }
    let (_, html) = http::get(&admin, "/services/demo_db").await;
    assert!(html.contains(r#"href="../static/dashboard.css""#), "{html}");
    assert!(
        html.contains(r#"href="../actions/confirm?operation=restart"#),
        "{html}"
    );
    let (_, js) = http::get(&admin, "/static/dashboard.js").await;
    for call in ["fetch(\"/", "EventSource(\"/", "fetch('/", "EventSource('/"] {
        assert!(!js.contains(call), "the script calls {call}…");
    }

    // An action redirects relatively to its run.
    let (_, confirm) = http::get(&admin, "/actions/confirm?operation=stop&service=demo_db").await;
    let form = format!(
        "operation=stop&service=demo_db&csrf={}",
        hidden_value(&confirm, "csrf")
    );
    let raw = raw_unix(
        &admin,
        &format!(
            "POST /actions HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
            form.len()
        ),
    );
    assert!(raw.starts_with("HTTP/1.1 303"), "{raw}");
    let location = super::header_of(&raw, "location").unwrap();
    assert!(location.starts_with("./executions/"), "{raw}");

    // In a browser, through a proxy that mounts admin.sock under the prefix.
    let proxy = PrefixProxy::start(admin.clone(), PREFIX).await;
    let browser = Browser::start().await;
    let client = browser.client();
    let path = || async { client.current_url().await.unwrap().path().to_string() };
    client.goto(&proxy.url).await.unwrap();
    browser
        .until(
            "the stylesheet under the prefix",
            "return [...document.styleSheets].some(s => s.cssRules.length > 0);",
        )
        .await;
    let asked_for = |path: &str| {
        let want = format!("{PREFIX}{path}");
        proxy
            .requests()
            .iter()
            .any(|(p, status)| p.starts_with(&want) && *status == 200)
    };
    wait_until("the stack's polling through the prefix", SEEN, || async {
        asked_for("stack.json").then_some(())
    })
    .await;
    // A service's page, from its link; its log stream opens.
    client
        .find(Locator::Css(r#"tr[data-service="demo_db"] a.name"#))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let want = format!("{PREFIX}services/demo_db");
    wait_until("the browser at the page it was sent to", SEEN, || async {
        (path().await == want).then_some(())
    })
    .await;
    wait_until("the log stream through the prefix", SEEN, || async {
        asked_for("services/demo_db/logs/sse").then_some(())
    })
    .await;
    // An action from there, confirmed: it lands on its run, under the prefix, whose DAG
    // follows the run's events through the prefix (a deploy: a build, then a start).
    client
        .find(Locator::Css(r#"a[data-action="deploy"]"#))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let want = format!("{PREFIX}actions/confirm");
    wait_until("the browser at the page it was sent to", SEEN, || async {
        (path().await == want).then_some(())
    })
    .await;
    client
        .find(Locator::Css("#confirm"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // The confirmation posts and is redirected: wait for the browser to get there.
    let run = wait_until("the run's page under the prefix", SEEN, || async {
        let at = path().await;
        at.strip_prefix(&format!("{PREFIX}executions/"))
            .map(str::to_string)
    })
    .await;
    wait_until("the run's events through the prefix", SEEN, || async {
        asked_for(&format!("executions/{run}/sse")).then_some(())
    })
    .await;
    wait_until("the deploy to succeed, seen on its page", BUILD, || async {
        let status = browser
            .js("return document.getElementById('run-status').textContent.trim();")
            .await;
        (status == "succeeded").then_some(())
    })
    .await;
    browser
        .until(
            "the run's timeline, put in place without a reload",
            "return document.querySelector('#report svg.hero-run') !== null;",
        )
        .await;
    // The header's links.
    client
        .find(Locator::Css("header nav a[href$='executions']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let want = format!("{PREFIX}executions");
    wait_until("the browser at the page it was sent to", SEEN, || async {
        (path().await == want).then_some(())
    })
    .await;
    let runs = browser
        .js("return document.querySelectorAll('tr[data-execution]').length;")
        .await;
    assert!(runs.as_u64().unwrap() >= 3, "{runs}");
    client
        .find(Locator::Css("header a.brand"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_until("the browser back at the stack page", SEEN, || async {
        (path().await == PREFIX).then_some(())
    })
    .await;
    browser.close().await;
    // Nothing was asked for outside the prefix, and nothing failed (but the browser's own
    // question for the site's icon, at the root of any site).
    let requests = proxy.requests();
    let wrong: Vec<_> = requests
        .iter()
        .filter(|(p, status)| (!p.starts_with(PREFIX) || *status >= 400) && p != "/favicon.ico")
        .collect();
    assert!(wrong.is_empty(), "{wrong:#?}");
    for asset in ["static/dashboard.css", "static/dashboard.js"] {
        assert!(asked_for(asset), "{asset}: {requests:#?}");
    }
}
