//! The NATS side of the relay: connecting, creating the stream when it is missing, and
//! publishing a batch with each subject's messages strictly in order.
//!
//! Order and duplicates: a subject's messages are pipelined on one connection (up to
//! [`WINDOW`] in flight) and their acknowledgements awaited in order; different subjects go
//! out concurrently. The server stores one connection's messages in the order it reads them,
//! so a message lost with a dying connection takes every later one of that connection with
//! it. What must never happen is the client library resending its buffered later messages on
//! a *reconnected* connection after an earlier one was lost: the relay's client therefore
//! does not reconnect by itself in time to matter (first attempt after 10 s, only one), and
//! the relay drops the connection at the first failed publish and starts a fresh one. The
//! caller republishes from the first unacknowledged message; JetStream drops what it already
//! stored (same `Nats-Msg-Id` within the stream's duplicate window).

use std::time::Duration;

use async_nats::jetstream::{self, context::PublishErrorKind, message::PublishMessage};
use axum::body::Bytes;
use futures_util::future::join_all;

use super::outbox::OutboxMessage;
use crate::config::StreamConfig;

/// Most messages of one subject in flight at once.
pub const WINDOW: usize = 256;

/// How long a publish may wait for JetStream's acknowledgement.
const ACK_TIMEOUT: Duration = Duration::from_secs(5);

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

/// Connects to NATS for reading (`stream tail`, tools). Reconnects by itself afterwards
/// (every 250 ms at most 2 s apart), so a restarted server is found again.
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

/// Connects the relay's publishing client: it tries to reconnect only once, 10 s after a
/// loss, so messages it buffered while disconnected are never sent behind a lost earlier one
/// (the relay replaces a failed connection long before that).
async fn connect_publisher(url: &str) -> Result<async_nats::Client, NatsError> {
    let connected = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let seen = connected.clone();
    let client = async_nats::ConnectOptions::new()
        .connection_timeout(Duration::from_secs(2))
        .max_reconnects(1)
        .reconnect_delay_callback(move |_| {
            if seen.load(std::sync::atomic::Ordering::Relaxed) {
                Duration::from_secs(10)
            } else {
                Duration::ZERO
            }
        })
        .connect(url)
        .await
        .map_err(|e| NatsError::Connect {
            url: url.to_owned(),
            detail: e.to_string(),
        })?;
    connected.store(true, std::sync::atomic::Ordering::Relaxed);
    Ok(client)
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
        let client = connect_publisher(&config.nats_url).await?;
        let mut js = jetstream::new(client.clone());
        js.set_timeout(ACK_TIMEOUT);
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

    /// Whether the client is connected (or still completing its first connection).
    pub fn connected(&self) -> bool {
        self.client.connection_state() != async_nats::connection::State::Disconnected
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
            'windows: for window in indexes.chunks(WINDOW) {
                let mut pending = Vec::with_capacity(window.len());
                for &i in window {
                    let m = &batch[i];
                    let message = PublishMessage::build()
                        .payload(Bytes::from(m.payload.clone()))
                        .message_id(&m.msg_id)
                        .header(CURSOR_HEADER, m.cursor.to_string().as_str());
                    match self.js.send_publish(full.clone(), message).await {
                        Ok(ack) => pending.push((i, ack)),
                        Err(e) => {
                            error = Some(describe(&m.msg_id, &full, &e));
                            break;
                        }
                    }
                }
                let sent_all = pending.len() == window.len();
                for (i, ack) in pending {
                    match ack.await {
                        Ok(ack) => {
                            if ack.duplicate {
                                duplicates += 1;
                            }
                            stored.push(i);
                        }
                        Err(e) => {
                            error = Some(describe(&batch[i].msg_id, &full, &e));
                            break 'windows;
                        }
                    }
                }
                if !sent_all {
                    break;
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

fn describe(msg_id: &str, subject: &str, e: &jetstream::context::PublishError) -> String {
    let hint = if e.kind() == PublishErrorKind::StreamNotFound {
        " (no stream listens on this subject)"
    } else {
        ""
    };
    format!("publishing {msg_id} to {subject}: {e}{hint}")
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
