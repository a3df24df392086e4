//! `GET /v1/stream`: the subscriber's stories as Server-Sent Events, from the
//! `Last-Event-ID` a reconnecting client sends, else `?cursor=`, else the oldest
//! story the topic keeps. Each event is one story: `event:` its route (`match`,
//! `correction`, `kill`, `withhold`, `republish`), `id:` the cursor just past it,
//! `data:` the story in the subscription's format. A comment line every 15 s
//! keeps idle connections open.

use std::convert::Infallible;

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tokio::sync::mpsc;

use super::cursor::Cursor;
use super::error::ApiError;
use super::reader::TopicReader;
use super::ApiState;
use crate::metrics::PublishMetrics;

/// Events read ahead of a slow client (the rest waits in Kafka).
const BUFFER: usize = 32;

/// The query parameters.
#[derive(Debug, Default, Deserialize)]
pub struct Params {
    cursor: Option<String>,
}

/// The handler.
pub async fn handler(State(state): State<ApiState>, headers: HeaderMap, Query(params): Query<Params>) -> Result<Response, ApiError> {
    let subscriber = state.authenticate(&headers)?;
    let last_event_id = headers.get("last-event-id").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let cursor = match last_event_id.or(params.cursor).filter(|c| !c.trim().is_empty()) {
        Some(text) => Cursor::parse(&text, &subscriber.topic)?,
        None => Cursor::start(&subscriber.topic),
    };
    let permit = state.reader_permit()?;
    let reader = state.readers.open(&subscriber.topic, cursor).await?;
    let (events, receiver) = mpsc::channel(BUFFER);
    let open = OpenStream::new(state.metrics.clone());
    let shutdown = state.shutdown.clone();
    let name = subscriber.name.clone();
    tokio::spawn(async move {
        let _permit = permit;
        let gone = events.clone();
        let mut reader = reader;
        tokio::select! {
            _ = forward(&mut reader, events, &name, &open.metrics) => {}
            _ = gone.closed() => {}
            _ = shutdown.cancelled() => {}
        }
        reader.close();
    });
    let stream = futures_util::stream::unfold(receiver, |mut receiver| async move { receiver.recv().await.map(|event| (Ok::<Event, Infallible>(event), receiver)) });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()).into_response())
}

/// Sends every story the reader finds until the client goes away.
async fn forward(reader: &mut TopicReader, events: mpsc::Sender<Event>, subscriber: &str, metrics: &PublishMetrics) {
    loop {
        let story = reader.next().await;
        let data = String::from_utf8_lossy(&story.payload);
        let event = Event::default().event(&story.route).id(&story.cursor).data(data);
        if events.send(event).await.is_err() {
            return;
        }
        metrics.api_stories.with_label_values(&[subscriber]).inc();
    }
}

/// Counts a stream as open while it lives (`newswire_api_open_streams`).
struct OpenStream {
    metrics: std::sync::Arc<PublishMetrics>,
}

impl OpenStream {
    fn new(metrics: std::sync::Arc<PublishMetrics>) -> Self {
        metrics.api_open_streams.inc();
        OpenStream { metrics }
    }
}

impl Drop for OpenStream {
    fn drop(&mut self) {
        self.metrics.api_open_streams.dec();
    }
}
