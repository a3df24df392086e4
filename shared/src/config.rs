//! Typed, layered configuration: defaults in code < config file < `NEWSWIRE_*` env.
//!
//! Every service reads the same file (`NEWSWIRE_CONFIG`, default `newswire.toml`
//! when it exists). The common part ([`CommonConfig`]) sits at the top level and in
//! the `[kafka]`, `[topics]` and `[log]` tables; each service has its own table
//! (`[ingest]`, `[normalize]`, `[enrich]`, `[publish]`). An environment variable
//! names its table by its first word: `NEWSWIRE_KAFKA_BROKERS` is `kafka.brokers`,
//! `NEWSWIRE_INGEST_ADMIN_ADDR` is `ingest.admin_addr`, `NEWSWIRE_DATA_DIR` is
//! `data_dir`. Every invalid setting is collected and reported at once.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;

use figment::providers::{Env, Format, Toml};
use figment::Figment;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::kafka::security::{self, KafkaSecurity};

/// Tables whose env vars are split at the first underscore (`KAFKA_BROKERS` → `kafka.brokers`).
const TABLES: &[&str] = &["kafka", "topics", "log", "reload", "ingest", "normalize", "enrich", "publish"];

/// Tables inside a table whose env vars are split once more
/// (`KAFKA_SECURITY_PROTOCOL` → `kafka.security.protocol`).
const SUBTABLES: &[(&str, &str)] = &[("kafka", "security")];

/// Env vars with the `NEWSWIRE_` prefix that are not settings.
const NOT_SETTINGS: &[&str] = &["config"];

/// Every setting that was invalid, one line each.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration:\n  - {}", .0.join("\n  - "))]
pub struct ConfigError(pub Vec<String>);

/// Checks a loaded config table and records every problem found.
pub trait Validate {
    /// Push one message per invalid setting, naming the setting.
    fn validate(&self, errors: &mut Vec<String>);
}

/// Kafka client settings shared by every service.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KafkaConfig {
    /// Bootstrap brokers, comma separated (`NEWSWIRE_KAFKA_BROKERS`).
    pub brokers: String,
    /// Partitions for the topics newswire creates.
    pub partitions: i32,
    /// Replication factor for the topics newswire creates.
    pub replication_factor: i32,
    /// Consumer groups are `<group_prefix>-<stage>`.
    pub group_prefix: String,
    /// Most messages one transaction covers.
    pub batch_max_messages: usize,
    /// Longest a batch waits to fill before it is committed, in milliseconds.
    pub batch_max_wait_ms: u64,
    /// Kafka transaction timeout, in milliseconds.
    pub transaction_timeout_ms: u64,
    /// librdkafka statistics interval for lag and queue metrics (0 disables).
    pub statistics_interval_ms: u64,
    /// Consumer session timeout, in milliseconds.
    pub session_timeout_ms: u64,
    /// Longest a stage's fetch waits at the broker for new records, in
    /// milliseconds (librdkafka's `fetch.wait.max.ms`). The broker answers at
    /// once when records become visible (also by a transaction's commit), so a
    /// long wait costs no latency and keeps an idle pipeline quiet.
    pub fetch_wait_max_ms: u64,
    /// Largest record (key, value and headers) any newswire topic carries, in
    /// bytes: the topics are created with this `max.message.bytes` and every
    /// client is set to send and fetch records this large. Ingest answers 413
    /// for a story whose record would be larger; a stage whose output would be,
    /// dead-letters the input (`output_too_large`) with its original bytes.
    pub max_message_bytes: usize,
    /// TLS and SASL (`[kafka.security]`; env `NEWSWIRE_KAFKA_SECURITY_<SETTING>`).
    pub security: KafkaSecurity,
    /// librdkafka properties newswire does not model, passed to every client as
    /// they are (`[kafka.librdkafka]`, config file only); a property newswire sets
    /// itself ([`security::OWNED_PROPERTIES`]) is a configuration error.
    pub librdkafka: BTreeMap<String, String>,
}

/// The most `kafka.max_message_bytes` may be: librdkafka fetches at most
/// `fetch.max.bytes` (set from it) and receives at most 2 GiB a response.
pub const MAX_MESSAGE_BYTES_LIMIT: usize = 256 * 1024 * 1024;

