//! Translating a [`ProcessSpec`] into a zinit service config (the `config` of
//! `service.set`).
//!
//! zinit runs `exec` through `sh -c` and gives the process its own environment plus the
//! config's `env`. To give the process *exactly* the spec's environment, the command line
//! is `/usr/bin/env -i; exec /usr/bin/env -i NAME="$NAME"… 'program' 'arg'…`:
//!
//! - the values travel in zinit's `env` (so they do not appear in the command line), the
//!   shell expands them, and `env -i` drops everything else before it runs the program;
//! - `exec` makes the shell *become* `env`, which in turn becomes the program, so the pid
//!   zinit records, signals and waits for is the service's own process (dash, `/bin/sh` on
//!   Debian, does not exec the last command of `sh -c` by itself: without `exec` zinit
//!   would supervise the shell, and killing that pid would orphan the service);
//! - zinit refuses a config whose first word is not an existing file (`exec` is a shell
//!   builtin), so the line opens with a no-op run of `env -i`, which with an empty
//!   environment and no command prints nothing.

use serde_json::{Value, json};

use super::ZinitConfig;
use crate::supervisor::{ProcessSpec, RestartPolicy, SupervisorError};

/// The program that clears the environment (present on every Linux we target).
pub(crate) const ENV_PROGRAM: &str = "/usr/bin/env";

/// The complete environment of `spec`: its `env`, then the `pass_env` variables found in
/// `lookup` (the supervisor's own environment).
pub(crate) fn environment(
    spec: &ProcessSpec,
    lookup: impl Fn(&str) -> Option<String>,
) -> Vec<(String, String)> {
    let mut env = spec.env.clone();
    for name in &spec.pass_env {
        if let Some(value) = lookup(name) {
            env.retain(|(n, _)| n != name);
            env.push((name.clone(), value));
        }
    }
    env
}

/// The zinit service config of `spec` with the environment `env`.
pub(crate) fn service_config(
    spec: &ProcessSpec,
    env: &[(String, String)],
    config: &ZinitConfig,
) -> Result<Value, SupervisorError> {
    spec.validate()?;
    let invalid = |reason: String| SupervisorError::InvalidSpec {
        name: spec.name.clone(),
        reason,
    };
    let mut exec = vec![
        format!("{ENV_PROGRAM} -i;"),
        "exec".to_string(),
        ENV_PROGRAM.to_string(),
        "-i".to_string(),
    ];
    let mut env_map = serde_json::Map::new();
    for (name, value) in env {
        if !is_shell_name(name) {
            return Err(invalid(format!(
                "the zinit backend needs environment variable names made of letters, digits \
                 and '_' (not starting with a digit); {name:?} is not"
            )));
        }
        exec.push(format!("{name}=\"${name}\""));
        env_map.insert(name.clone(), Value::String(value.clone()));
    }
    let program = spec.executable.to_str().ok_or_else(|| {
        invalid("the zinit backend needs an executable path that is valid UTF-8".into())
    })?;
    if program.contains('=') {
        return Err(invalid(
            "the zinit backend cannot run an executable whose path contains '='".into(),
        ));
    }
    exec.push(quote(program));
    exec.extend(spec.args.iter().map(|a| quote(a)));
    let dir = match &spec.working_dir {
        Some(dir) => Some(
            dir.to_str()
                .ok_or_else(|| invalid("the working directory is not valid UTF-8".into()))?
                .to_string(),
        ),
        None => None,
    };
    let restart = match spec.restart {
        RestartPolicy::Always => "always",
        RestartPolicy::OnFailure => "on-failure",
        RestartPolicy::Never => "never",
    };
    let millis = |d: std::time::Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1);
    Ok(json!({
        "service": {
            "name": spec.name,
            "exec": exec.join(" "),
            "dir": dir,
            "env": env_map,
            "status": "start",
        },
        "lifecycle": {
            "restart": restart,
            "restart_delay_ms": millis(config.restart_delay),
            "restart_delay_max_ms": millis(config.restart_delay_max.max(config.restart_delay)),
            "max_restarts": config.max_restarts,
            "stability_period_ms": millis(config.stability_period),
            "stop_timeout_ms": millis(spec.stop_timeout),
            "stop_signal": spec.stop_signal.to_string(),
        },
        "logging": {
            "buffer_lines": config.log_buffer_lines,
        },
    }))
}

