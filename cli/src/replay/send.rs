//! Sending stories again, marked as a replay: to the subscriber's topic (with a
//! `newswire-replay` header) and to its webhook (with `X-Newswire-Replay`,
//! signed and retried exactly as publish's webhook workers do, by publish's
//! own code; the delivery id is the original delivery's).

use std::collections::VecDeque;
use std::time::Duration;

use indicatif::ProgressBar;
use newswire_publish::delivery_id;
use newswire_publish::dispatcher::RetryPolicy;
use newswire_publish::retry::AttemptVerdict;
use newswire_publish::signature::REPLAY_HEADER;
use newswire_publish::store::WebhookJob;
use newswire_publish::subscription::WebhookTarget;
use newswire_publish::webhook::attempt_with_headers;
use newswire_shared::article::PubStatus;
use newswire_shared::config::KafkaConfig;
use newswire_shared::kafka::client;
use newswire_shared::kafka::headers;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::producer::{DeliveryFuture, FutureProducer, FutureRecord};

use super::source::Story;

/// Records in flight to the topic at once.
const IN_FLIGHT: usize = 1000;

/// What one channel did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Sent {
    /// Stories the broker or the receiver took.
    pub delivered: usize,
    /// Stories that failed: `uri vN` and why.
    pub failed: Vec<(String, String)>,
}

fn name(story: &Story) -> String {
    format!("{} v{}", story.uri, story.version)
}

/// Writes `stories` to `topic` in order, each with its key, payload and headers
/// plus `newswire-replay: <replay_id>`, through an idempotent producer.
pub async fn to_topic(kafka: &KafkaConfig, topic: &str, stories: &[Story], replay_id: &str, bar: &ProgressBar) -> Result<Sent, KafkaError> {
    let kafka = KafkaConfig { statistics_interval_ms: 0, ..kafka.clone() };
    let producer: FutureProducer = client::idempotent_producer(&kafka, "newswire-replay").create()?;
    let mut sent = Sent::default();
    let mut in_flight: VecDeque<(&Story, DeliveryFuture)> = VecDeque::new();
    for story in stories {
        if in_flight.len() >= IN_FLIGHT {
            settle(in_flight.pop_front(), &mut sent, bar).await;
        }
        let headers = story.headers.clone().with(headers::REPLAY, replay_id).to_kafka();
        let mut record = FutureRecord::to(topic).key(&story.key[..]).payload(&story.payload[..]).headers(headers);
        let future = loop {
            match producer.send_result(record) {
                Ok(future) => break Some(future),
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                    record = back;
                    settle(in_flight.pop_front(), &mut sent, bar).await;
                    if in_flight.is_empty() {
                        tokio::time::sleep(Duration::from_millis(10)).await;
                    }
                }
                Err((error, _)) => {
                    sent.failed.push((name(story), error.to_string()));
                    bar.inc(1);
                    break None;
                }
            }
        };
        if let Some(future) = future {
            in_flight.push_back((story, future));
        }
    }
    while let Some(next) = in_flight.pop_front() {
        settle(Some(next), &mut sent, bar).await;
    }
    Ok(sent)
}

async fn settle(next: Option<(&Story, DeliveryFuture)>, sent: &mut Sent, bar: &ProgressBar) {
    let Some((story, future)) = next else { return };
    match future.await {
        Ok(Ok(_)) => sent.delivered += 1,
        Ok(Err((error, _))) => sent.failed.push((name(story), error.to_string())),
        Err(_) => sent.failed.push((name(story), "the producer dropped the record".into())),
    }
    bar.inc(1);
}

/// POSTs `stories` to `target` in order, each signed with the subscriber's
/// secret, under its original delivery id, with `X-Newswire-Replay`; retried
/// by `policy` like publish's deliveries. A story that fails is reported, and
/// the next one is sent.
pub async fn to_webhook(subscriber: &str, target: &WebhookTarget, policy: RetryPolicy, stories: &[Story], replay_id: &str, bar: &ProgressBar) -> Result<Sent, reqwest::Error> {
    let client = reqwest::Client::builder().timeout(policy.timeout).build()?;
    let extra = [(REPLAY_HEADER, replay_id)];
    let mut sent = Sent::default();
    for story in stories {
        let job = WebhookJob {
            delivery_id: delivery_id(subscriber, &story.uri, story.version, story.status),
            subscriber: subscriber.to_owned(),
            uri: story.uri.clone(),
            version: story.version,
            kill: story.status == PubStatus::Canceled,
            withheld: story.status == PubStatus::Withheld,
            body: String::from_utf8_lossy(&story.payload).into_owned(),
            trace_id: story.trace_id.clone(),
        };
        let mut attempt_no = 0;
        loop {
            attempt_no += 1;
            let result = attempt_with_headers(&client, target, &job, &extra).await;
            match result.verdict {
                AttemptVerdict::Delivered => sent.delivered += 1,
                AttemptVerdict::Permanent => sent.failed.push((name(story), format!("{}, not retried", result.detail))),
                AttemptVerdict::Retry { .. } if attempt_no >= policy.max_attempts => {
                    sent.failed.push((name(story), format!("{} after {attempt_no} attempts", result.detail)))
                }
                AttemptVerdict::Retry { after } => {
                    // One sender, one request at a time: no jitter is needed to spread retries apart.
                    tokio::time::sleep(policy.backoff.delay(attempt_no, after, 1.0)).await;
                    continue;
                }
            }
            break;
        }
        bar.inc(1);
    }
    Ok(sent)
}
