//! Builtin supervisor tests, with real child processes (`sh -c` scripts, perl for a socket
//! server) in temp dirs.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use futures::StreamExt;
use hero_svc::supervisor::{
    BuiltinConfig, ExitReason, ProcessSpec, ProcessState, RestartPolicy, Supervisor,
    SupervisorError,
};

use crate::support::procs;
use crate::support::supervised::{
    DEADLINE, SupervisorFixture, eventually, log_line, sh, status_until,
};

#[tokio::test]
async fn start_runs_and_stop_leaves_no_process_of_the_group() {
    let fx = SupervisorFixture::new();
    let sup = fx.builtin().await;
    let script = "sleep 300 & echo grandchild $!; wait";
    sup.register(sh("svc", script)).await.unwrap();
    let status = sup.start("svc").await.unwrap();
    assert_eq!(status.state, ProcessState::Running);
    let pid = status.pid.unwrap();
    assert!(procs::is_alive(pid));
    let line = log_line(&sup, "svc", "grandchild").await;
    let grandchild: u32 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    assert!(procs::group_members(pid).contains(&grandchild));

    let status = sup.stop("svc").await.unwrap();
    assert_eq!(status.state, ProcessState::Stopped);
    assert_eq!(status.pid, None);
    assert!(procs::group_members(pid).is_empty());
    assert!(!procs::is_alive(grandchild));
    // Idempotent.
    assert_eq!(sup.stop("svc").await.unwrap().state, ProcessState::Stopped);
}