impl Default for KafkaConfig {
    fn default() -> Self {
        KafkaConfig {
            brokers: "127.0.0.1:9092".into(),
            partitions: 3,
            replication_factor: 1,
            group_prefix: "newswire".into(),
            batch_max_messages: 500,
            batch_max_wait_ms: 20,
            transaction_timeout_ms: 30_000,
            statistics_interval_ms: 5_000,
            session_timeout_ms: 10_000,
            fetch_wait_max_ms: 500,
            // Ingest takes bodies of up to 5 MiB; a normalized story carries its
            // text twice (plain and HTML) plus metadata, so the topics take 4x that.
            max_message_bytes: 20 * 1024 * 1024,
            security: KafkaSecurity::default(),
            librdkafka: BTreeMap::new(),
        }
    }
}

impl Validate for KafkaConfig {
    fn validate(&self, errors: &mut Vec<String>) {
        if self.brokers.split(',').all(|b| b.trim().is_empty()) {
            errors.push("kafka.brokers: must name at least one broker host:port".into());
        }
        for broker in self.brokers.split(',').map(str::trim).filter(|b| !b.is_empty()) {
            match broker.rsplit_once(':') {
                Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok() => {}
                _ => errors.push(format!("kafka.brokers: {broker:?} is not host:port")),
            }
        }
        if self.partitions < 1 {
            errors.push(format!("kafka.partitions: {} must be at least 1", self.partitions));
        }
        if self.replication_factor < 1 {
            errors.push(format!("kafka.replication_factor: {} must be at least 1", self.replication_factor));
        }
        if self.group_prefix.trim().is_empty() {
            errors.push("kafka.group_prefix: must not be empty".into());
        }
        if self.fetch_wait_max_ms > 300_000 {
            errors.push(format!("kafka.fetch_wait_max_ms: {} must be at most 300000 (librdkafka's limit)", self.fetch_wait_max_ms));
        }
        if self.batch_max_messages == 0 {
            errors.push("kafka.batch_max_messages: must be at least 1".into());
        }
        if self.transaction_timeout_ms < 1_000 {
            errors.push("kafka.transaction_timeout_ms: must be at least 1000".into());
        }
        if self.session_timeout_ms < 1_000 {
            errors.push("kafka.session_timeout_ms: must be at least 1000".into());
        }
        if !(64 * 1024..=MAX_MESSAGE_BYTES_LIMIT).contains(&self.max_message_bytes) {
            errors.push(format!(
                "kafka.max_message_bytes: {} must be between 65536 and {MAX_MESSAGE_BYTES_LIMIT}",
                self.max_message_bytes
            ));
        }
        self.security.validate(errors);
        security::validate_passthrough(&self.librdkafka, errors);
    }
}

/// Names of the topics that connect the stages.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TopicNames {
    /// Ingest → normalize: original bytes as received.
    pub raw: String,
    /// Normalize → enrich: canonical articles.
    pub normalized: String,
    /// Enrich → publish: enriched articles.
    pub enriched: String,
    /// Every published story, as strict ninjs.
    pub published: String,
    /// Dead letters from every stage.
    pub dlq: String,
}

impl Default for TopicNames {
    fn default() -> Self {
        TopicNames {
            raw: "newswire.raw".into(),
            normalized: "newswire.normalized".into(),
            enriched: "newswire.enriched".into(),
            published: "newswire.published".into(),
            dlq: "newswire.dlq".into(),
        }
    }
}

impl Validate for TopicNames {
    fn validate(&self, errors: &mut Vec<String>) {
        for (key, name) in [
            ("raw", &self.raw),
            ("normalized", &self.normalized),
            ("enriched", &self.enriched),
            ("published", &self.published),
            ("dlq", &self.dlq),
        ] {
            let legal = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
            if name.is_empty() || name.len() > 249 || !name.chars().all(legal) {
                errors.push(format!("topics.{key}: {name:?} is not a legal Kafka topic name"));
            }
        }
    }
}

/// Log output settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    /// `text` (default) or `json` (`NEWSWIRE_LOG_FORMAT`).
    pub format: String,
    /// A tracing filter such as `info` or `newswire=debug` (`NEWSWIRE_LOG_FILTER`).
    pub filter: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig { format: "text".into(), filter: "info".into() }
    }
}

impl Validate for LogConfig {
    fn validate(&self, errors: &mut Vec<String>) {
        if !matches!(self.format.as_str(), "text" | "json") {
            errors.push(format!("log.format: {:?} must be \"text\" or \"json\"", self.format));
        }
        if tracing_subscriber::EnvFilter::try_new(&self.filter).is_err() {
            errors.push(format!("log.filter: {:?} is not a valid tracing filter", self.filter));
        }
    }
}

