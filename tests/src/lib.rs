//! Harness for newswire's end-to-end tests: the real Kafka broker (started by
//! `scripts/kafka.sh`, the same script the README and CI use), the four service
//! binaries as real processes, and helpers to push stories and read topics.
//!
//! Each [`Pipeline`] gets fresh topic names, consumer groups, ports and data
//! folders, so tests never see each other's messages.

pub mod webhook;

use std::collections::HashMap;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Headers, Message};
use rdkafka::ClientConfig;
use serde_json::{json, Value};

/// The token of the test feed `pa`.
pub const PA_TOKEN: &str = "test-token-pa";
/// The token of the test feed `ap`.
pub const AP_TOKEN: &str = "test-token-ap";
/// The token of the test feed `reuters`.
pub const REUTERS_TOKEN: &str = "test-token-reuters";

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ is inside the repo").to_path_buf()
}

/// A fixture from `tests/fixtures/`.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = repo_root().join("tests/fixtures").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read fixture {}: {e}", path.display()))
}

/// The bootstrap address of the shared test broker, starting it on first use with
/// `scripts/kafka.sh start` (port `NEWSWIRE_TEST_KAFKA_PORT`, default 19092).
pub fn brokers() -> &'static str {
    static BROKERS: OnceLock<String> = OnceLock::new();
    BROKERS.get_or_init(|| {
        let port: u16 = std::env::var("NEWSWIRE_TEST_KAFKA_PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(19092);
        kafka_script(port, "start");
        format!("127.0.0.1:{port}")
    })
}

/// Starts a broker of its own on `port` (from a clean data folder) for a test
/// that stops and starts it; returns its bootstrap address.
pub fn dedicated_broker(port: u16) -> String {
    kafka_script(port, "wipe");
    kafka_script(port, "start");
    format!("127.0.0.1:{port}")
}

/// Runs `scripts/kafka.sh <command>` for the broker on `port`.
pub fn kafka_script(port: u16, command: &str) {
    kafka_script_with(port, command, &[]);
}

/// Runs `scripts/kafka.sh <command>` for the broker on `port` with extra environment.
pub fn kafka_script_with(port: u16, command: &str, env: &[(&str, &str)]) {
    let status = Command::new("bash")
        .arg(repo_root().join("scripts/kafka.sh"))
        .arg(command)
        .env("KAFKA_PORT", port.to_string())
        .envs(env.iter().copied())
        .status()
        .expect("cannot run scripts/kafka.sh");
    assert!(status.success(), "scripts/kafka.sh {command} failed on port {port}");
}

/// A broker in `scripts/kafka.sh`'s secured mode (SASL_SSL with SCRAM users and a
/// local CA), started from a clean data folder and stopped when dropped.
pub struct SecuredBroker {
    /// Its bootstrap address (the SASL_SSL listener).
    pub brokers: String,
    /// The node's folder: `tls/ca.pem`, `sasl-password`, `client.toml`.
    pub node_dir: PathBuf,
    port: u16,
}

impl SecuredBroker {
    /// Starts it on `NEWSWIRE_TEST_KAFKA_SECURE_PORT` (default 19292; the ports
    /// after it are its controller and plaintext inter-broker listeners).
    pub fn start() -> Self {
        let port: u16 = std::env::var("NEWSWIRE_TEST_KAFKA_SECURE_PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(19_292);
        kafka_script(port, "wipe");
        kafka_script_with(port, "start", &[("KAFKA_SECURE", "1")]);
        let home = std::env::var_os("KAFKA_HOME_DIR").map(PathBuf::from).unwrap_or_else(|| repo_root().join(".kafka"));
        SecuredBroker { brokers: format!("127.0.0.1:{port}"), node_dir: home.join(format!("node-{port}")), port }
    }

    /// The CA that signed the broker's certificate.
    pub fn ca_file(&self) -> PathBuf {
        self.node_dir.join("tls/ca.pem")
    }

    /// The SCRAM user's password.
    pub fn password(&self) -> String {
        std::fs::read_to_string(self.node_dir.join("sasl-password")).expect("the node's sasl-password").trim().to_owned()
    }
}

impl Drop for SecuredBroker {
    fn drop(&mut self) {
        kafka_script(self.port, "stop");
    }
}

/// The path of a service binary built by `cargo build --bins` (the `debug`
/// profile, or the one `NEWSWIRE_TEST_PROFILE` names, e.g. `release` for a
/// long scale run).
pub fn binary(name: &str) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| repo_root().join("target"));
    let profile = std::env::var("NEWSWIRE_TEST_PROFILE").unwrap_or_else(|_| "debug".into());
    let path = target.join(profile).join(name);
    assert!(
        path.exists(),
        "{} is missing: build the services first (`cargo build --bins`; scripts/test.sh does it)",
        path.display()
    );
    path
}

