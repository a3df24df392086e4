//! Pushing a corpus through ingest's push API with bounded concurrency,
//! recording each answer. A `429` or `503` (ingest says: retry later) is
//! retried after its `Retry-After`, a few times, as a well-behaved feed would.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use super::account::PushAnswer;
use super::corpora::Document;

/// Retries of a push answered 429/503 or not answered at all.
const RETRIES: usize = 3;

/// Longest wait before a retry, whatever `Retry-After` says.
const MAX_RETRY_WAIT: Duration = Duration::from_secs(10);

/// Where and how to push.
#[derive(Debug, Clone)]
pub struct PushTarget {
    /// Push API base URL.
    pub ingest_url: String,
    /// The feed's bearer token.
    pub token: String,
    /// Requests in flight at most.
    pub concurrency: usize,
}

/// Pushes every document; the answers are in document order.
pub async fn push_all(target: &PushTarget, documents: &[Document]) -> anyhow::Result<Vec<PushAnswer>> {
    let http = reqwest::Client::builder().timeout(Duration::from_secs(60)).build()?;
    let limit = Arc::new(tokio::sync::Semaphore::new(target.concurrency.max(1)));
    let url = format!("{}/v1/stories", target.ingest_url.trim_end_matches('/'));
    let mut tasks = Vec::with_capacity(documents.len());
    for doc in documents {
        let permit = limit.clone().acquire_owned().await?;
        let (http, url, token) = (http.clone(), url.clone(), target.token.clone());
        let (content_type, body) = (doc.content_type, doc.body.clone());
        tasks.push(tokio::spawn(async move {
            let _permit = permit;
            push_one(&http, &url, &token, content_type, body).await
        }));
    }
    let mut answers = Vec::with_capacity(tasks.len());
    for task in tasks {
        answers.push(task.await?);
    }
    Ok(answers)
}

async fn push_one(http: &reqwest::Client, url: &str, token: &str, content_type: &str, body: Vec<u8>) -> PushAnswer {
    let mut attempt = 0;
    loop {
        let sent = http.post(url).bearer_auth(token).header("content-type", content_type).body(body.clone()).send().await;
        let answer = match sent {
            Ok(response) => {
                let status = response.status().as_u16();
                let retry_after = response
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok()?.parse::<u64>().ok())
                    .map(Duration::from_secs);
                let text = response.text().await.unwrap_or_default();
                if matches!(status, 429 | 503) && attempt < RETRIES {
                    attempt += 1;
                    tokio::time::sleep(retry_after.unwrap_or(Duration::from_secs(1)).min(MAX_RETRY_WAIT)).await;
                    continue;
                }
                parse_answer(status, &text)
            }
            Err(error) if attempt < RETRIES => {
                attempt += 1;
                eprintln!("newswire eval: push failed ({error}); retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
            Err(error) => PushAnswer::Failed { error: error.to_string() },
        };
        return answer;
    }
}

/// Reads ingest's JSON answer: `{id, status, stories: [{id, status}]}` for
/// 202/200, `{error, detail}` otherwise.
pub fn parse_answer(status: u16, text: &str) -> PushAnswer {
    let json: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    let field = |name: &str| json.get(name).and_then(Value::as_str).map(str::to_owned);
    if matches!(status, 200 | 202) {
        let mut stories: Vec<(String, String)> = json
            .get("stories")
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .filter_map(|s| Some((s.get("id")?.as_str()?.to_owned(), s.get("status")?.as_str()?.to_owned())))
                    .collect()
            })
            .unwrap_or_default();
        if stories.is_empty() {
            if let Some(id) = field("id") {
                stories.push((id, if status == 200 { "duplicate".into() } else { "accepted".into() }));
            }
        }
        return PushAnswer::Answered { status, stories, error: None, detail: None };
    }
    let detail = field("detail").or_else(|| (!text.is_empty()).then(|| text.chars().take(300).collect()));
    PushAnswer::Answered { status, stories: Vec::new(), error: field("error"), detail }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_accepted_push_lists_each_story_with_its_status() {
        let answer = parse_answer(202, r#"{"id":"k1","status":"accepted","stories":[{"id":"k1","status":"accepted"},{"id":"k2","status":"duplicate"}]}"#);
        let PushAnswer::Answered { status, stories, .. } = answer else { panic!("answered") };
        assert_eq!(status, 202);
        assert_eq!(stories, vec![("k1".into(), "accepted".into()), ("k2".into(), "duplicate".into())]);
    }

    #[test]
    fn an_answer_without_a_story_list_still_gives_its_id() {
        let PushAnswer::Answered { stories, .. } = parse_answer(200, r#"{"id":"k9","status":"duplicate"}"#) else { panic!("answered") };
        assert_eq!(stories, vec![("k9".into(), "duplicate".into())]);
    }

    #[test]
    fn a_refusal_keeps_ingests_reason_and_detail() {
        let answer = parse_answer(415, r#"{"error":"unsupported_media_type","detail":"image/png is not a story format"}"#);
        assert_eq!(
            answer,
            PushAnswer::Answered {
                status: 415,
                stories: vec![],
                error: Some("unsupported_media_type".into()),
                detail: Some("image/png is not a story format".into())
            }
        );
        let PushAnswer::Answered { error, detail, .. } = parse_answer(502, "Bad gateway") else { panic!("answered") };
        assert_eq!((error, detail.as_deref()), (None, Some("Bad gateway")));
    }
}
