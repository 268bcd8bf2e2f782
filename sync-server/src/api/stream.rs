//! `GET /v1/stream?warehouse=WH1`: the stock stream as Server-Sent Events, for systems
//! without NATS. The same messages the relay publishes (same JSON payloads), read from the
//! outbox in commit order below the `pg_snapshot_xmin` barrier, so it works whether or not
//! NATS or a relay is running.
//!
//! Each event has `id: <txid>:<id>` (its place in commit order), `event: stock|conflict|alert`
//! and the JSON payload as `data`. A client that reconnects with `Last-Event-ID` (browsers'
//! EventSource do it by themselves) continues right after that event: nothing missed,
//! nothing twice. Without it the stream starts at the current end; `?after=<id>` does the
//! same as the header, `?from=start` starts at the oldest message kept.
//!
//! Roles: supervisor and admin (the stream carries conflicts, which only they read), for
//! their own warehouse only. Integrations enrol a device of one of these roles.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use serde::Deserialize;

use super::AppState;
use super::auth::Authed;
use super::error::{ApiFailure, QueryParams};
use crate::store::{PullCursor, Role, Store};
use crate::stream::{OutboxMessage, outbox};

pub(super) const STREAM_ROLES: [Role; 2] = [Role::Supervisor, Role::Admin];
/// Pause between outbox reads when the client has seen everything.
const POLL: Duration = Duration::from_millis(50);
/// Pause after a database error before reading again.
const RETRY: Duration = Duration::from_secs(1);
const PAGE: i64 = 500;

#[derive(Debug, Deserialize)]
pub struct StreamQuery {
    #[serde(default)]
    warehouse: Option<String>,
    #[serde(default)]
    after: Option<String>,
    #[serde(default)]
    from: Option<String>,
}

/// One client's reading position and the messages read but not yet sent.
struct Reader {
    store: Store,
    warehouse: String,
    cursor: PullCursor,
    buffer: VecDeque<OutboxMessage>,
}

pub async fn events(
    State(state): State<AppState>,
    authed: Authed,
    headers: HeaderMap,
    QueryParams(query): QueryParams<StreamQuery>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiFailure> {
    let device = authed.require(&STREAM_ROLES, "read the stock stream")?;
    if let Some(asked) = query.warehouse.as_deref()
        && asked != device.warehouse.as_str()
    {
        return Err(ApiFailure::forbidden(format!(
            "this device belongs to warehouse {}; it may not read the stream of {asked}",
            device.warehouse
        )));
    }
    let last_event_id = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .or(query.after.filter(|a| !a.is_empty()));
    let cursor = match (last_event_id, query.from.as_deref()) {
        (Some(text), _) => text.parse::<PullCursor>().map_err(|_| {
            ApiFailure::new(
                StatusCode::BAD_REQUEST,
                "bad_cursor",
                format!(
                    "Last-Event-ID {text:?} is not an event id of this stream; reconnect without it to start at the current end"
                ),
            )
        })?,
        (None, Some("start")) => PullCursor::default(),
        (None, None | Some("now")) => outbox::live_cursor(state.store.pool()).await?,
        (None, Some(other)) => {
            return Err(ApiFailure::bad_request(format!(
                "from={other:?} is not understood; use from=start or from=now"
            )));
        }
    };
    // Messages up to the horizon were deleted after the retention: a resume from before it
    // would silently miss them, so it is refused; `from=start` begins after it.
    let cursor = match outbox::horizon(state.store.pool(), device.warehouse.as_str()).await? {
        Some(horizon) if cursor < horizon && cursor != PullCursor::default() => {
            return Err(ApiFailure::new(
                StatusCode::GONE,
                "pruned",
                format!(
                    "messages up to {horizon} were deleted after the outbox's retention \
                     (DOCKHAND_OUTBOX_RETENTION_HOURS); this client is behind them: \
                     reconnect without Last-Event-ID (or with from=start for the oldest kept) \
                     and take stock levels afresh"
                ),
            ));
        }
        Some(horizon) if cursor < horizon => horizon,
        _ => cursor,
    };
    let reader = Reader {
        store: state.store.clone(),
        warehouse: device.warehouse.as_str().to_owned(),
        cursor,
        buffer: VecDeque::new(),
    };
    tracing::info!(device = %device.device_id, warehouse = %device.warehouse, %cursor, "stream client connected");
    let stream = futures_util::stream::unfold(reader, |mut reader| async move {
        loop {
            if let Some(m) = reader.buffer.pop_front() {
                let event = Event::default()
                    .id(m.cursor.to_string())
                    .event(m.kind)
                    .data(m.payload);
                return Some((Ok(event), reader));
            }
            match outbox::messages_for_warehouse(
                reader.store.pool(),
                &reader.warehouse,
                reader.cursor,
                PAGE,
            )
            .await
            {
                Ok(page) if page.is_empty() => tokio::time::sleep(POLL).await,
                Ok(page) => {
                    if let Some(last) = page.last() {
                        reader.cursor = last.cursor;
                    }
                    reader.buffer.extend(page);
                }
                Err(e) => {
                    tracing::warn!(error = %e, "stream client: cannot read the outbox; retrying");
                    tokio::time::sleep(RETRY).await;
                }
            }
        }
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}