/// A free TCP port on loopback for a service to bind later.
///
/// Ports come from 20000–32767, below Linux's ephemeral range (32768+), so
/// an outgoing connection (a Kafka client, an HTTP call) can never take a
/// port between this call and the service binding it; a process-wide
/// counter, seeded from the process id, never hands out the same port twice
/// to tests running side by side. A port something else already holds is
/// skipped.
pub fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU32, Ordering};
    const FIRST: u32 = 20_000;
    const SPAN: u32 = 12_768;
    static NEXT: AtomicU32 = AtomicU32::new(u32::MAX);
    let _ = NEXT.compare_exchange(u32::MAX, (std::process::id() * 97) % SPAN, Ordering::SeqCst, Ordering::SeqCst);
    for _ in 0..SPAN {
        let port = (FIRST + NEXT.fetch_add(1, Ordering::SeqCst) % SPAN) as u16;
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free port in {FIRST}..{}", FIRST + SPAN)
}

/// The four services, in pipeline order.
pub const SERVICES: [&str; 4] = ["ingest", "normalize", "enrich", "publish"];

/// One service process (an instance of one stage).
pub struct Service {
    /// How tests name it: the stage (`normalize`) or, for extra instances, `normalize#2`.
    pub name: String,
    /// The stage it runs: `ingest`, `normalize`, `enrich` or `publish`.
    pub stage: &'static str,
    /// Its admin port.
    pub admin_port: u16,
    /// Its `NEWSWIRE_INSTANCE_ID`.
    pub instance_id: String,
    child: Option<Child>,
    /// Its own settings over the pipeline's, for every start.
    env: Vec<(String, String)>,
}

/// A consumed record.
#[derive(Debug, Clone)]
pub struct Record {
    /// Key as text.
    pub key: String,
    /// Value.
    pub payload: Vec<u8>,
    /// Headers as text.
    pub headers: HashMap<String, String>,
    /// The record's timestamp (when its producer wrote it), milliseconds since the epoch.
    pub timestamp_ms: Option<i64>,
}

impl Record {
    /// The value as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.payload).unwrap_or_else(|e| panic!("record is not JSON ({e}): {}", String::from_utf8_lossy(&self.payload)))
    }
}

/// A whole pipeline on fresh topics, groups, ports and data folders.
pub struct Pipeline {
    /// Unique suffix of this pipeline's topics and groups.
    pub id: String,
    /// Topic names: raw, normalized, enriched, published, dlq.
    pub topics: HashMap<&'static str, String>,
    /// The push API base URL.
    pub ingest_url: String,
    /// The broker this pipeline runs on.
    pub brokers: String,
    services: Vec<Service>,
    env: Vec<(String, String)>,
    dir: tempfile::TempDir,
    http: reqwest::blocking::Client,
}

impl Pipeline {
    /// Starts all four services and waits until each is ready.
    pub fn start() -> Self {
        Self::start_with(&[])
    }

    /// Starts all four services with extra `NEWSWIRE_*` settings.
    pub fn start_with(extra_env: &[(&str, &str)]) -> Self {
        Self::start_on(brokers(), extra_env)
    }

