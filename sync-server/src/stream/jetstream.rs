//! The NATS side of the relay: connecting, creating the stream when it is missing, and
//! publishing a batch with each subject's messages strictly in order.
//!
//! Order and duplicates: a subject's messages are published one at a time, the next only
//! after JetStream acknowledged the previous, while different subjects go out concurrently.
//! A failed publish therefore never leaves a later message of that subject stored ahead of
//! it; the caller republishes from the first failure, and JetStream drops what it already
//! stored (same `Nats-Msg-Id` within the stream's duplicate window).

use std::time::Duration;

use async_nats::jetstream::{self, context::PublishErrorKind, message::PublishMessage};
use axum::body::Bytes;
use futures_util::future::join_all;

use super::outbox::OutboxMessage;
use crate::config::StreamConfig;

/// Header carrying the message's position in the outbox (`txid:id`), the same value SSE
/// clients see as the event id.
pub const CURSOR_HEADER: &str = "Dockhand-Cursor";

/// Why NATS could not be used.
#[derive(Debug, thiserror::Error)]
pub enum NatsError {
    #[error("cannot reach NATS at {url}: {detail}")]
    Connect { url: String, detail: String },
    #[error("cannot create or read JetStream stream {stream}: {detail}")]
    Stream { stream: String, detail: String },
    #[error(
        "subject prefix {0:?} is not valid: use dot-separated tokens without spaces, '*' or '>'"
    )]
    BadPrefix(String),
}

/// Connects to NATS. Reconnects by itself afterwards (every 250 ms at most 2 s apart), so a
/// restarted server is found again without the relay's help.
pub async fn connect(url: &str) -> Result<async_nats::Client, NatsError> {
    async_nats::ConnectOptions::new()
        .connection_timeout(Duration::from_secs(2))
        .reconnect_delay_callback(|attempts| {
            Duration::from_millis((250 * attempts as u64).min(2000))
        })
        .connect(url)
        .await
        .map_err(|e| NatsError::Connect {
            url: url.to_owned(),
            detail: e.to_string(),
        })
}

/// A JetStream context bound to the configured stream.
#[derive(Debug, Clone)]
pub struct Publisher {
    client: async_nats::Client,
    js: jetstream::Context,
    prefix: String,
}

/// What publishing one batch did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct BatchOutcome {
    /// Per message of the batch, in order: whether JetStream holds it now.
    pub stored: Vec<bool>,
    /// Messages JetStream had already (republished after a relay died mid-batch).
    pub duplicates: u64,
    /// The first error, for the log.
    pub first_error: Option<String>,
}

impl Publisher {
    /// Connects and makes sure the stream exists (created with the configured retention
    /// if it does not; an existing stream is used as it is).
    pub async fn connect(config: &StreamConfig) -> Result<Publisher, NatsError> {
        if !super::subject::valid_prefix(&config.subject_prefix) {
            return Err(NatsError::BadPrefix(config.subject_prefix.clone()));
        }
        let client = connect(&config.nats_url).await?;
        let mut js = jetstream::new(client.clone());
        js.set_timeout(Duration::from_secs(2));
        let stream_error = |e: String| NatsError::Stream {
            stream: config.stream_name.clone(),
            detail: e,
        };
        js.get_or_create_stream(stream_config(config))
            .await
            .map_err(|e| stream_error(e.to_string()))?;
        Ok(Publisher {
            client,
            js,
            prefix: config.subject_prefix.clone(),
        })
    }

    /// Whether the client is connected right now.
    pub fn connected(&self) -> bool {
        self.client.connection_state() == async_nats::connection::State::Connected
    }

    /// The JetStream context (tests and tools read the stream through it).
    pub fn context(&self) -> &jetstream::Context {
        &self.js
    }

    /// Publishes `batch`: per subject in order, one message in flight per subject.
    pub async fn publish_batch(&self, batch: &[OutboxMessage]) -> BatchOutcome {
        let mut by_subject: Vec<(&str, Vec<usize>)> = Vec::new();
        let mut index: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
        for (i, m) in batch.iter().enumerate() {
            let slot = *index.entry(m.subject.as_str()).or_insert_with(|| {
                by_subject.push((m.subject.as_str(), Vec::new()));
                by_subject.len() - 1
            });
            by_subject[slot].1.push(i);
        }
        let runs = by_subject.into_iter().map(|(subject, indexes)| async move {
            let full = format!("{}.{subject}", self.prefix);
            let mut stored = Vec::with_capacity(indexes.len());
            let mut duplicates = 0;
            let mut error = None;
            for i in indexes {
                let m = &batch[i];
                let message = PublishMessage::build()
                    .payload(Bytes::from(m.payload.clone()))
                    .message_id(&m.msg_id)
                    .header(CURSOR_HEADER, m.cursor.to_string().as_str());
                let ack = match self.js.send_publish(full.clone(), message).await {
                    Ok(pending) => pending.await,
                    Err(e) => Err(e),
                };
                match ack {
                    Ok(ack) => {
                        if ack.duplicate {
                            duplicates += 1;
                        }
                        stored.push(i);
                    }
                    Err(e) => {
                        let hint = if e.kind() == PublishErrorKind::StreamNotFound {
                            " (no stream listens on this subject)"
                        } else {
                            ""
                        };
                        error = Some(format!("publishing {} to {full}: {e}{hint}", m.msg_id));
                        break;
                    }
                }
            }
            (stored, duplicates, error)
        });
        let mut outcome = BatchOutcome {
            stored: vec![false; batch.len()],
            ..BatchOutcome::default()
        };
        for (stored, duplicates, error) in join_all(runs).await {
            for i in stored {
                outcome.stored[i] = true;
            }
            outcome.duplicates += duplicates;
            if outcome.first_error.is_none() {
                outcome.first_error = error;
            }
        }
        outcome
    }
}

/// The stream as created when missing: every subject under the prefix, kept on disk for
/// `max_age`, at most `max_bytes` (oldest dropped first), duplicates dropped within
/// `duplicate_window`.
pub fn stream_config(config: &StreamConfig) -> jetstream::stream::Config {
    jetstream::stream::Config {
        name: config.stream_name.clone(),
        subjects: vec![format!("{}.>", config.subject_prefix)],
        max_age: Duration::from_secs(config.max_age_hours * 3600),
        max_bytes: config.max_bytes,
        duplicate_window: Duration::from_secs(config.duplicate_window_secs),
        storage: jetstream::stream::StorageType::File,
        retention: jetstream::stream::RetentionPolicy::Limits,
        discard: jetstream::stream::DiscardPolicy::Old,
        num_replicas: 1,
        description: Some("Dockhand stock stream: ledger movements, conflicts, alerts".to_owned()),
        ..Default::default()
    }
}
