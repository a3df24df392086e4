//! How newswire's Kafka clients authenticate and encrypt: the `[kafka.security]`
//! table (TLS and SASL), the `[kafka.librdkafka]` pass-through table, their
//! start-up checks and the librdkafka properties they make.
//!
//! Secrets (the SASL password, a client key's password) are never in the config
//! itself: it names the environment variable or the file that holds them, and they
//! are read when a client is made, into a [`Secret`] whose `Debug` is redacted.
//! SASL GSSAPI (Kerberos) and OAUTHBEARER are not built in.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rdkafka::config::ClientConfig;
use serde::{Deserialize, Serialize};

/// `security.protocol`: whether the connection is TLS-encrypted and whether it authenticates with SASL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecurityProtocol {
    /// No TLS, no SASL (the default: a local broker).
    #[default]
    Plaintext,
    /// TLS, no SASL (authentication by client certificate, if any).
    Ssl,
    /// SASL over an unencrypted connection.
    SaslPlaintext,
    /// SASL over TLS: what managed Kafka services expect.
    SaslSsl,
}

impl SecurityProtocol {
    /// The value of librdkafka's `security.protocol`.
    pub fn as_str(self) -> &'static str {
        match self {
            SecurityProtocol::Plaintext => "plaintext",
            SecurityProtocol::Ssl => "ssl",
            SecurityProtocol::SaslPlaintext => "sasl_plaintext",
            SecurityProtocol::SaslSsl => "sasl_ssl",
        }
    }

    /// Whether connections use TLS.
    pub fn uses_tls(self) -> bool {
        matches!(self, SecurityProtocol::Ssl | SecurityProtocol::SaslSsl)
    }

    /// Whether connections authenticate with SASL.
    pub fn uses_sasl(self) -> bool {
        matches!(self, SecurityProtocol::SaslPlaintext | SecurityProtocol::SaslSsl)
    }
}

/// The SASL mechanisms librdkafka has built in with OpenSSL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SaslMechanism {
    /// User name and password sent as they are (use it over TLS only).
    #[serde(rename = "PLAIN")]
    Plain,
    /// Salted challenge-response with SHA-256.
    #[serde(rename = "SCRAM-SHA-256")]
    ScramSha256,
    /// Salted challenge-response with SHA-512.
    #[serde(rename = "SCRAM-SHA-512")]
    ScramSha512,
}

impl SaslMechanism {
    /// The value of librdkafka's `sasl.mechanism`.
    pub fn as_str(self) -> &'static str {
        match self {
            SaslMechanism::Plain => "PLAIN",
            SaslMechanism::ScramSha256 => "SCRAM-SHA-256",
            SaslMechanism::ScramSha512 => "SCRAM-SHA-512",
        }
    }
}

/// `[kafka.security]`: TLS and SASL settings for every Kafka client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KafkaSecurity {
    /// `plaintext` (default), `ssl`, `sasl_plaintext` or `sasl_ssl`.
    pub protocol: SecurityProtocol,
    /// PEM file of the CA certificates that sign the brokers' certificates
    /// (TLS; without it, the system's trusted roots).
    pub ca_file: Option<PathBuf>,
    /// PEM file of this client's certificate, for brokers that ask for one (TLS).
    pub cert_file: Option<PathBuf>,
    /// PEM file of this client's private key (TLS; with `cert_file`).
    pub key_file: Option<PathBuf>,
    /// Environment variable holding the client key's password, if it is encrypted.
    pub key_password_env: Option<String>,
    /// File holding the client key's password, if it is encrypted.
    pub key_password_file: Option<PathBuf>,
    /// Check that the broker's certificate names the host connected to (TLS).
    /// On by default; `false` is an explicit opt-out.
    pub verify_hostname: bool,
    /// `PLAIN`, `SCRAM-SHA-256` or `SCRAM-SHA-512` (SASL).
    pub sasl_mechanism: Option<SaslMechanism>,
    /// SASL user name.
    pub username: Option<String>,
    /// Environment variable holding the SASL password.
    pub password_env: Option<String>,
    /// File holding the SASL password (one line; a trailing newline is dropped).
    pub password_file: Option<PathBuf>,
}