    /// Starts all four services against the broker at `brokers` (fault tests use a
    /// dedicated broker they can stop), with extra `NEWSWIRE_*` settings.
    pub fn start_on(brokers: &str, extra_env: &[(&str, &str)]) -> Self {
        let id = uuid::Uuid::new_v4().simple().to_string()[..10].to_owned();
        let dir = tempfile::tempdir().expect("temp dir");
        let topics: HashMap<&'static str, String> =
            ["raw", "normalized", "enriched", "published", "dlq"].into_iter().map(|t| (t, format!("test-{id}.{t}"))).collect();
        let ingest_port = free_port();
        let config_path = dir.path().join("newswire.toml");
        std::fs::write(&config_path, test_config()).expect("write config");
        let mut env: Vec<(String, String)> = vec![
            ("NEWSWIRE_CONFIG".into(), config_path.display().to_string()),
            ("NEWSWIRE_KAFKA_BROKERS".into(), brokers.to_owned()),
            ("NEWSWIRE_KAFKA_GROUP_PREFIX".into(), format!("test-{id}")),
            ("NEWSWIRE_KAFKA_SESSION_TIMEOUT_MS".into(), "6000".into()),
            ("NEWSWIRE_KAFKA_TRANSACTION_TIMEOUT_MS".into(), "10000".into()),
            ("NEWSWIRE_INGEST_ADDR".into(), format!("127.0.0.1:{ingest_port}")),
            ("RUST_LOG".into(), std::env::var("NEWSWIRE_TEST_LOG").unwrap_or_else(|_| "warn".into())),
        ];
        for (name, topic) in &topics {
            env.push((format!("NEWSWIRE_TOPICS_{}", name.to_uppercase()), topic.clone()));
        }
        for (k, v) in extra_env {
            env.push(((*k).to_owned(), (*v).to_owned()));
        }
        let mut pipeline = Pipeline {
            id,
            topics,
            ingest_url: format!("http://127.0.0.1:{ingest_port}"),
            brokers: brokers.to_owned(),
            services: Vec::new(),
            env,
            dir,
            http: reqwest::blocking::Client::builder().timeout(Duration::from_secs(30)).build().expect("http client"),
        };
        for stage in SERVICES {
            pipeline.services.push(Service {
                name: stage.to_owned(),
                stage,
                admin_port: free_port(),
                instance_id: format!("{stage}-1"),
                child: None,
                env: Vec::new(),
            });
        }
        for name in SERVICES {
            pipeline.spawn(name);
        }
        for name in SERVICES {
            pipeline.wait_ready(name, Duration::from_secs(60));
        }
        pipeline
    }

    /// The topic name for `raw`, `normalized`, `enriched`, `published` or `dlq`.
    pub fn topic(&self, name: &str) -> &str {
        &self.topics[name]
    }

    /// Where this pipeline keeps its files.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Adds and starts another instance of `stage` in the same consumer group;
    /// returns its name (`normalize#2`, …) for `stop`, `kill` and `spawn`.
    pub fn add_instance(&mut self, stage: &'static str) -> String {
        self.add_instance_with(stage, &[])
    }

    /// [`Pipeline::add_instance`] with `extra_env` over the pipeline's settings
    /// (a second ingest needs an address of its own) for every start of it.
    pub fn add_instance_with(&mut self, stage: &'static str, extra_env: &[(&str, &str)]) -> String {
        let n = self.services.iter().filter(|s| s.stage == stage).count() + 1;
        let name = format!("{stage}#{n}");
        self.services.push(Service {
            name: name.clone(),
            stage,
            admin_port: free_port(),
            instance_id: format!("{stage}-{n}"),
            child: None,
            env: extra_env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
        });
        self.spawn(&name);
        self.wait_ready(&name, Duration::from_secs(60));
        name
    }

    /// The names of every service instance, in start order.
    pub fn service_names(&self) -> Vec<String> {
        self.services.iter().map(|s| s.name.clone()).collect()
    }

    /// The process id of a running service.
    pub fn pid(&self, name: &str) -> Option<u32> {
        self.services.iter().find(|s| s.name == name).and_then(|s| s.child.as_ref()).map(Child::id)
    }

