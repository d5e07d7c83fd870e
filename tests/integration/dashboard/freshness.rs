//! The stack page's freshness column on real daemons: a deployed demo stack whose one
//! binary is replaced by other bytes (*modified binary* for it, *up to date* for the
//! rest, until a deploy puts the installed bytes back); a release installed from the
//! stand-in forge that publishes a newer one (*newer release v1.1.0*), then stops
//! answering (*release check failed: …*) while the page still answers at once.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use hero_svc::forge::asset_name;
use serde_json::Value;

use super::SEEN;
use crate::support::daemon::{DemoRepo, TestDaemon, assert_ok};
use crate::support::forge::{StandInForge, asset};
use crate::support::http;
use crate::support::wait::wait_until;

/// Each service's freshness as the stack page's JSON says it: name → (summary, state).
async fn freshness(admin: &Path) -> BTreeMap<String, (String, String)> {
    let (status, body) = http::get(admin, "/stack.json").await;
    assert_eq!(status, 200, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    v["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap().to_string(),
                (
                    r["freshness"].as_str().unwrap().to_string(),
                    r["freshness_class"].as_str().unwrap().to_string(),
                ),
            )
        })
        .collect()
}

/// The `<tr>` of `service` in the stack page `html`.
fn row<'h>(html: &'h str, service: &str) -> &'h str {
    let start = html
        .find(&format!(r#"<tr data-service="{service}">"#))
        .unwrap_or_else(|| panic!("no row of {service}: {html}"));
    let end = html[start..].find("</tr>").unwrap() + start;
    &html[start..end]
}

/// Replaces `path` by a copy with other bytes, as a person who patches a binary does
/// (a new file renamed over it: a running executable cannot be written in place).
fn replace_with_other_bytes(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mut bytes = std::fs::read(path).unwrap();
    bytes.extend_from_slice(b"\0patched by hand");
    let edited = path.with_extension("edited");
    std::fs::write(&edited, &bytes).unwrap();
    std::fs::set_permissions(&edited, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::rename(&edited, path).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn the_stack_page_tells_a_modified_binary_from_the_up_to_date_ones() {
    let repo = DemoRepo::create();
    let daemon = TestDaemon::start(&repo);
    assert_ok(&daemon.run_cli(&["deploy", "--all", "--json"]));
    let admin = daemon.socket().with_file_name("admin.sock");

    // Every service up to date (a binary this daemon has not hashed since it was installed
    // is hashed in the background the first time; the page says `checking` meanwhile).
    let all_up_to_date = |f: &BTreeMap<String, (String, String)>| {
        f.len() == 8 && f.values().all(|(_, state)| state == "up_to_date")
    };
    wait_until("eight services up to date", SEEN, || async {
        all_up_to_date(&freshness(&admin).await).then_some(())
    })
    .await;

    replace_with_other_bytes(&daemon.root().join("bin/demo_cache"));
    let seen = wait_until("demo_cache modified on the stack page", SEEN, || async {
        let f = freshness(&admin).await;
        (f["demo_cache"].1 == "modified_binary").then_some(f)
    })
    .await;
    assert_eq!(seen["demo_cache"].0, "modified binary");
    for (name, (summary, state)) in &seen {
        if name != "demo_cache" {
            assert_eq!(
                (summary.as_str(), state.as_str()),
                ("up to date", "up_to_date"),
                "{name}"
            );
        }
    }
    // The page says it in words, with why in its title.
    let (status, page) = http::get(&admin, "/").await;
    assert_eq!(status, 200);
    let cache = row(&page, "demo_cache");
    assert!(
        cache.contains(r#"class="freshness modified_binary""#)
            && cache.contains(">modified binary<"),
        "{cache}"
    );
    assert!(cache.contains("demo_cache: modified: sha256"), "{cache}");
    let db = row(&page, "demo_db");
    assert!(db.contains(">up to date<"), "{db}");
    // So do the RPC answer and the CLI.
    let out = daemon.run_cli(&["inspect", "demo_cache", "--json"]);
    assert_ok(&out);
    let inspect: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        inspect["status"]["freshness"]["state"], "modified_binary",
        "{inspect:#}"
    );
    let out = daemon.run_cli(&["inspect", "demo_cache"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("freshness     modified binary ("), "{text}");

    // A deploy puts the installed bytes back: up to date again.
    assert_ok(&daemon.run_cli(&["deploy", "demo_cache", "--json"]));
    wait_until("demo_cache up to date again", SEEN, || async {
        all_up_to_date(&freshness(&admin).await).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_stack_page_says_when_the_forge_has_a_newer_release_or_cannot_be_asked() {
    let forge = StandInForge::start().await;
    let name = asset_name::for_host("hero_router", "");
    let v1 = std::fs::read("/usr/bin/true").unwrap();
    let v2 = std::fs::read("/usr/bin/false").unwrap();
    forge.release(
        "lhumina_code",
        "hero_router",
        "v1.0.0",
        false,
        vec![asset(&name, &v1)],
    );
    let repo = DemoRepo::create();
    let env = [
        ("FORGE_URL", forge.url.as_str()),
        ("HERO_SVC_CATALOG", "hero"),
        // Answers stand for 300 ms here (10 minutes by default).
        ("HERO_SVC_RELEASE_CHECK_TTL_MS", "300"),
    ];
    let daemon = TestDaemon::start_with_env(&repo, &env);
    assert_ok(&daemon.run_cli(&["install", "hero_router", "--json"]));
    let admin = daemon.socket().with_file_name("admin.sock");

    let router_is = |summary: &'static str| {
        let admin = admin.clone();
        move || {
            let admin = admin.clone();
            async move {
                let f = freshness(&admin).await;
                (f["hero_router"].0 == summary).then_some(f)
            }
        }
    };
    let seen = wait_until("hero_router up to date", SEEN, router_is("up to date")).await;
    assert_eq!(
        seen["hero_proc"],
        ("not installed".into(), "not_installed".into())
    );

    // A newer release on the forge: said once the cached answer is stale.
    forge.release(
        "lhumina_code",
        "hero_router",
        "v1.1.0",
        false,
        vec![asset(&name, &v2)],
    );
    let seen = wait_until(
        "hero_router: a newer release",
        SEEN,
        router_is("newer release v1.1.0"),
    )
    .await;
    assert_eq!(seen["hero_router"].1, "newer_release");
    let (_, page) = http::get(&admin, "/").await;
    assert!(row(&page, "hero_router").contains(">newer release v1.1.0<"));
    // Installing it: up to date again, from the answer already known.
    assert_ok(&daemon.run_cli(&["install", "hero_router", "--json"]));
    wait_until(
        "hero_router up to date on v1.1.0",
        SEEN,
        router_is("up to date"),
    )
    .await;

    // The forge fails: the page says so instead of pretending.
    forge.set_mode(|m| m.api_fail_next = u32::MAX);
    let seen = wait_until("a failed release check", SEEN, || async {
        let f = freshness(&admin).await;
        (f["hero_router"].1 == "release_check_failed").then_some(f)
    })
    .await;
    let summary = &seen["hero_router"].0;
    assert!(summary.starts_with("release check failed: "), "{summary}");
    assert!(summary.len() > "release check failed: ".len(), "{summary}");

    // The forge hangs (a byte a second): the page never waits for it.
    forge.set_mode(|m| {
        m.api_fail_next = 0;
        m.trickle_api = Some(Duration::from_secs(1));
    });
    let asked_before = forge.requests().len();
    let until = Instant::now() + Duration::from_secs(3);
    while Instant::now() < until {
        let started = Instant::now();
        let (status, _) = http::get(&admin, "/").await;
        assert_eq!(status, 200);
        let took = started.elapsed();
        assert!(
            took < Duration::from_secs(2),
            "the stack page took {took:?} while the forge hangs"
        );
    }
    assert!(
        forge.requests().len() > asked_before,
        "a check went to the forge in the background"
    );
}
