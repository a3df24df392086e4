//! newswire against a secured broker (`scripts/kafka.sh`'s secured mode: a SASL_SSL
//! listener, SCRAM-SHA-512 users, a broker certificate from a local CA): the
//! walking-skeleton path end to end, services and the `newswire` command alike,
//! and a wrong password or an untrusted CA failing start-up with its cause.
//! One broker serves the three checks (starting one costs 10–20 s).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use newswire_e2e::{binary, fixture, free_port, read_topic_with, Pipeline, SecuredBroker, PA_TOKEN};
use newswire_shared::config::KafkaConfig;
use newswire_shared::kafka::client;
use newswire_shared::kafka::connect_check::check_connection;
use newswire_shared::kafka::security::{KafkaSecurity, SaslMechanism, SecurityProtocol};

const PA_SEED: &str = "pa-truss-lavrov-2022-02-14.txt";
/// The variable the services read the SCRAM password from (no `NEWSWIRE_` prefix: it is no setting).
const PASSWORD_VAR: &str = "NEWSWIRE_E2E_SCRAM_PASSWORD_VALUE";

/// The `NEWSWIRE_*` settings of a client of `broker`, with `password` in [`PASSWORD_VAR`] and the CA `ca`.
fn secured_env(broker: &SecuredBroker, ca: &Path, password: &str) -> Vec<(String, String)> {
    [
        ("NEWSWIRE_KAFKA_SECURITY_PROTOCOL", "sasl_ssl".to_owned()),
        ("NEWSWIRE_KAFKA_SECURITY_CA_FILE", ca.display().to_string()),
        ("NEWSWIRE_KAFKA_SECURITY_SASL_MECHANISM", "SCRAM-SHA-512".to_owned()),
        ("NEWSWIRE_KAFKA_SECURITY_USERNAME", "newswire".to_owned()),
        ("NEWSWIRE_KAFKA_SECURITY_PASSWORD_ENV", PASSWORD_VAR.to_owned()),
        (PASSWORD_VAR, password.to_owned()),
        ("NEWSWIRE_KAFKA_BROKERS", broker.brokers.clone()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

#[test]
fn over_sasl_ssl_with_scram_the_pa_seed_is_published_and_a_wrong_password_or_untrusted_ca_fails_start_up() {
    let broker = SecuredBroker::start();
    the_walking_skeleton_runs_over_sasl_ssl(&broker);
    every_sasl_mechanism_logs_in(&broker);
    a_wrong_password_fails_start_up_naming_the_authentication(&broker);
    an_untrusted_ca_fails_start_up_naming_the_certificate(&broker);
}

fn the_walking_skeleton_runs_over_sasl_ssl(broker: &SecuredBroker) {
    let env = secured_env(broker, &broker.ca_file(), &broker.password());
    let borrowed: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let pipeline = Pipeline::start_on(&broker.brokers, &borrowed);
    let id = pipeline.push_ok(PA_TOKEN, "text/plain; charset=utf-8", fixture(PA_SEED));

    // Read back with the shared client settings, the password from a file this time.
    let kafka = KafkaConfig {
        brokers: broker.brokers.clone(),
        security: KafkaSecurity {
            protocol: SecurityProtocol::SaslSsl,
            ca_file: Some(broker.ca_file()),
            sasl_mechanism: Some(SaslMechanism::ScramSha512),
            username: Some("newswire".into()),
            password_file: Some(broker.node_dir.join("sasl-password")),
            ..KafkaSecurity::default()
        },
        ..KafkaConfig::default()
    };
    let reader = client::reader(&kafka, "e2e-secured", &format!("e2e-secured-{}", pipeline.id));
    let published = read_topic_with(&reader, pipeline.topic("published"), 1, Duration::from_secs(60), Duration::from_secs(2));
    assert_eq!(published.len(), 1, "exactly one article is published");
    assert_eq!(published[0].key, id);
    let ninjs = published[0].json();
    assert_eq!(ninjs["headlines"][0]["value"], "Truss: ‘Russians didn’t like what I had to say’ in Lavrov meeting");
    assert!(ninjs["bodies"][0]["value"].as_str().unwrap_or_default().starts_with("Liz Truss defended her decision"), "{ninjs}");

    // The newswire command reads the same [kafka] settings as the services.
    let tail = Command::new(binary("newswire"))
        .args(["tail", pipeline.topic("published"), "--from-beginning", "--count", "1", "--idle-exit", "30", "--json"])
        .env("NEWSWIRE_CONFIG", "/nonexistent/newswire.toml")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .expect("run newswire tail");
    let stdout = String::from_utf8_lossy(&tail.stdout);
    assert!(tail.status.success(), "newswire tail failed: {}", String::from_utf8_lossy(&tail.stderr));
    assert!(stdout.contains("Lavrov meeting"), "newswire tail over SASL_SSL printed: {stdout}");

    for name in ["ingest", "normalize", "enrich", "publish"] {
        assert!(!pipeline.log(name).contains(&broker.password()), "{name} logged the password");
    }
}

fn every_sasl_mechanism_logs_in(broker: &SecuredBroker) {
    for mechanism in [SaslMechanism::Plain, SaslMechanism::ScramSha256, SaslMechanism::ScramSha512] {
        let kafka = KafkaConfig {
            brokers: broker.brokers.clone(),
            security: KafkaSecurity {
                protocol: SecurityProtocol::SaslSsl,
                ca_file: Some(broker.ca_file()),
                sasl_mechanism: Some(mechanism),
                username: Some("newswire".into()),
                password_file: Some(broker.node_dir.join("sasl-password")),
                ..KafkaSecurity::default()
            },
            ..KafkaConfig::default()
        };
        check_connection(&kafka, Duration::from_secs(20)).unwrap_or_else(|e| panic!("{mechanism:?}: {e}"));
    }
}

/// Runs a service binary with `env` until it exits (at most `limit`); returns its
/// exit code, its output (ending with the signal that ended it, if one did)
/// and how long it ran.
fn run_until_exit(service: &str, env: &[(String, String)], limit: Duration) -> (Option<i32>, String, Duration) {
    let data = tempfile::tempdir().expect("temp dir");
    let admin_var = format!("NEWSWIRE_{}_ADMIN_ADDR", service.to_uppercase());
    let mut command = Command::new(binary(&format!("newswire-{service}")));
    command
        .env("NEWSWIRE_CONFIG", "/nonexistent/newswire.toml")
        .env("NEWSWIRE_DATA_DIR", data.path())
        .env(admin_var, format!("127.0.0.1:{}", free_port()))
        .env("NEWSWIRE_INSTANCE_ID", format!("{service}-secured-check"))
        .env("NEWSWIRE_TOPICS_RAW", "secured-check.raw")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if service == "ingest" {
        command.env("NEWSWIRE_INGEST_ADDR", format!("127.0.0.1:{}", free_port()));
    }
    let started = Instant::now();
    let mut child = command.spawn().unwrap_or_else(|e| panic!("cannot start newswire-{service}: {e}"));
    let (code, signal) = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break (status.code(), std::os::unix::process::ExitStatusExt::signal(&status));
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break (None, None);
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let output = child.wait_with_output().expect("output");
    // CI once saw a refused login end with a signal, not exit 1 (2026-12-07, not reproduced in 105 runs here): say which.
    let ended_by = signal.map(|s| format!("\n[ended by signal {s}]")).unwrap_or_default();
    let text = format!("{}{}{ended_by}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (code, text, started.elapsed())
}

fn a_wrong_password_fails_start_up_naming_the_authentication(broker: &SecuredBroker) {
    let wrong = "not-the-password-4711";
    let env = secured_env(broker, &broker.ca_file(), wrong);
    let (code, output, took) = run_until_exit("normalize", &env, Duration::from_secs(60));
    assert_eq!(code, Some(1), "a refused login stops start-up with exit 1 (not a hang) after {took:?}; output:\n{output}");
    assert!(took < Duration::from_secs(25), "it failed at once, not at the connection timeout: {took:?}");
    assert!(output.contains("refused this client's SASL authentication"), "{output}");
    assert!(output.contains("SCRAM-SHA-512") && output.to_lowercase().contains("invalid credentials"), "the cause is named:\n{output}");
    assert!(!output.contains(wrong), "the password was logged:\n{output}");
}

fn an_untrusted_ca_fails_start_up_naming_the_certificate(broker: &SecuredBroker) {
    let dir = tempfile::tempdir().expect("temp dir");
    let ca = dir.path().join("other-ca.pem");
    let made = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=some other CA"])
        .arg("-keyout")
        .arg(dir.path().join("other-ca.key"))
        .arg("-out")
        .arg(&ca)
        .output()
        .expect("run openssl");
    assert!(made.status.success(), "openssl: {}", String::from_utf8_lossy(&made.stderr));
    let env = secured_env(broker, &ca, &broker.password());
    let (code, output, took) = run_until_exit("ingest", &env, Duration::from_secs(60));
    assert_eq!(code, Some(1), "an untrusted broker certificate stops start-up with exit 1 after {took:?}; output:\n{output}");
    assert!(took < Duration::from_secs(25), "it failed at once, not at the connection timeout: {took:?}");
    assert!(output.contains("refused this client's TLS handshake"), "{output}");
    assert!(output.contains("certificate verify failed"), "the cause is named:\n{output}");
}

#[test]
fn the_newswire_command_reports_every_invalid_security_setting_with_exit_2() {
    let output = Command::new(binary("newswire"))
        .args(["tail", "newswire.published", "--count", "1"])
        .env("NEWSWIRE_CONFIG", "/nonexistent/newswire.toml")
        .env("NEWSWIRE_KAFKA_SECURITY_PROTOCOL", "sasl_ssl")
        .env("NEWSWIRE_KAFKA_SECURITY_CA_FILE", "/nonexistent/ca.pem")
        .env("NEWSWIRE_KAFKA_SECURITY_PASSWORD_ENV", "NEWSWIRE_E2E_UNSET_PASSWORD_VARIABLE")
        .env_remove("NEWSWIRE_E2E_UNSET_PASSWORD_VARIABLE")
        .output()
        .expect("run newswire tail");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    for setting in ["kafka.security.ca_file", "kafka.security.sasl_mechanism", "kafka.security.username", "kafka.security.password_env"] {
        assert!(stderr.contains(setting), "{setting} not reported in:\n{stderr}");
    }
}
