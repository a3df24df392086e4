//! The start-up check that the brokers answer this client as configured: a
//! metadata request, bounded in time, that fails at once with the broker's own
//! reason when TLS or SASL is refused (an untrusted certificate, a wrong password)
//! instead of letting librdkafka retry forever in the background.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::producer::{BaseProducer, DeliveryResult, Producer, ProducerContext};
use rdkafka::ClientContext;

use crate::config::KafkaConfig;
use crate::kafka::client;

/// Why the brokers could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The client could not even be made (e.g. a CA file librdkafka cannot load).
    #[error("cannot make a Kafka client for {brokers}: {source}")]
    Client {
        /// The configured brokers.
        brokers: String,
        /// librdkafka's reason.
        #[source]
        source: KafkaError,
    },
    /// The TLS handshake or the SASL authentication was refused.
    #[error("Kafka at {brokers} refused this client's {what}: {reason}")]
    Refused {
        /// The configured brokers.
        brokers: String,
        /// `TLS handshake` or `SASL authentication`.
        what: &'static str,
        /// librdkafka's reason (names the certificate or credentials problem).
        reason: String,
    },
    /// No broker answered in time.
    #[error("no answer from Kafka at {brokers} within {waited:?} ({protocol}){}", last.as_deref().map(|l| format!("; last error: {l}")).unwrap_or_default())]
    NoAnswer {
        /// The configured brokers.
        brokers: String,
        /// The configured `security.protocol`.
        protocol: &'static str,
        /// How long it waited.
        waited: Duration,
        /// The last error librdkafka reported, if any.
        last: Option<String>,
    },
}

/// Remembers the errors librdkafka reports while the check runs.
#[derive(Default)]
struct Observed {
    refused: Mutex<Option<(&'static str, String)>>,
    last: Mutex<Option<String>>,
}

impl ClientContext for Observed {
    fn error(&self, error: KafkaError, reason: &str) {
        let refused = match error.rdkafka_error_code() {
            Some(RDKafkaErrorCode::Authentication | RDKafkaErrorCode::SaslAuthenticationFailed) => Some("SASL authentication"),
            Some(RDKafkaErrorCode::SSL) => Some("TLS handshake"),
            _ => None,
        };
        if let Some(what) = refused {
            if let Ok(mut slot) = self.refused.lock() {
                slot.get_or_insert((what, reason.to_owned()));
            }
        }
        if let Ok(mut slot) = self.last.lock() {
            *slot = Some(format!("{error}: {reason}"));
        }
    }
}

// A producer, because its poll hands librdkafka's error events (with their
// reason) to the context; it never sends anything.
impl ProducerContext for Observed {
    type DeliveryOpaque = ();

    fn delivery(&self, _: &DeliveryResult<'_>, _: ()) {}
}

/// Asks the brokers for their metadata until one answers (`Ok`), the TLS
/// handshake or the SASL authentication is refused, or `timeout` passes.
/// Blocking: call it from a blocking thread.
pub fn check_connection(kafka: &KafkaConfig, timeout: Duration) -> Result<(), ConnectError> {
    let brokers = kafka.brokers.clone();
    let mut config = client::base(kafka, "newswire-connect-check");
    config.set("statistics.interval.ms", "0");
    let producer: BaseProducer<Observed> = config
        .create_with_context(Observed::default())
        .map_err(|source| ConnectError::Client { brokers: brokers.clone(), source })?;
    let started = Instant::now();
    loop {
        let left = timeout.saturating_sub(started.elapsed());
        if producer.client().fetch_metadata(None, left.min(Duration::from_millis(500))).is_ok() {
            return Ok(());
        }
        // Serves the error events librdkafka queued meanwhile into `Observed`.
        producer.poll(Duration::from_millis(50));
        let context = producer.context();
        if let Some((what, reason)) = context.refused.lock().ok().and_then(|r| r.clone()) {
            return Err(ConnectError::Refused { brokers, what, reason });
        }
        if started.elapsed() >= timeout {
            let last = context.last.lock().ok().and_then(|l| l.clone());
            return Err(ConnectError::NoAnswer { brokers, protocol: kafka.security.protocol.as_str(), waited: timeout, last });
        }
    }
}