#[tokio::test]
async fn crash_is_restarted_with_growing_backoff() {
    let fx = SupervisorFixture::new();
    let sup = fx.builtin().await;
    sup.register(sh("crashy", "exit 1")).await.unwrap();
    sup.start("crashy").await.unwrap();
    let initial = fx.builtin_config().backoff_initial;
    let mut seen = Vec::new();
    let deadline = Instant::now() + DEADLINE;
    loop {
        let s = sup.status("crashy").await.unwrap();
        if s.state == ProcessState::Backoff {
            // The k-th delay is initial * 2^k, k = restarts so far.
            assert_eq!(s.backoff, Some(initial * 2u32.pow(s.restart_count)));
            seen.push(s.backoff.unwrap());
        }
        if s.restart_count >= 4 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for four restarts"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
    assert!(seen.first() < seen.last(), "{seen:?}");
    assert_eq!(
        sup.status("crashy").await.unwrap().last_exit,
        Some(ExitReason::Code(1))
    );
    sup.stop("crashy").await.unwrap();
}

#[tokio::test]
async fn a_crash_after_a_stop_and_a_start_still_waits_its_backoff() {
    let fx = SupervisorFixture::new();
    let backoff = Duration::from_millis(300);
    let config = BuiltinConfig {
        backoff_initial: backoff,
        ..fx.builtin_config()
    };
    let sup = fx.builtin_with(config).await;
    sup.register(sh("again", "exec sleep 1000")).await.unwrap();
    sup.start("again").await.unwrap();
    // A stop wakes the monitor out of a delay; the wake-up must not outlive the stop.
    sup.stop("again").await.unwrap();
    let pid = sup.start("again").await.unwrap().pid.unwrap();
    let killed = Instant::now();
    // SAFETY: a signal to the process the supervisor just started.
    unsafe { libc::kill(pid as i32, libc::SIGKILL) };
    let s = status_until(&sup, "again", |s| s.state == ProcessState::Backoff).await;
    assert_eq!(s.backoff, Some(backoff));
    let s = status_until(&sup, "again", |s| {
        s.state == ProcessState::Running && s.pid.is_some_and(|p| p != pid)
    })
    .await;
    assert!(
        killed.elapsed() >= backoff,
        "restarted {:?} after the kill, before its {backoff:?} backoff: {s:?}",
        killed.elapsed()
    );
    sup.stop("again").await.unwrap();
}

#[tokio::test]
async fn crash_loop_fails_with_last_exit_and_log_lines() {
    let fx = SupervisorFixture::new();
    let config = BuiltinConfig {
        start_limit: 3,
        ..fx.builtin_config()
    };
    let sup = fx.builtin_with(config).await;
    let script = "echo starting; echo 'bad config in /etc/x' >&2; exit 3";
    sup.register(sh("loop", script)).await.unwrap();
    sup.start("loop").await.unwrap();
    let s = status_until(&sup, "loop", |s| s.state == ProcessState::Failed).await;
    assert_eq!(s.last_exit, Some(ExitReason::Code(3)));
    assert_eq!(s.restart_count, 2, "3 starts: the first and two restarts");
    assert!(s.error.as_deref().unwrap().contains("3 times"), "{s:?}");
    assert_eq!(s.last_log_lines.last().unwrap(), "bad config in /etc/x");
    assert_eq!(s.pid, None);
    // Starting it again is allowed (the cause may be fixed).
    assert_eq!(
        sup.start("loop").await.unwrap().state,
        ProcessState::Running
    );
    sup.stop("loop").await.unwrap();
}

#[tokio::test]
async fn stdout_and_stderr_go_to_the_log_file() {
    let fx = SupervisorFixture::new();
    let sup = fx.builtin().await;
    let script = "for i in 1 2 3 4 5; do echo out$i; echo err$i >&2; done; \
                  i=0; while true; do i=$((i+1)); echo tick$i; sleep 0.02; done";
    sup.register(sh("chatty", script)).await.unwrap();
    sup.start("chatty").await.unwrap();
    log_line(&sup, "chatty", "tick1").await;
    let head: Vec<String> = sup.logs("chatty", 1000).await.unwrap()[..10].to_vec();
    assert_eq!(
        head,
        [
            "out1", "err1", "out2", "err2", "out3", "err3", "out4", "err4", "out5", "err5"
        ]
    );
    assert_eq!(sup.logs("chatty", 3).await.unwrap().len(), 3);
    let file = std::fs::read_to_string(sup.log_path("chatty")).unwrap();
    assert!(file.starts_with("out1\nerr1\n"));

    let mut follow = sup.follow("chatty").await.unwrap();
    let a = follow.next().await.unwrap();
    let b = follow.next().await.unwrap();
    let n = |l: &str| l.strip_prefix("tick").unwrap().parse::<u32>().unwrap();
    assert_eq!(n(&b), n(&a) + 1);
    sup.stop("chatty").await.unwrap();
}

#[tokio::test]
async fn environment_is_exactly_the_spec() {
    // SAFETY: set before any process is spawned by this test; other tests do not read it.
    unsafe {
        std::env::set_var("HERO_SVC_TEST_SECRET", "hunter2");
        std::env::set_var("HERO_SVC_TEST_PASSED", "yes");
    }
    let fx = SupervisorFixture::new();
    let sup = fx.builtin().await;
    let spec = ProcessSpec::new("env", "/usr/bin/env")
        .env("PATH", "/usr/bin:/bin")
        .env("FOO", "bar baz")
        .pass_env("HERO_SVC_TEST_PASSED")
        .pass_env("HERO_SVC_TEST_UNSET")
        .restart(RestartPolicy::Never);
    sup.register(spec).await.unwrap();
    sup.start("env").await.unwrap();
    let s = status_until(&sup, "env", |s| s.state == ProcessState::Exited).await;
    assert_eq!(s.last_exit, Some(ExitReason::Code(0)));
    let mut lines = sup.logs("env", 100).await.unwrap();
    lines.sort();
    assert_eq!(
        lines,
        [
            "FOO=bar baz",
            "HERO_SVC_TEST_PASSED=yes",
            "PATH=/usr/bin:/bin"
        ]
    );
}

#[tokio::test]
async fn a_process_ignoring_sigterm_is_killed_at_the_stop_timeout() {
    let fx = SupervisorFixture::new();
    let sup = fx.builtin().await;
    let script = "trap '' TERM; echo ready; while true; do sleep 0.05; done";
    let spec = sh("stubborn", script).stop_with(libc::SIGTERM, Duration::from_millis(300));
    sup.register(spec).await.unwrap();
    let pid = sup.start("stubborn").await.unwrap().pid.unwrap();
    log_line(&sup, "stubborn", "ready").await;
    let s = sup.stop("stubborn").await.unwrap();
    assert_eq!(s.state, ProcessState::Stopped);
    assert_eq!(s.last_exit, Some(ExitReason::Signal(libc::SIGKILL)));
    assert!(procs::group_members(pid).is_empty());
}

fn ticker(name: &str) -> ProcessSpec {
    sh(
        name,
        "i=0; while true; do i=$((i+1)); echo tick$i; sleep 0.02; done",
    )
}

fn last_tick(lines: &[String]) -> u32 {
    lines
        .iter()
        .rev()
        .find_map(|l| l.strip_prefix("tick")?.parse().ok())
        .unwrap_or(0)
}

#[tokio::test]
async fn a_new_supervisor_adopts_running_processes() {
    let fx = SupervisorFixture::new();
    let first = fx.builtin().await;
    first.register(ticker("a")).await.unwrap();
    first.register(ticker("b")).await.unwrap();
    let a = first.start("a").await.unwrap().pid.unwrap();
    let b = first.start("b").await.unwrap().pid.unwrap();
    log_line(&first, "a", "tick2").await;
    // The daemon "dies": supervision ends, the processes go on.
    first.detach();
    assert!(procs::is_alive(a) && procs::is_alive(b));

    let second = fx.builtin().await;
    let sa = second.status("a").await.unwrap();
    assert_eq!(
        (sa.state, sa.pid, sa.restart_count),
        (ProcessState::Running, Some(a), 0)
    );
    assert!(sa.uptime.is_some());
    assert_eq!(second.status("b").await.unwrap().pid, Some(b));
    assert_eq!(second.list().await.unwrap().len(), 2);
    // No duplicate: each group still holds one shell and its sleep at most.
    assert!(procs::group_members(a).len() <= 2);
    // Logs continue.
    let before = last_tick(&second.logs("a", 5).await.unwrap());
    eventually("more ticks from the adopted process", || async {
        (last_tick(&second.logs("a", 5).await.unwrap()) > before).then_some(())
    })
    .await;

    // Its death is noticed and the restart policy applies.
    procs::signal(a, libc::SIGKILL);
    let sa = status_until(&second, "a", |s| {
        s.state == ProcessState::Running && s.pid != Some(a)
    })
    .await;
    assert_eq!(sa.restart_count, 1);
    assert_eq!(sa.last_exit, Some(ExitReason::Unknown));
    assert!(procs::group_members(a).is_empty());

    // A process that dies while no supervisor runs is restarted by the next one.
    second.detach();
    procs::signal(b, libc::SIGKILL);
    eventually("b to die", || async { (!procs::is_alive(b)).then_some(()) }).await;
    let third = fx.builtin().await;
    let sb = status_until(&third, "b", |s| {
        s.state == ProcessState::Running && s.pid != Some(b)
    })
    .await;
    assert!(procs::is_alive(sb.pid.unwrap()));
    assert_eq!(third.status("a").await.unwrap().pid, sa.pid);
    third.stop("a").await.unwrap();
    third.stop("b").await.unwrap();
    assert!(procs::group_members(sa.pid.unwrap()).is_empty());
}

fn perl_socket_server(socket: &Path) -> Vec<String> {
    vec![
        "-MIO::Socket::UNIX".into(),
        "-e".into(),
        "my $p = shift; unlink $p; my $s = IO::Socket::UNIX->new(Type => SOCK_STREAM(), \
         Local => $p, Listen => 5) or die \"bind: $!\"; $| = 1; print \"listening\\n\"; \
         sleep 300"
            .into(),
        socket.to_string_lossy().into_owned(),
    ]
}

#[tokio::test]
async fn a_stray_instance_holding_the_socket_is_reclaimed() {
    let perl = Path::new("/usr/bin/perl");
    if !perl.exists() {
        eprintln!("skipped: /usr/bin/perl is not installed");
        return;
    }
    let fx = SupervisorFixture::new();
    let socket = fx.path("sockets/svc/rpc.sock");
    std::fs::create_dir_all(socket.parent().unwrap()).unwrap();
    let mut stray = std::process::Command::new(perl)
        .args(perl_socket_server(&socket))
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    eventually("the stray to listen", || async {
        std::fs::read_to_string("/proc/net/unix")
            .unwrap()
            .contains(socket.to_str().unwrap())
            .then_some(())
    })
    .await;

    let sup = fx.builtin().await;
    let spec = ProcessSpec::new("svc", perl)
        .args(perl_socket_server(&socket))
        .socket(&socket)
        .stop_with(libc::SIGTERM, Duration::from_secs(2));
    sup.register(spec).await.unwrap();
    sup.start("svc").await.unwrap();
    let exit = stray.wait().unwrap();
    assert!(!exit.success(), "the stray was stopped: {exit:?}");
    log_line(&sup, "svc", "listening").await;
    assert_eq!(
        sup.status("svc").await.unwrap().state,
        ProcessState::Running
    );
    sup.stop("svc").await.unwrap();
}

#[tokio::test]
async fn another_program_holding_the_port_is_not_touched() {
    let fx = SupervisorFixture::new();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let sup = fx.builtin().await;
    sup.register(sh("web", "sleep 300").tcp_port(port))
        .await
        .unwrap();
    let err = sup.start("web").await.unwrap_err();
    match &err {
        SupervisorError::PortHeld {
            port: p,
            pid,
            program,
            ..
        } => {
            assert_eq!(*p, port);
            assert_eq!(*pid, std::process::id());
            assert_eq!(program, &std::env::current_exe().unwrap());
        }
        other => panic!("unexpected error: {other:?}"),
    }
    assert!(err.to_string().contains(&std::process::id().to_string()));
    assert_eq!(sup.status("web").await.unwrap().state, ProcessState::Failed);
    // Still ours and listening.
    assert_eq!(listener.local_addr().unwrap().port(), port);
    drop(listener);
    assert_eq!(sup.start("web").await.unwrap().state, ProcessState::Running);
    sup.stop("web").await.unwrap();
}

#[tokio::test]
async fn a_stale_socket_file_is_removed_before_start() {
    let fx = SupervisorFixture::new();
    let socket = fx.path("sockets/rpc.sock");
    std::fs::create_dir_all(socket.parent().unwrap()).unwrap();
    drop(std::os::unix::net::UnixListener::bind(&socket).unwrap());
    assert!(socket.exists());
    let sup = fx.builtin().await;
    sup.register(sh("svc", "sleep 300").socket(&socket))
        .await
        .unwrap();
    sup.start("svc").await.unwrap();
    assert!(!socket.exists());
    sup.remove("svc").await.unwrap();
    assert!(sup.status("svc").await.is_err());
}

#[tokio::test]
async fn unknown_process_and_spawn_failure_are_errors() {
    let fx = SupervisorFixture::new();
    let sup = fx.builtin().await;
    assert!(matches!(
        sup.start("nope").await,
        Err(SupervisorError::UnknownProcess { .. })
    ));
    assert!(sup.register(sh("../evil", "true")).await.is_err());
    sup.register(ProcessSpec::new("ghost", fx.path("no/such/binary")))
        .await
        .unwrap();
    let err = sup.start("ghost").await.unwrap_err();
    assert!(
        err.to_string().contains("no/such/binary"),
        "names the executable: {err}"
    );
    assert_eq!(
        sup.status("ghost").await.unwrap().state,
        ProcessState::Failed
    );
}

#[tokio::test]
async fn the_log_rotates_by_size_while_the_process_writes() {
    let fx = SupervisorFixture::new();
    let sup = fx.builtin().await;
    let settings = hero_svc::supervisor::LogSettings {
        max_bytes: 200,
        keep_files: 2,
    };
    sup.register(ticker("rot").log(settings)).await.unwrap();
    sup.start("rot").await.unwrap();
    let log = sup.log_path("rot");
    let rotated = PathBuf::from(format!("{}.1", log.display()));
    eventually("a rotated log file", || async {
        rotated.exists().then_some(())
    })
    .await;
    // The process keeps writing into the truncated file.
    let before = last_tick(&sup.logs("rot", 5).await.unwrap());
    eventually("ticks after rotation", || async {
        let current = std::fs::read_to_string(&log).unwrap_or_default();
        let lines: Vec<String> = current.lines().map(str::to_string).collect();
        (last_tick(&lines) > before).then_some(())
    })
    .await;
    assert!(!PathBuf::from(format!("{}.3", log.display())).exists());
    sup.stop("rot").await.unwrap();
}

#[tokio::test]
async fn a_restart_that_fails_for_lack_of_resources_is_tried_again_until_it_works() {
    let fs = match crate::support::tmpfs::Tmpfs::mount("4m", Some(64)) {
        Ok(fs) => fs,
        Err(why) => {
            eprintln!("not run: {why}");
            return;
        }
    };
    let fx = SupervisorFixture::new();
    let config = BuiltinConfig {
        log_dir: fs.path().join("logs"),
        // Time to take the inode the dead instance's log frees before the restart.
        backoff_initial: Duration::from_secs(1),
        ..fx.builtin_config()
    };
    let sup = fx.builtin_with(config).await;
    sup.register(sh("svc", "sleep 300")).await.unwrap();
    let pid = sup.start("svc").await.unwrap().pid.unwrap();
    // The next instance will need a new log file, and no inode will be left for it.
    let fillers = fs.exhaust_inodes("fill");
    std::fs::remove_file(sup.log_path("svc")).unwrap();
    procs::signal(pid, libc::SIGKILL);
    status_until(&sup, "svc", |s| s.state == ProcessState::Backoff).await;
    fs.exhaust_inodes("fill_more");

    let waiting = status_until(&sup, "svc", |s| {
        s.state == ProcessState::Backoff
            && s.error
                .as_deref()
                .is_some_and(|e| e.contains("trying again"))
    })
    .await;
    let error = waiting.error.unwrap();
    assert!(error.contains("No space left on device"), "{error}");

    // Space comes back: it is started again, and nothing says it failed.
    std::fs::remove_dir_all(&fillers).unwrap();
    std::fs::remove_dir_all(fs.path().join("fill_more")).unwrap();
    let back = status_until(&sup, "svc", |s| s.state == ProcessState::Running).await;
    assert_ne!(back.pid, Some(pid));
    assert_eq!(back.error, None);
    sup.stop("svc").await.unwrap();
    drop(fs);
}