impl Default for KafkaSecurity {
    fn default() -> Self {
        KafkaSecurity {
            protocol: SecurityProtocol::Plaintext,
            ca_file: None,
            cert_file: None,
            key_file: None,
            key_password_env: None,
            key_password_file: None,
            verify_hostname: true,
            sasl_mechanism: None,
            username: None,
            password_env: None,
            password_file: None,
        }
    }
}

/// A password read from the environment or a file; `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// The secret itself, for the one place that hands it to librdkafka.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Reads the secret that `key` names by an environment variable or a file (at
/// most one of them; `None` when neither is set). Errors name the setting and
/// the variable or file, never the value.
fn read_secret(key: &str, env: Option<&str>, file: Option<&Path>) -> Result<Option<Secret>, String> {
    let value = match (env, file) {
        (Some(_), Some(_)) => return Err(format!("kafka.security.{key}_env and {key}_file: set only one")),
        (None, None) => return Ok(None),
        (Some(var), None) => std::env::var(var).map_err(|_| format!("kafka.security.{key}_env: environment variable {var:?} is not set"))?,
        (None, Some(path)) => {
            let text = std::fs::read_to_string(path).map_err(|e| format!("kafka.security.{key}_file: cannot read {}: {e}", path.display()))?;
            text.strip_suffix('\n').map(|t| t.strip_suffix('\r').unwrap_or(t)).unwrap_or(&text).to_owned()
        }
    };
    if value.is_empty() {
        return Err(format!("kafka.security.{key}: the {} is empty", if env.is_some() { "environment variable" } else { "file" }));
    }
    Ok(Some(Secret(value)))
}

impl KafkaSecurity {
    /// The SASL password, read from `password_env` or `password_file`.
    pub fn password(&self) -> Result<Option<Secret>, String> {
        read_secret("password", self.password_env.as_deref(), self.password_file.as_deref())
    }

    /// The client key's password, read from `key_password_env` or `key_password_file`.
    pub fn key_password(&self) -> Result<Option<Secret>, String> {
        read_secret("key_password", self.key_password_env.as_deref(), self.key_password_file.as_deref())
    }

    /// The librdkafka properties these settings make, secrets included (read
    /// now from their variable or file). Errors are what [`KafkaSecurity::validate`] reports.
    pub fn properties(&self) -> Result<Vec<(&'static str, String)>, String> {
        let mut properties = vec![("security.protocol", self.protocol.as_str().to_owned())];
        if self.protocol.uses_tls() {
            let path = |p: &PathBuf| p.display().to_string();
            if let Some(ca) = &self.ca_file {
                properties.push(("ssl.ca.location", path(ca)));
            }
            if let Some(cert) = &self.cert_file {
                properties.push(("ssl.certificate.location", path(cert)));
            }
            if let Some(key) = &self.key_file {
                properties.push(("ssl.key.location", path(key)));
            }
            if let Some(password) = self.key_password()? {
                properties.push(("ssl.key.password", password.expose().to_owned()));
            }
            properties.push(("ssl.endpoint.identification.algorithm", if self.verify_hostname { "https" } else { "none" }.to_owned()));
        }
        if self.protocol.uses_sasl() {
            if let Some(mechanism) = self.sasl_mechanism {
                properties.push(("sasl.mechanism", mechanism.as_str().to_owned()));
            }
            if let Some(username) = &self.username {
                properties.push(("sasl.username", username.clone()));
            }
            if let Some(password) = self.password()? {
                properties.push(("sasl.password", password.expose().to_owned()));
            }
        }
        Ok(properties)
    }

