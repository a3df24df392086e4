//! `[kafka.security]` and `[kafka.librdkafka]`: what each setting makes of every
//! client's librdkafka properties, what start-up refuses, and that secrets stay
//! out of `Debug` and error text.

use std::io::Write;

use figment::providers::{Format, Toml};
use figment::Figment;
use newswire_shared::config::{load_kafka_from, KafkaConfig};
use newswire_shared::kafka::client;
use newswire_shared::kafka::security::{KafkaSecurity, SaslMechanism, SecurityProtocol, OWNED_PROPERTIES};
use rdkafka::ClientConfig;

const PASSWORD: &str = "s3cret-Pa55word";

fn kafka(toml: &str) -> Result<KafkaConfig, String> {
    load_kafka_from(&Figment::new().merge(Toml::string(toml)), None).map_err(|e| e.to_string())
}

/// Every client role newswire makes, by name.
fn every_client(kafka: &KafkaConfig) -> Vec<(&'static str, ClientConfig)> {
    vec![
        ("admin", client::base(kafka, "t")),
        ("idempotent producer", client::idempotent_producer(kafka, "t")),
        ("transactional producer", client::transactional_producer(kafka, "t", "tx")),
        ("transactional consumer", client::transactional_consumer(kafka, "t", "g")),
        ("reader", client::reader(kafka, "t", "g")),
    ]
}

fn password_file(text: &str) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    file.write_all(text.as_bytes()).expect("write");
    file
}

#[test]
fn the_default_is_plaintext_with_no_tls_or_sasl_property() {
    let kafka = kafka("").expect("defaults are valid");
    for (role, config) in every_client(&kafka) {
        assert_eq!(config.get("security.protocol"), Some("plaintext"), "{role}");
        let names: Vec<&str> = config.config_map().into_keys().filter(|k| k.starts_with("ssl.") || k.starts_with("sasl.")).collect();
        assert!(names.is_empty(), "{role} sets {names:?}");
    }
}

#[test]
fn sasl_ssl_with_scram_sets_protocol_mechanism_user_password_ca_and_hostname_check_on_every_client() {
    let ca = password_file("not read by the mapping");
    let secret = password_file(&format!("{PASSWORD}\n"));
    let kafka = kafka(&format!(
        r#"
[kafka.security]
protocol = "sasl_ssl"
ca_file = "{}"
sasl_mechanism = "SCRAM-SHA-512"
username = "newswire"
password_file = "{}"
"#,
        ca.path().display(),
        secret.path().display()
    ))
    .expect("valid");
    assert_eq!(kafka.security.protocol, SecurityProtocol::SaslSsl);
    assert_eq!(kafka.security.sasl_mechanism, Some(SaslMechanism::ScramSha512));
    let ca_path = ca.path().display().to_string();
    for (role, config) in every_client(&kafka) {
        assert_eq!(config.get("security.protocol"), Some("sasl_ssl"), "{role}");
        assert_eq!(config.get("ssl.ca.location"), Some(ca_path.as_str()), "{role}");
        assert_eq!(config.get("ssl.endpoint.identification.algorithm"), Some("https"), "{role}: hostname verification is on by default");
        assert_eq!(config.get("sasl.mechanism"), Some("SCRAM-SHA-512"), "{role}");
        assert_eq!(config.get("sasl.username"), Some("newswire"), "{role}");
        assert_eq!(config.get("sasl.password"), Some(PASSWORD), "{role}: the file's trailing newline is not part of the password");
        assert_eq!(config.get("ssl.certificate.location"), None, "{role}");
        config.create_native_config().unwrap_or_else(|e| panic!("{role}: librdkafka refuses the properties: {e}"));
    }
}

#[test]
fn the_password_is_read_from_the_named_environment_variable() {
    std::env::set_var("NEWSWIRE_TEST_SASL_PASSWORD_A", PASSWORD);
    let kafka = kafka(
        r#"
[kafka.security]
protocol = "sasl_plaintext"
sasl_mechanism = "PLAIN"
username = "u"
password_env = "NEWSWIRE_TEST_SASL_PASSWORD_A"
"#,
    )
    .expect("valid");
    let config = client::reader(&kafka, "t", "g");
    assert_eq!(config.get("security.protocol"), Some("sasl_plaintext"));
    assert_eq!(config.get("sasl.mechanism"), Some("PLAIN"));
    assert_eq!(config.get("sasl.password"), Some(PASSWORD));
    assert_eq!(config.get("ssl.endpoint.identification.algorithm"), None, "no TLS, no TLS property");
}

