//! `dockhand-sync-server stream tail`: prints a warehouse's live stream, one message per
//! line as `<subject> <json>`, read from NATS (what consumers see) or from the outbox in
//! PostgreSQL (works without NATS, and can start from the oldest message kept).

use std::io::Write;
use std::time::Duration;

use futures_util::StreamExt;

use super::jetstream::{self, NatsError};
use super::outbox;
use crate::config::StreamConfig;
use crate::store::{PullCursor, Store, StoreError};

/// Why tailing stopped.
#[derive(Debug, thiserror::Error)]
pub enum TailError {
    #[error(transparent)]
    Nats(#[from] NatsError),
    #[error("cannot subscribe to {subject}: {detail}")]
    Subscribe { subject: String, detail: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot write the stream out: {0}")]
    Output(#[from] std::io::Error),
}

/// Prints what NATS delivers on the warehouse's subjects from now on; stops after `count`
/// messages if given.
pub async fn tail_nats(
    config: &StreamConfig,
    warehouse: &str,
    count: Option<u64>,
    out: &mut impl Write,
) -> Result<(), TailError> {
    let client = jetstream::connect(&config.nats_url).await?;
    let subject = super::subject::warehouse_filter(&config.subject_prefix, warehouse);
    let mut messages =
        client
            .subscribe(subject.clone())
            .await
            .map_err(|e| TailError::Subscribe {
                subject: subject.clone(),
                detail: e.to_string(),
            })?;
    let mut seen = 0;
    while count.is_none_or(|c| seen < c) {
        let Some(message) = messages.next().await else {
            break;
        };
        writeln!(
            out,
            "{} {}",
            message.subject,
            String::from_utf8_lossy(&message.payload)
        )?;
        out.flush()?;
        seen += 1;
    }
    Ok(())
}

/// Prints the warehouse's messages from the outbox: from the oldest kept if `from_start`,
/// else from now on; stops after `count` messages if given.
pub async fn tail_database(
    store: &Store,
    config: &StreamConfig,
    warehouse: &str,
    from_start: bool,
    count: Option<u64>,
    out: &mut impl Write,
) -> Result<(), TailError> {
    let mut cursor = if from_start {
        PullCursor::default()
    } else {
        outbox::live_cursor(store.pool()).await?
    };
    let mut seen = 0;
    loop {
        let page = outbox::messages_for_warehouse(store.pool(), warehouse, cursor, 500).await?;
        if page.is_empty() {
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        }
        for m in page {
            if count.is_some_and(|c| seen >= c) {
                return Ok(());
            }
            writeln!(out, "{}.{} {}", config.subject_prefix, m.subject, m.payload)?;
            cursor = m.cursor;
            seen += 1;
        }
        out.flush()?;
        if count.is_some_and(|c| seen >= c) {
            return Ok(());
        }
    }
}