    fn service_mut(&mut self, name: &str) -> &mut Service {
        self.services.iter_mut().find(|s| s.name == name).unwrap_or_else(|| panic!("no service {name}"))
    }

    /// The admin port of a service.
    pub fn admin_port(&self, name: &str) -> u16 {
        self.services.iter().find(|s| s.name == name).map(|s| s.admin_port).unwrap_or_else(|| panic!("no service {name}"))
    }

    /// Starts (or restarts) one service process.
    pub fn spawn(&mut self, name: &str) {
        self.spawn_with(name, &[]);
    }

    /// Stops a service (SIGTERM) and starts it again with `extra_env` over the
    /// pipeline's settings (e.g. a lower limit for this one stage), waiting until it is ready.
    pub fn restart_with(&mut self, name: &str, extra_env: &[(&str, &str)]) {
        self.stop(name);
        self.spawn_with(name, extra_env);
        self.wait_ready(name, Duration::from_secs(60));
    }

    /// Starts (or restarts) one service process with `extra_env` over the pipeline's settings.
    pub fn spawn_with(&mut self, name: &str, extra_env: &[(&str, &str)]) {
        let env = self.env.clone();
        let log_path = self.dir.path().join(format!("{name}.log"));
        let data_root = self.dir.path().join("data");
        let service = self.service_mut(name);
        let admin_var = format!("NEWSWIRE_{}_ADMIN_ADDR", service.stage.to_uppercase());
        let log = std::fs::OpenOptions::new().create(true).append(true).open(&log_path).expect("log file");
        let own_env = service.env.clone();
        let child = Command::new(binary(&format!("newswire-{}", service.stage)))
            .envs(env)
            .envs(own_env)
            .env("NEWSWIRE_INSTANCE_ID", &service.instance_id)
            // Each instance keeps its own on-disk state, as each pod has its own volume.
            .env("NEWSWIRE_DATA_DIR", data_root.join(&service.instance_id))
            .env(admin_var, format!("127.0.0.1:{}", service.admin_port))
            .envs(extra_env.iter().copied())
            .stdout(Stdio::from(log.try_clone().expect("log file")))
            .stderr(Stdio::from(log))
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start newswire-{name}: {e}"));
        service.child = Some(child);
    }

    /// Waits until `/ready` of a service answers 200.
    pub fn wait_ready(&mut self, name: &str, timeout: Duration) {
        let url = format!("http://127.0.0.1:{}/ready", self.admin_port(name));
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(r) = self.http.get(&url).send() {
                if r.status().is_success() {
                    return;
                }
            }
            if let Some(status) = self.service_mut(name).child.as_mut().and_then(|c| c.try_wait().ok().flatten()) {
                panic!("newswire-{name} exited with {status} before it was ready; log:\n{}", self.log(name));
            }
            assert!(Instant::now() < deadline, "newswire-{name} not ready after {timeout:?}; log:\n{}", self.log(name));
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The log a service wrote so far.
    pub fn log(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(format!("{name}.log"))).unwrap_or_default()
    }