#[test]
fn tls_with_a_client_certificate_an_encrypted_key_and_hostname_check_off() {
    let (cert, key) = (password_file("cert"), password_file("key"));
    std::env::set_var("NEWSWIRE_TEST_KEY_PASSWORD_B", "key-pass");
    let kafka = kafka(&format!(
        r#"
[kafka.security]
protocol = "ssl"
cert_file = "{}"
key_file = "{}"
key_password_env = "NEWSWIRE_TEST_KEY_PASSWORD_B"
verify_hostname = false
"#,
        cert.path().display(),
        key.path().display()
    ))
    .expect("valid");
    let config = client::idempotent_producer(&kafka, "t");
    assert_eq!(config.get("security.protocol"), Some("ssl"));
    assert_eq!(config.get("ssl.certificate.location"), Some(cert.path().display().to_string().as_str()));
    assert_eq!(config.get("ssl.key.location"), Some(key.path().display().to_string().as_str()));
    assert_eq!(config.get("ssl.key.password"), Some("key-pass"));
    assert_eq!(config.get("ssl.endpoint.identification.algorithm"), Some("none"), "the explicit opt-out");
    assert_eq!(config.get("ssl.ca.location"), None, "no CA file: the system's roots");
    assert_eq!(config.get("sasl.mechanism"), None);
}

#[test]
fn every_security_mistake_is_reported_at_once_naming_its_setting() {
    let err = kafka(
        r#"
[kafka.security]
protocol = "sasl_ssl"
ca_file = "/nonexistent/ca.pem"
cert_file = "/nonexistent/cert.pem"
password_env = "NEWSWIRE_TEST_UNSET_VARIABLE_C"
"#,
    )
    .unwrap_err();
    for expected in [
        "kafka.security.ca_file: cannot read /nonexistent/ca.pem",
        "kafka.security.cert_file: cannot read",
        "kafka.security.cert_file and key_file",
        "kafka.security.sasl_mechanism",
        "kafka.security.username",
        "kafka.security.password_env: environment variable \"NEWSWIRE_TEST_UNSET_VARIABLE_C\" is not set",
    ] {
        assert!(err.contains(expected), "{expected:?} missing from:\n{err}");
    }
}

#[test]
fn settings_of_a_protocol_not_in_use_and_two_password_sources_are_refused() {
    let err = kafka(
        r#"
[kafka.security]
protocol = "plaintext"
ca_file = "/x"
username = "u"
verify_hostname = false
"#,
    )
    .unwrap_err();
    assert!(err.contains("kafka.security.ca_file: is a TLS setting, but protocol \"plaintext\""), "{err}");
    assert!(err.contains("kafka.security.verify_hostname: is a TLS setting"), "{err}");
    assert!(err.contains("kafka.security.username: is a SASL setting"), "{err}");

    let file = password_file(PASSWORD);
    let err = kafka(&format!(
        "[kafka.security]\nprotocol = \"sasl_plaintext\"\nsasl_mechanism = \"SCRAM-SHA-256\"\nusername = \"u\"\npassword_env = \"HOME\"\npassword_file = \"{}\"\n",
        file.path().display()
    ))
    .unwrap_err();
    assert!(err.contains("password_env and password_file: set only one"), "{err}");

    let err = kafka("[kafka.security]\nprotocol = \"tls\"\n").unwrap_err();
    assert!(err.contains("protocol"), "{err}");
    let err = kafka("[kafka.security]\nprotocol = \"sasl_ssl\"\nsasl_mechanism = \"GSSAPI\"\n").unwrap_err();
    assert!(err.contains("GSSAPI"), "Kerberos is not built in: {err}");
}

#[test]
fn the_password_never_appears_in_debug_output_or_errors() {
    let secret = password_file(PASSWORD);
    let kafka = kafka(&format!(
        "[kafka.security]\nprotocol = \"sasl_ssl\"\nsasl_mechanism = \"PLAIN\"\nusername = \"u\"\npassword_file = \"{}\"\n",
        secret.path().display()
    ))
    .expect("valid");
    let password = kafka.security.password().expect("readable").expect("set");
    assert_eq!(password.expose(), PASSWORD);
    for shown in [format!("{password:?}"), format!("{kafka:?}"), format!("{:?}", kafka.security)] {
        assert!(!shown.contains(PASSWORD), "the password leaked: {shown}");
    }
    // A wrong setting beside it: the error names settings, never the secret.
    let err = load_kafka_from(
        &Figment::new().merge(Toml::string(&format!(
            "[kafka.security]\nprotocol = \"sasl_ssl\"\nsasl_mechanism = \"PLAIN\"\nusername = \"u\"\npassword_file = \"{}\"\nca_file = \"/nonexistent\"\n",
            secret.path().display()
        ))),
        None,
    )
    .unwrap_err();
    assert!(!format!("{err} {err:?}").contains(PASSWORD), "{err:?}");
}