    /// Records every problem with these settings, naming each setting.
    pub fn validate(&self, errors: &mut Vec<String>) {
        let protocol = self.protocol.as_str();
        let tls_settings = [
            ("ca_file", self.ca_file.is_some()),
            ("cert_file", self.cert_file.is_some()),
            ("key_file", self.key_file.is_some()),
            ("key_password_env", self.key_password_env.is_some()),
            ("key_password_file", self.key_password_file.is_some()),
            ("verify_hostname", !self.verify_hostname),
        ];
        let sasl_settings = [
            ("sasl_mechanism", self.sasl_mechanism.is_some()),
            ("username", self.username.is_some()),
            ("password_env", self.password_env.is_some()),
            ("password_file", self.password_file.is_some()),
        ];
        for (uses, settings, what) in [(self.protocol.uses_tls(), &tls_settings[..], "TLS"), (self.protocol.uses_sasl(), &sasl_settings[..], "SASL")] {
            for (key, _) in settings.iter().filter(|(_, set)| *set && !uses) {
                errors.push(format!("kafka.security.{key}: is a {what} setting, but protocol {protocol:?} does not use {what}"));
            }
        }
        if self.protocol.uses_tls() {
            for (key, file) in [("ca_file", &self.ca_file), ("cert_file", &self.cert_file), ("key_file", &self.key_file)] {
                if let Some(path) = file {
                    if let Err(e) = std::fs::File::open(path) {
                        errors.push(format!("kafka.security.{key}: cannot read {}: {e}", path.display()));
                    }
                }
            }
            if self.cert_file.is_some() != self.key_file.is_some() {
                errors.push("kafka.security.cert_file and key_file: a client certificate needs both".into());
            }
            let key_password = self.key_password();
            if let Err(e) = &key_password {
                errors.push(e.clone());
            }
            if matches!(key_password, Ok(Some(_))) && self.key_file.is_none() {
                errors.push("kafka.security.key_password_env/key_password_file: set, but there is no key_file".into());
            }
        }
        if self.protocol.uses_sasl() {
            if self.sasl_mechanism.is_none() {
                errors.push(format!("kafka.security.sasl_mechanism: protocol {protocol:?} needs one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512"));
            }
            if self.username.as_deref().is_none_or(|u| u.trim().is_empty()) {
                errors.push(format!("kafka.security.username: protocol {protocol:?} needs a user name"));
            }
            match self.password() {
                Ok(Some(_)) => {}
                Ok(None) => errors.push(format!("kafka.security.password_env or password_file: protocol {protocol:?} needs a password")),
                Err(e) => errors.push(e),
            }
        }
    }
}

/// librdkafka properties that newswire sets itself, for its delivery guarantees,
/// its record size limits or its own settings: the pass-through table may not set them.
pub const OWNED_PROPERTIES: &[&str] = &[
    // Delivery semantics (README "Delivery semantics").
    "transactional.id",
    "transaction.timeout.ms",
    "enable.idempotence",
    "acks",
    "request.required.acks",
    "isolation.level",
    "enable.auto.commit",
    "enable.auto.offset.store",
    "auto.offset.reset",
    "group.id",
    "session.timeout.ms",
    "heartbeat.interval.ms",
    // Addresses, identity, metrics and record sizes (`[kafka]`).
    "bootstrap.servers",
    "metadata.broker.list",
    "client.id",
    "statistics.interval.ms",
    "message.max.bytes",
    "fetch.max.bytes",
    "receive.message.max.bytes",
    "fetch.wait.max.ms",
    // `[kafka.security]`.
    "security.protocol",
    "sasl.mechanism",
    "sasl.mechanisms",
    "sasl.username",
    "sasl.password",
    "ssl.ca.location",
    "ssl.certificate.location",
    "ssl.key.location",
    "ssl.key.password",
    "ssl.endpoint.identification.algorithm",
];

/// Records every problem with the `[kafka.librdkafka]` pass-through table: a
/// property newswire owns, or one librdkafka refuses (an unknown name, a bad value).
pub fn validate_passthrough(table: &BTreeMap<String, String>, errors: &mut Vec<String>) {
    for (name, value) in table {
        if OWNED_PROPERTIES.contains(&name.as_str()) {
            errors.push(format!("kafka.librdkafka.{name:?}: newswire sets this property itself and it may not be passed through"));
            continue;
        }
        let mut probe = ClientConfig::new();
        probe.set(name, value);
        if let Err(e) = probe.create_native_config() {
            errors.push(format!("kafka.librdkafka.{name:?}: librdkafka refuses it: {e}"));
        }
    }
}
