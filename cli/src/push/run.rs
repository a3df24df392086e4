//! Sending a backfill's files to the push API: bounded concurrency, retries of
//! 429/503 after `Retry-After`, a progress bar on the terminal.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::{collect_files, content_type_for, FileOutcome, Summary};

/// `newswire push`'s options (a clap `Args`, so a command line can mount it).
#[derive(Debug, Clone, clap::Args)]
pub struct PushOptions {
    /// Base URL of ingest's push API.
    #[arg(long, env = "NEWSWIRE_URL", default_value = "http://127.0.0.1:8080")]
    pub url: String,
    /// The feed's bearer token.
    #[arg(long, env = "NEWSWIRE_TOKEN", hide_env_values = true)]
    pub token: String,
    /// Pushes in flight at once.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: u16,
    /// Send every file with this Content-Type instead of guessing it from the extension.
    #[arg(long)]
    pub content_type: Option<String>,
    /// Retries of a file answered 429/503 or not answered at all.
    #[arg(long, default_value_t = 3)]
    pub retries: u32,
    /// Files and folders to push (folders are walked recursively).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
}

/// Runs a backfill to the end on its own runtime (for synchronous callers)
/// and returns its summary; `Err` only when it could not start (a path is
/// missing, the runtime or HTTP client cannot be built).
pub fn run_push(options: &PushOptions) -> Result<Summary, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| e.to_string())?;
    runtime.block_on(push_paths(options))
}

/// Pushes every file `options` names and tallies the answers.
pub async fn push_paths(options: &PushOptions) -> Result<Summary, String> {
    let files = collect_files(&options.paths).map_err(|e| e.to_string())?;
    let client = reqwest::Client::builder().timeout(Duration::from_secs(60)).build().map_err(|e| e.to_string())?;
    let endpoint = format!("{}/v1/stories", options.url.trim_end_matches('/'));
    let progress = crate::progress::bar(files.len() as u64, "files");
    let permits = Arc::new(Semaphore::new(usize::from(options.concurrency)));
    let mut tasks = JoinSet::new();
    for path in files {
        let permit = permits.clone().acquire_owned().await.map_err(|e| e.to_string())?;
        let (client, endpoint, token) = (client.clone(), endpoint.clone(), options.token.clone());
        let content_type = options.content_type.clone().unwrap_or_else(|| content_type_for(&path).to_owned());
        let retries = options.retries;
        tasks.spawn(async move {
            let outcome = push_file(&client, &endpoint, &token, &content_type, &path, retries).await;
            drop(permit);
            (path, outcome)
        });
    }
    let mut summary = Summary::default();
    while let Some(joined) = tasks.join_next().await {
        let (path, outcome) = joined.map_err(|e| format!("a push task failed: {e}"))?;
        summary.record(&path, outcome);
        progress.set_message(format!(
            "{} accepted, {} duplicate, {} rejected",
            summary.accepted,
            summary.duplicate,
            summary.rejected.len()
        ));
        progress.inc(1);
    }
    progress.finish_and_clear();
    Ok(summary)
}

async fn push_file(
    client: &reqwest::Client,
    endpoint: &str,
    token: &str,
    content_type: &str,
    path: &Path,
    retries: u32,
) -> FileOutcome {
    let owned = path.to_path_buf();
    let body = match tokio::task::spawn_blocking(move || std::fs::read(owned)).await {
        Ok(Ok(body)) => body,
        Ok(Err(e)) => return FileOutcome::Rejected { error: "unreadable".into(), detail: e.to_string() },
        Err(e) => return FileOutcome::Rejected { error: "unreadable".into(), detail: e.to_string() },
    };
    let mut attempt = 0;
    loop {
        let sent = client
            .post(endpoint)
            .bearer_auth(token)
            .header("content-type", content_type)
            .body(body.clone())
            .send()
            .await;
        let (retry_after, outcome) = match sent {
            Ok(response) => {
                let status = response.status().as_u16();
                let retry_after = response
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse::<u64>().ok())
                    .filter(|_| status == 429 || status == 503);
                let text = response.text().await.unwrap_or_default();
                let json = serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
                (retry_after, FileOutcome::from_answer(status, &json))
            }
            Err(e) => (Some(1), FileOutcome::Rejected { error: "unreachable".into(), detail: e.to_string() }),
        };
        match retry_after {
            Some(seconds) if attempt < retries => {
                attempt += 1;
                tokio::time::sleep(Duration::from_secs(seconds.min(30))).await;
            }
            _ => return outcome,
        }
    }
}