/// What names a placeholder: `hero_svc_slot_<n>` (see `stable_slots`).
pub(crate) const PLACEHOLDER_PREFIX: &str = "hero_svc_slot_";

/// The config of placeholder `name`: a service zinit never starts (`status = "stop"`
/// refuses every start, automatic or requested) and that would do nothing if it ran.
pub(crate) fn placeholder_config(name: &str) -> Value {
    json!({
        "service": {
            "name": name,
            "exec": format!("{ENV_PROGRAM} -i"),
            "status": "stop",
            "oneshot": true,
        },
        "lifecycle": {
            "restart": "never",
        },
    })
}

/// True when every field of `wanted` is in `actual` with the same value (zinit answers
/// `service.get` with its defaults filled in).
pub(crate) fn is_subset(wanted: &Value, actual: &Value) -> bool {
    match (wanted, actual) {
        (Value::Object(w), Value::Object(a)) => w.iter().all(|(k, v)| {
            (v.is_null() && a.get(k).is_none_or(Value::is_null))
                || a.get(k).is_some_and(|x| is_subset(v, x))
        }),
        (Value::Number(w), Value::Number(a)) => w.as_f64() == a.as_f64(),
        _ => wanted == actual,
    }
}

/// A shell word that stands for `s` literally.
fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// A name the shell can expand as `$NAME`.
fn is_shell_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exec_clears_the_environment_and_quotes_arguments() {
        let spec = ProcessSpec::new("svc", "/bin/sh")
            .args(["-c", "echo 'hi'; exit 3"])
            .env("PATH", "/usr/bin:/bin")
            .env("SECRET_FREE", "a \"b\" $c");
        let env = environment(&spec, |_| None);
        let config = service_config(&spec, &env, &ZinitConfig::new("/tmp/z.sock")).unwrap();
        assert_eq!(
            config["service"]["exec"],
            r#"/usr/bin/env -i; exec /usr/bin/env -i PATH="$PATH" SECRET_FREE="$SECRET_FREE" '/bin/sh' '-c' 'echo '\''hi'\''; exit 3'"#
        );
        assert_eq!(config["service"]["env"]["SECRET_FREE"], "a \"b\" $c");
        assert_eq!(config["lifecycle"]["restart"], "always");
        assert_eq!(config["lifecycle"]["stop_signal"], "15");
    }

    #[test]
    fn pass_env_copies_what_the_supervisor_has() {
        let spec = ProcessSpec::new("svc", "/bin/true")
            .env("A", "1")
            .pass_env("B")
            .pass_env("MISSING");
        let env = environment(&spec, |n| (n == "B").then(|| "2".to_string()));
        assert_eq!(env, [("A".into(), "1".into()), ("B".into(), "2".into())]);
    }

    #[test]
    fn names_the_shell_cannot_expand_are_refused() {
        let spec = ProcessSpec::new("svc", "/bin/true").env("A-B", "1");
        let env = environment(&spec, |_| None);
        let err = service_config(&spec, &env, &ZinitConfig::new("/z")).unwrap_err();
        assert!(err.to_string().contains("A-B"), "{err}");
    }

    #[test]
    fn subset_ignores_defaults_zinit_adds() {
        let wanted = json!({"service": {"name": "a", "dir": null}, "lifecycle": {"x": 1}});
        let actual = json!({"service": {"name": "a", "oneshot": false}, "lifecycle": {"x": 1.0}});
        assert!(is_subset(&wanted, &actual));
        assert!(!is_subset(&json!({"service": {"name": "b"}}), &actual));
    }
}