    /// Sends `signal` to a service and waits for it to exit; returns its exit status.
    pub fn signal_and_wait(&mut self, name: &str, signal: i32, timeout: Duration) -> ExitStatus {
        let child = self.service_mut(name).child.as_mut().unwrap_or_else(|| panic!("{name} is not running"));
        // SAFETY: kill(2) on a child process id we own; no memory is touched.
        unsafe {
            libc::kill(child.id() as i32, signal);
        }
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = child.try_wait().expect("wait on child") {
                self.service_mut(name).child = None;
                return status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("newswire-{name} did not exit within {timeout:?} of signal {signal}; log:\n{}", self.log(name));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops a service with SIGTERM (graceful) and returns its exit status.
    pub fn stop(&mut self, name: &str) -> ExitStatus {
        self.signal_and_wait(name, libc::SIGTERM, Duration::from_secs(60))
    }

    /// Kills a service with SIGKILL (a crash).
    pub fn kill(&mut self, name: &str) {
        self.signal_and_wait(name, libc::SIGKILL, Duration::from_secs(10));
    }

    /// Pushes a story as feed `token`; returns the HTTP status and JSON answer.
    pub fn push(&self, token: &str, content_type: &str, body: impl Into<Vec<u8>>) -> (u16, serde_json::Value) {
        let response = self
            .http
            .post(format!("{}/v1/stories", self.ingest_url))
            .bearer_auth(token)
            .header("content-type", content_type)
            .body(body.into())
            .send()
            .expect("push request failed");
        let status = response.status().as_u16();
        let text = response.text().unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)))
    }

    /// Pushes and asserts 202; returns the story id.
    pub fn push_ok(&self, token: &str, content_type: &str, body: impl Into<Vec<u8>>) -> String {
        let (status, answer) = self.push(token, content_type, body);
        assert_eq!(status, 202, "push not accepted: {answer}");
        answer["id"].as_str().unwrap_or_default().to_owned()
    }

    /// Reads committed records of topic `name` until `expected` arrived or
    /// `timeout` passed, then keeps reading for `settle` to catch extras.
    pub fn read(&self, name: &str, expected: usize, timeout: Duration, settle: Duration) -> Vec<Record> {
        read_topic_on(&self.brokers, self.topic(name), expected, timeout, settle)
    }

    /// Runs the `newswire` command with the pipeline's settings (configuration
    /// file, brokers, topic names and any extra settings it was started with).
    pub fn cli(&self, args: &[&str]) -> std::process::Output {
        Command::new(binary("newswire"))
            .args(args)
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .output()
            .unwrap_or_else(|e| panic!("cannot run newswire {args:?}: {e}"))
    }

    /// Fetches a service's `/metrics` text.
    pub fn metrics(&self, name: &str) -> String {
        self.http
            .get(format!("http://127.0.0.1:{}/metrics", self.admin_port(name)))
            .send()
            .and_then(|r| r.text())
            .unwrap_or_default()
    }
}

