//! `dockhand-sync-server stream tail`: prints a warehouse's live stream, one message per
//! line as `<subject> <json>`, read from NATS (what consumers see) or from the outbox in
//! PostgreSQL (works without NATS, and can start from the oldest message kept).
//!
//! From NATS, "from now on" starts when the server has the subscription, not when the
//! client sent it: [`tail_nats`] says so on stderr (stdout carries only messages, since it
//! is piped), so a script can wait for that line before it makes traffic.

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

/// The line [`tail_nats`] writes to stderr once NATS has the subscription.
pub fn subscribed_line(subject: &str) -> String {
    format!("listening on {subject}")
}

/// Prints what NATS delivers on the warehouse's subjects from now on; stops after `count`
/// messages if given. Writes [`subscribed_line`] to stderr once every message published
/// from then on will be printed.
pub async fn tail_nats(
    config: &StreamConfig,
    warehouse: &str,
    count: Option<u64>,
    out: &mut impl Write,
) -> Result<(), TailError> {
    tail_nats_notifying(config, warehouse, count, out, |subject| {
        eprintln!("{}", subscribed_line(subject));
    })
    .await
}

/// As [`tail_nats`], but calls `subscribed` with the subject filter (instead of writing to
/// stderr) once the NATS server has the subscription.
pub async fn tail_nats_notifying(
    config: &StreamConfig,
    warehouse: &str,
    count: Option<u64>,
    out: &mut impl Write,
    subscribed: impl FnOnce(&str),
) -> Result<(), TailError> {
    let client = jetstream::connect(&config.nats_url).await?;
    let subject = super::subject::warehouse_filter(&config.subject_prefix, warehouse);
    let subscribe_error = |e: String| TailError::Subscribe {
        subject: subject.clone(),
        detail: e,
    };
    let mut messages = client
        .subscribe(subject.clone())
        .await
        .map_err(|e| subscribe_error(e.to_string()))?;
    confirm_subscriptions(&client)
        .await
        .map_err(subscribe_error)?;
    subscribed(&subject);
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

/// Most time NATS gets to echo the confirmation message.
const CONFIRM_TIMEOUT: Duration = Duration::from_secs(10);

/// Returns once the NATS server has processed every subscription this client sent before.
/// `flush` only empties the client's buffer into the socket, so the proof is a round trip:
/// the server handles one connection's commands in order, and a message published to a
/// private inbox after those subscriptions comes back only once they are in place.
async fn confirm_subscriptions(client: &async_nats::Client) -> Result<(), String> {
    let inbox = client.new_inbox();
    let mut echo = client
        .subscribe(inbox.clone())
        .await
        .map_err(|e| e.to_string())?;
    client
        .publish(inbox, "subscribed".into())
        .await
        .map_err(|e| e.to_string())?;
    client.flush().await.map_err(|e| e.to_string())?;
    match tokio::time::timeout(CONFIRM_TIMEOUT, echo.next()).await {
        Ok(Some(_)) => Ok(()),
        Ok(None) => Err("the NATS connection closed before confirming the subscription".into()),
        Err(_) => Err(format!(
            "NATS did not confirm the subscription within {} s",
            CONFIRM_TIMEOUT.as_secs()
        )),
    }
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