/// Live configuration (`[reload]`): how ingest and publish notice a changed
/// file ([`crate::reload`]); SIGHUP reloads whatever this says.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReloadConfig {
    /// Seconds between looks at the configuration file(s) for a change of
    /// content (`NEWSWIRE_RELOAD_POLL_SECS`); 0 turns file watching off.
    pub poll_secs: u64,
}

impl Default for ReloadConfig {
    fn default() -> Self {
        ReloadConfig { poll_secs: 5 }
    }
}

/// Settings every service shares.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct CommonConfig {
    /// Kafka client settings.
    pub kafka: KafkaConfig,
    /// Topic names.
    pub topics: TopicNames,
    /// Logging.
    pub log: LogConfig,
    /// Live configuration.
    pub reload: ReloadConfig,
    /// Root folder for on-disk state (sled); each service uses a subfolder.
    pub data_dir: PathBuf,
    /// This instance's name; makes Kafka transactional ids unique per instance.
    /// Defaults to the host name. Two instances of one stage need different ids.
    pub instance_id: String,
}

impl Default for CommonConfig {
    fn default() -> Self {
        CommonConfig {
            kafka: KafkaConfig::default(),
            topics: TopicNames::default(),
            log: LogConfig::default(),
            reload: ReloadConfig::default(),
            data_dir: PathBuf::from("data"),
            instance_id: default_instance_id(),
        }
    }
}

fn default_instance_id() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "0".into())
}

impl Validate for CommonConfig {
    fn validate(&self, errors: &mut Vec<String>) {
        self.kafka.validate(errors);
        self.topics.validate(errors);
        self.log.validate(errors);
        if self.instance_id.trim().is_empty() {
            errors.push("instance_id: must not be empty".into());
        }
    }
}

/// Checks that a listen address parses; used by the service tables.
pub fn check_addr(key: &str, value: &str, errors: &mut Vec<String>) -> Option<SocketAddr> {
    match value.parse() {
        Ok(addr) => Some(addr),
        Err(_) => {
            errors.push(format!("{key}: {value:?} is not an ip:port address"));
            None
        }
    }
}

/// A service's whole configuration: the common part and its own table.
#[derive(Debug, Clone)]
pub struct Loaded<S> {
    /// Settings every service shares.
    pub common: CommonConfig,
    /// The service's own table.
    pub service: S,
}

/// This process's configuration file: `NEWSWIRE_CONFIG`, default `newswire.toml`.
pub fn config_path() -> PathBuf {
    std::env::var_os("NEWSWIRE_CONFIG").map_or_else(|| PathBuf::from("newswire.toml"), PathBuf::from)
}

/// The figment for this process: defaults < file < environment.
pub fn figment() -> Figment {
    Figment::new().merge(Toml::file(config_path())).merge(env_settings())
}

/// Like [`figment`], with the file's text as already read (a reload hashes
/// and parses the very same bytes).
pub fn figment_from_text(file_text: &str) -> Figment {
    Figment::new().merge(Toml::string(file_text)).merge(env_settings())
}

/// The `NEWSWIRE_*` environment variables as settings.
fn env_settings() -> Env {
    Env::prefixed("NEWSWIRE_")
        .filter(|key| !NOT_SETTINGS.contains(&key.as_str()))
        .map(|key| env_key_to_path(key.as_str()).into())
}

fn env_key_to_path(key: &str) -> String {
    let key = key.to_ascii_lowercase();
    match key.split_once('_') {
        Some((table, rest)) if TABLES.contains(&table) => match rest.split_once('_') {
            Some((inner, setting)) if SUBTABLES.contains(&(table, inner)) => format!("{table}.{inner}.{setting}"),
            _ => format!("{table}.{rest}"),
        },
        _ => key,
    }
}

/// The `[kafka]` table of this process's configuration (defaults < file < env),
/// validated, with `brokers` in place of the configured ones when given: what the
/// `newswire` command's Kafka clients use, so they connect as the services do.
pub fn load_kafka(brokers: Option<&str>) -> Result<KafkaConfig, ConfigError> {
    load_kafka_from(&figment(), brokers)
}

