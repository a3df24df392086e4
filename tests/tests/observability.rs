//! Operators' view, proven against a real Prometheus: the repo's Prometheus config
//! and alert rules pass promtool, and every PromQL expression in the Grafana
//! dashboard and the alert rules evaluates without error against the metrics of a
//! real pipeline that has just carried a burst of stories; the throughput and
//! latency panels return data.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use newswire_e2e::{free_port, repo_root, Pipeline, PA_TOKEN};

/// The window that replaces Grafana's `$__rate_interval` when querying Prometheus directly.
const RATE_WINDOW: &str = "1m";

fn tool(name: &str) -> String {
    let found = Command::new("sh").arg("-c").arg(format!("command -v {name}")).output().map(|o| o.status.success()).unwrap_or(false);
    assert!(found, "{name} is not installed: scripts/setup.sh installs Debian's prometheus package");
    name.to_owned()
}

fn promtool(args: &[&str]) {
    let output = Command::new(tool("promtool")).args(args).current_dir(repo_root()).output().expect("run promtool");
    assert!(
        output.status.success(),
        "promtool {args:?} failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn prometheus_config_and_alert_rules_pass_promtool_including_rule_unit_tests() {
    promtool(&["check", "config", "deploy/prometheus/prometheus.yml"]);
    promtool(&["check", "config", "deploy/prometheus/prometheus.docker.yml"]);
    promtool(&["check", "rules", "deploy/prometheus/alerts.yml"]);
    promtool(&["test", "rules", "deploy/prometheus/alerts.test.yml"]);
}

struct Prometheus {
    child: Child,
    url: String,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Prometheus {
    /// Starts Prometheus on loopback with the repo's config, its targets rewritten
    /// to the pipeline's admin ports and a 1 s scrape interval.
    fn start(pipeline: &Pipeline) -> Self {
        let dir = pipeline.dir().join("prometheus");
        std::fs::create_dir_all(&dir).expect("prometheus dir");
        let repo_config = std::fs::read_to_string(repo_root().join("deploy/prometheus/prometheus.yml")).expect("repo prometheus.yml");
        let mut config = repo_config
            .replace("scrape_interval: 5s", "scrape_interval: 1s")
            .replace("evaluation_interval: 5s", "evaluation_interval: 1s");
        for (default_port, service) in [(9101, "ingest"), (9102, "normalize"), (9103, "enrich"), (9104, "publish")] {
            config = config.replace(&format!("127.0.0.1:{default_port}"), &format!("127.0.0.1:{}", pipeline.admin_port(service)));
        }
        assert_ne!(config, repo_config, "the test must rewrite the repo config's targets");
        std::fs::write(dir.join("prometheus.yml"), config).expect("write config");
        std::fs::copy(repo_root().join("deploy/prometheus/alerts.yml"), dir.join("alerts.yml")).expect("copy rules");
        let port = free_port();
        let log = std::fs::File::create(dir.join("prometheus.log")).expect("log");
        let child = Command::new(tool("prometheus"))
            .arg(format!("--config.file={}", dir.join("prometheus.yml").display()))
            .arg(format!("--storage.tsdb.path={}", dir.join("data").display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::from(log))
            .spawn()
            .expect("start prometheus");
        let prometheus = Prometheus { child, url: format!("http://127.0.0.1:{port}") };
        let deadline = Instant::now() + Duration::from_secs(30);
        while reqwest::blocking::get(format!("{}/-/ready", prometheus.url)).map(|r| !r.status().is_success()).unwrap_or(true) {
            assert!(Instant::now() < deadline, "prometheus not ready; log:\n{}", read(&dir.join("prometheus.log")));
            std::thread::sleep(Duration::from_millis(200));
        }
        prometheus
    }

    fn query(&self, expr: &str) -> serde_json::Value {
        let response = reqwest::blocking::Client::new()
            .get(format!("{}/api/v1/query", self.url))
            .query(&[("query", expr)])
            .send()
            .expect("query prometheus");
        response.json().expect("prometheus answers JSON")
    }

    /// Whether `expr` returns at least one finite sample.
    fn has_data(&self, expr: &str) -> bool {
        let answer = self.query(expr);
        answer["data"]["result"].as_array().is_some_and(|series| {
            series.iter().any(|s| s["value"][1].as_str().and_then(|v| v.parse::<f64>().ok()).is_some_and(f64::is_finite))
        })
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

struct Expression {
    origin: String,
    expr: String,
    must_have_data: bool,
}

fn dashboard_expressions() -> Vec<Expression> {
    let path = repo_root().join("deploy/grafana/dashboards/newswire-pipeline.json");
    let dashboard: serde_json::Value = serde_json::from_str(&read(&path)).expect("dashboard is JSON");
    let panels = dashboard["panels"].as_array().expect("dashboard has panels");
    assert!(!panels.is_empty());
    let mut out = Vec::new();
    for panel in panels {
        let group = panel["description"].as_str().unwrap_or_default();
        let must_have_data = group == "newswire:throughput" || group == "newswire:latency";
        for target in panel["targets"].as_array().into_iter().flatten() {
            let expr = target["expr"].as_str().expect("target has expr").replace("$__rate_interval", RATE_WINDOW);
            out.push(Expression { origin: format!("panel {:?}", panel["title"]), expr, must_have_data });
        }
    }
    out
}

fn alert_expressions() -> Vec<Expression> {
    // The rule file is YAML; its `expr:` values are either one line or a `|` block.
    let text = read(&repo_root().join("deploy/prometheus/alerts.yml"));
    let mut out = Vec::new();
    let mut lines = text.lines().peekable();
    let mut alert = String::new();
    while let Some(line) = lines.next() {
        let trimmed = line.trim_start();
        if let Some(name) = trimmed.strip_prefix("- alert:") {
            alert = name.trim().to_owned();
        } else if let Some(expr) = trimmed.strip_prefix("expr:") {
            let expr = expr.trim();
            let full = if expr == "|" {
                let indent = lines.peek().map(|l| l.len() - l.trim_start().len()).unwrap_or(0);
                let mut block = Vec::new();
                while let Some(next) = lines.peek() {
                    if next.trim().is_empty() || next.len() - next.trim_start().len() < indent {
                        break;
                    }
                    block.push(next.trim().to_owned());
                    lines.next();
                }
                block.join(" ")
            } else {
                expr.to_owned()
            };
            out.push(Expression { origin: format!("alert {alert}"), expr: full, must_have_data: false });
        }
    }
    assert!(out.len() >= 6, "expected at least six alert rules, found {}", out.len());
    out
}

#[test]
fn every_dashboard_and_alert_expression_evaluates_against_a_real_prometheus() {
    let pipeline = Pipeline::start();
    let prometheus = Prometheus::start(&pipeline);

    // Prometheus must have scraped every stage before the burst, and the burst is
    // spread over a few scrapes, so that rate() sees the counters increase.
    let deadline = Instant::now() + Duration::from_secs(30);
    while !prometheus.has_data("count(up{job=\"newswire\"} == 1) == 4") {
        assert!(Instant::now() < deadline, "prometheus never scraped all four stages");
        std::thread::sleep(Duration::from_millis(200));
    }
    let stories = 40;
    for n in 0..stories {
        let body = format!("Burst story {n} for the dashboard test\n\nBy Test Desk\n\nParagraph {n} of the burst.\n");
        pipeline.push_ok(PA_TOKEN, "text/plain", body);
        if n % 10 == 9 {
            std::thread::sleep(Duration::from_millis(1200));
        }
    }
    let published = pipeline.read("published", stories, Duration::from_secs(60), Duration::ZERO);
    assert_eq!(published.len(), stories);

    // Wait until Prometheus has scraped the published counts and enough samples for rate().
    let deadline = Instant::now() + Duration::from_secs(60);
    let scraped = format!("sum(newswire_messages_consumed_total{{stage=\"publish\"}}) >= {stories}");
    while !prometheus.has_data(&scraped) {
        assert!(Instant::now() < deadline, "prometheus never scraped the burst");
        std::thread::sleep(Duration::from_millis(500));
    }
    std::thread::sleep(Duration::from_secs(3));

    let mut failures = Vec::new();
    for e in dashboard_expressions().into_iter().chain(alert_expressions()) {
        let answer = prometheus.query(&e.expr);
        if answer["status"] != "success" {
            failures.push(format!("{}: {} → {}", e.origin, e.expr, answer));
        } else if e.must_have_data && !prometheus.has_data(&e.expr) {
            failures.push(format!("{}: {} returned no data after the burst", e.origin, e.expr));
        }
    }
    assert!(failures.is_empty(), "expressions that failed:\n{}", failures.join("\n"));

    let rules: serde_json::Value =
        reqwest::blocking::get(format!("{}/api/v1/rules", prometheus.url)).and_then(|r| r.json()).expect("rules API");
    let groups = rules["data"]["groups"].as_array().expect("rule groups");
    let loaded: Vec<&serde_json::Value> = groups.iter().flat_map(|g| g["rules"].as_array().into_iter().flatten()).collect();
    assert!(loaded.len() >= 6, "alert rules loaded: {}", loaded.len());
    for rule in loaded {
        assert_eq!(rule["health"], "ok", "rule {} is unhealthy: {}", rule["name"], rule["lastError"]);
    }
}

#[test]
fn newswire_status_prints_a_row_per_stage_with_live_rates() {
    let pipeline = Pipeline::start();
    let mut command = Command::new(newswire_e2e::binary("newswire"));
    command.args(["status", "--once", "--interval-ms", "3000"]);
    for service in newswire_e2e::SERVICES {
        command.arg("--target").arg(format!("{service}=127.0.0.1:{}", pipeline.admin_port(service)));
    }
    let child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("run newswire status");
    // Stories flow while status takes its two scrapes.
    std::thread::sleep(Duration::from_millis(300));
    for n in 0..20 {
        pipeline.push_ok(PA_TOKEN, "text/plain", format!("Status story {n} for operators\n\nBy Desk\n\nBody {n}.\n"));
    }
    let output = child.wait_with_output().expect("status output");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let table = String::from_utf8_lossy(&output.stdout);
    eprintln!("{table}");
    let rows: Vec<&str> = table.lines().skip(1).collect();
    assert_eq!(rows.len(), 4, "{table}");
    for (row, service) in rows.iter().zip(newswire_e2e::SERVICES) {
        let columns: Vec<&str> = row.split_whitespace().collect();
        assert_eq!(columns[0], service, "{table}");
        assert_eq!(columns[1], "yes", "{table}");
    }
    let ingest_rate: f64 = rows[0].split_whitespace().nth(2).and_then(|r| r.parse().ok()).expect("ingest rate");
    assert!(ingest_rate > 0.0, "ingest's rate reflects the pushes:\n{table}");
}