impl Pipeline {
    /// Waits until `name`'s metrics show `series` (a store's gauges appear once
    /// its partitions were assigned and restored).
    pub fn wait_for_series(&self, name: &str, series: &str, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while !self.metrics(name).lines().any(|l| l.starts_with(series)) {
            assert!(Instant::now() < deadline, "{name} never showed {series}; log:\n{}", self.log(name));
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

/// The value of a metric series (its name and labels, as rendered) in
/// Prometheus text, 0 when absent.
pub fn metric(text: &str, series: &str) -> f64 {
    text.lines().find_map(|l| l.strip_prefix(series).and_then(|rest| rest.trim().parse().ok())).unwrap_or(0.0)
}

impl Drop for Pipeline {
    fn drop(&mut self) {
        for service in &mut self.services {
            if let Some(child) = service.child.as_mut() {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
        if std::thread::panicking() || std::env::var_os("NEWSWIRE_TEST_KEEP").is_some() {
            let kept = self.dir.path().to_path_buf();
            eprintln!("pipeline {} files kept in {}", self.id, kept.display());
            std::mem::forget(std::mem::replace(&mut self.dir, tempfile::tempdir().expect("temp dir")));
        }
    }
}

/// Produces `article` onto `topic` keyed by its uri, and waits until the broker has it
/// (publish's tests feed its input topic this way).
pub fn send_article(producer: &rdkafka::producer::BaseProducer, topic: &str, article: &Value) {
    use rdkafka::producer::{BaseRecord, Producer};
    let payload = article.to_string();
    let key = article["uri"].as_str().unwrap_or_default().to_owned();
    producer.send(BaseRecord::to(topic).key(&key).payload(&payload)).expect("enqueue");
    producer.flush(Duration::from_secs(10)).expect("flush");
}

/// A canonical article as normalize and enrich write it (ninjs fields plus the
/// `newswire` extension; feed `pa`), with the fields of `extra` set over it.
pub fn canonical_article(uri: &str, version: u64, headline: &str, extra: Value) -> Value {
    let mut a = json!({
        "uri": uri,
        "type": "text",
        "version": version.to_string(),
        "versioncreated": "2026-11-24T12:00:00Z",
        "pubstatus": "usable",
        "language": "en-GB",
        "headlines": [{"role": "main", "contenttype": "text/plain", "value": headline}],
        "bodies": [{"role": "main", "contenttype": "text/plain", "value": format!("{headline}. More text follows.")}],
        "newswire": {"feed": "pa", "story_id": uri},
    });
    if let (Some(base), Some(more)) = (a.as_object_mut(), extra.as_object()) {
        for (k, v) in more {
            base.insert(k.clone(), v.clone());
        }
    }
    a
}

/// Reads committed records of `topic` on the shared test broker (see [`read_topic_on`]).
pub fn read_topic(topic: &str, expected: usize, timeout: Duration, settle: Duration) -> Vec<Record> {
    read_topic_on(brokers(), topic, expected, timeout, settle)
}

/// Reads committed records of `topic` on `brokers` from the beginning with a fresh
/// group, until `expected` arrived or `timeout` passed, then for `settle` more.
pub fn read_topic_on(brokers: &str, topic: &str, expected: usize, timeout: Duration, settle: Duration) -> Vec<Record> {
    let mut config = ClientConfig::new();
    config
        .set("bootstrap.servers", brokers)
        .set("group.id", format!("reader-{}", uuid::Uuid::new_v4().simple()))
        .set("isolation.level", "read_committed")
        .set("auto.offset.reset", "earliest")
        .set("enable.auto.commit", "false");
    read_topic_with(&config, topic, expected, timeout, settle)
}

/// Like [`read_topic_on`], with a consumer made from `config` (a secured
/// broker's reader from `newswire_shared::kafka::client::reader`).
pub fn read_topic_with(config: &ClientConfig, topic: &str, expected: usize, timeout: Duration, settle: Duration) -> Vec<Record> {
    let consumer: BaseConsumer = config.create().expect("reader consumer");
    consumer.subscribe(&[topic]).expect("subscribe");
    let mut records = Vec::new();
    // Timers start once the reader owns its partitions: joining the group takes a moment.
    let joining = Instant::now();
    while consumer.assignment().map(|a| a.count()).unwrap_or(0) == 0 && joining.elapsed() < Duration::from_secs(30) {
        if let Some(Ok(m)) = consumer.poll(Duration::from_millis(50)) {
            records.push(record_of(&m));
        }
    }
    let deadline = Instant::now() + timeout;
    let mut settle_until: Option<Instant> = None;
    loop {
        let now = Instant::now();
        if settle_until.is_none() && records.len() >= expected {
            settle_until = Some(now + settle);
        }
        match settle_until {
            Some(until) if now > until => break,
            None if now > deadline => break,
            _ => {}
        }
        if let Some(Ok(m)) = consumer.poll(Duration::from_millis(100)) {
            records.push(record_of(&m));
        }
    }
    records
}

fn record_of(m: &rdkafka::message::BorrowedMessage<'_>) -> Record {
    let mut headers = HashMap::new();
    if let Some(h) = m.headers() {
        for header in h.iter() {
            headers.insert(header.key.to_owned(), String::from_utf8_lossy(header.value.unwrap_or_default()).into_owned());
        }
    }
    Record {
        key: String::from_utf8_lossy(m.key().unwrap_or_default()).into_owned(),
        payload: m.payload().unwrap_or_default().to_vec(),
        headers,
        timestamp_ms: m.timestamp().to_millis(),
    }
}

fn test_config() -> String {
    let hash = |t: &str| newswire_shared::ids::sha256_hex(t.as_bytes());
    format!(
        r#"# Written by the e2e harness.
[ingest]
feeds = [
  {{ id = "pa", token_sha256 = "{}" }},
  {{ id = "ap", token_sha256 = "{}" }},
  {{ id = "reuters", token_sha256 = "{}" }},
]

[normalize]
default_zone = "UTC"
feed_zones = {{ pa = "Europe/London" }}
"#,
        hash(PA_TOKEN),
        hash(AP_TOKEN),
        hash(REUTERS_TOKEN)
    )
}