/// Like [`load_kafka`], from an explicit figment.
pub fn load_kafka_from(figment: &Figment, brokers: Option<&str>) -> Result<KafkaConfig, ConfigError> {
    let mut kafka = if figment.contains("kafka") {
        figment.extract_inner::<KafkaConfig>("kafka").map_err(|e| ConfigError(e.into_iter().map(|e| e.to_string()).collect()))?
    } else {
        KafkaConfig::default()
    };
    if let Some(brokers) = brokers {
        kafka.brokers = brokers.to_owned();
    }
    let mut errors = Vec::new();
    kafka.validate(&mut errors);
    if errors.is_empty() {
        Ok(kafka)
    } else {
        Err(ConfigError(errors))
    }
}

/// Loads the common settings and the service table `section`, validating both.
pub fn load<S>(section: &str) -> Result<Loaded<S>, ConfigError>
where
    S: DeserializeOwned + Default + Validate,
{
    load_from(figment(), section)
}

/// Like [`load`], from an explicit figment (tests build their own).
pub fn load_from<S>(figment: Figment, section: &str) -> Result<Loaded<S>, ConfigError>
where
    S: DeserializeOwned + Default + Validate,
{
    let mut errors = Vec::new();
    let common = match figment.extract::<CommonConfig>() {
        Ok(common) => Some(common),
        Err(e) => {
            errors.extend(e.into_iter().map(|e| e.to_string()));
            None
        }
    };
    let service = if figment.contains(section) {
        match figment.extract_inner::<S>(section) {
            Ok(s) => Some(s),
            Err(e) => {
                errors.extend(e.into_iter().map(|e| e.to_string()));
                None
            }
        }
    } else {
        Some(S::default())
    };
    if let Some(common) = &common {
        common.validate(&mut errors);
    }
    if let Some(service) = &service {
        service.validate(&mut errors);
    }
    match (common, service) {
        (Some(common), Some(service)) if errors.is_empty() => Ok(Loaded { common, service }),
        _ => Err(ConfigError(errors)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use figment::providers::Serialized;

    #[derive(Debug, Default, Deserialize, Serialize)]
    #[serde(default, deny_unknown_fields)]
    struct Section {
        admin_addr: String,
    }

    impl Validate for Section {
        fn validate(&self, errors: &mut Vec<String>) {
            if !self.admin_addr.is_empty() {
                check_addr("demo.admin_addr", &self.admin_addr, errors);
            }
        }
    }

    #[test]
    fn env_keys_map_to_their_table() {
        assert_eq!(env_key_to_path("KAFKA_BROKERS"), "kafka.brokers");
        assert_eq!(env_key_to_path("INGEST_ADMIN_ADDR"), "ingest.admin_addr");
        assert_eq!(env_key_to_path("DATA_DIR"), "data_dir");
        assert_eq!(env_key_to_path("INSTANCE_ID"), "instance_id");
        assert_eq!(env_key_to_path("KAFKA_SECURITY_PASSWORD_ENV"), "kafka.security.password_env");
        assert_eq!(env_key_to_path("KAFKA_SESSION_TIMEOUT_MS"), "kafka.session_timeout_ms");
    }

    #[test]
    fn defaults_apply_when_nothing_is_set() {
        let loaded: Loaded<Section> = load_from(Figment::new(), "demo").unwrap();
        assert_eq!(loaded.common.kafka.brokers, "127.0.0.1:9092");
        assert_eq!(loaded.common.topics.raw, "newswire.raw");
        assert_eq!(loaded.common.kafka.partitions, 3);
    }

    #[test]
    fn every_invalid_setting_is_reported_at_once() {
        let figment = Figment::new()
            .merge(Serialized::default("kafka.brokers", "nohostport"))
            .merge(Serialized::default("kafka.partitions", 0))
            .merge(Serialized::default("log.format", "xml"))
            .merge(Serialized::default("demo.admin_addr", "not-an-addr"));
        let err = load_from::<Section>(figment, "demo").unwrap_err();
        let text = err.to_string();
        assert_eq!(err.0.len(), 4, "{text}");
        assert!(text.contains("kafka.brokers"), "{text}");
        assert!(text.contains("kafka.partitions"), "{text}");
        assert!(text.contains("log.format"), "{text}");
        assert!(text.contains("demo.admin_addr"), "{text}");
    }

    #[test]
    fn unknown_keys_in_a_table_are_refused() {
        let figment = Figment::new().merge(Serialized::default("kafka.brokerz", "x:1"));
        let err = load_from::<Section>(figment, "demo").unwrap_err();
        assert!(err.to_string().contains("brokerz"), "{err}");
    }
}