#[test]
fn passthrough_properties_reach_every_client_last() {
    let kafka = kafka(
        r#"
[kafka.librdkafka]
"socket.keepalive.enable" = "true"
"linger.ms" = "7"
"ssl.cipher.suites" = "ECDHE-RSA-AES256-GCM-SHA384"
"#,
    )
    .expect("valid");
    for (role, config) in every_client(&kafka) {
        assert_eq!(config.get("socket.keepalive.enable"), Some("true"), "{role}");
        assert_eq!(config.get("ssl.cipher.suites"), Some("ECDHE-RSA-AES256-GCM-SHA384"), "{role}");
    }
    assert_eq!(client::idempotent_producer(&kafka, "t").get("linger.ms"), Some("7"), "the table overrides a role's tuning");
    assert_eq!(client::transactional_producer(&kafka, "t", "x").get("linger.ms"), Some("7"));
}

#[test]
fn passthrough_of_an_owned_or_unknown_property_is_a_config_error() {
    let err = kafka(
        r#"
[kafka.librdkafka]
"transactional.id" = "x"
"enable.idempotence" = "false"
"isolation.level" = "read_uncommitted"
"enable.auto.commit" = "true"
"sasl.password" = "x"
"no.such.property" = "1"
"linger.ms" = "not-a-number"
"#,
    )
    .unwrap_err();
    for name in ["transactional.id", "enable.idempotence", "isolation.level", "enable.auto.commit", "sasl.password"] {
        assert!(err.contains(&format!("kafka.librdkafka.\"{name}\": newswire sets this property itself")), "{name}:\n{err}");
    }
    assert!(err.contains("kafka.librdkafka.\"no.such.property\": librdkafka refuses it"), "{err}");
    assert!(err.contains("kafka.librdkafka.\"linger.ms\": librdkafka refuses it"), "{err}");
}

#[test]
fn every_property_the_security_table_sets_is_owned() {
    let secret = password_file(PASSWORD);
    let (cert, key) = (password_file("c"), password_file("k"));
    let security = KafkaSecurity {
        protocol: SecurityProtocol::SaslSsl,
        ca_file: Some(cert.path().into()),
        cert_file: Some(cert.path().into()),
        key_file: Some(key.path().into()),
        key_password_file: Some(secret.path().into()),
        sasl_mechanism: Some(SaslMechanism::ScramSha256),
        username: Some("u".into()),
        password_file: Some(secret.path().into()),
        ..KafkaSecurity::default()
    };
    let mut errors = Vec::new();
    security.validate(&mut errors);
    assert!(errors.is_empty(), "{errors:?}");
    let properties = security.properties().expect("readable");
    assert_eq!(properties.len(), 9, "{:?}", properties.iter().map(|p| p.0).collect::<Vec<_>>());
    for (name, _) in properties {
        assert!(OWNED_PROPERTIES.contains(&name), "{name} can be overridden by the pass-through table");
    }
}

/// The README's "Production" examples, as written, pass validation and map as said.
#[test]
fn the_readme_production_examples_are_valid() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).expect("README.md");
    let section = readme.split("## Production").nth(1).expect("a Production section");
    let blocks: Vec<&str> = section.split("```toml\n").skip(1).take(2).map(|b| b.split("```").next().unwrap_or_default()).collect();
    assert_eq!(blocks.len(), 2, "the security example and the pass-through example");
    let ca = password_file("ca");
    let security = blocks[0].replace("/etc/newswire/kafka-ca.pem", &ca.path().display().to_string());
    std::env::set_var("KAFKA_PASSWORD", PASSWORD);
    let kafka = kafka(&format!("{security}\n{}", blocks[1])).unwrap_or_else(|e| panic!("the README's example is invalid: {e}"));
    let config = client::transactional_consumer(&kafka, "t", "g");
    assert_eq!(config.get("security.protocol"), Some("sasl_ssl"));
    assert_eq!(config.get("sasl.mechanism"), Some("SCRAM-SHA-512"));
    assert_eq!(config.get("sasl.password"), Some(PASSWORD));
    assert_eq!(config.get("socket.keepalive.enable"), Some("true"));
}
