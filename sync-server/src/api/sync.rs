//! `POST /v1/push` and `GET /v1/pull`: the device side of the protocol. Every role may
//! sync; a device only pushes its own events of its own warehouse and pulls its warehouse.

use std::time::Instant;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::Utc;
use dockhand_app::protocol::{
    MAX_PULL_LIMIT, MAX_PUSH_EVENTS, PullQuery, PullResponse, PushRequest, PushResponse,
};
use tracing::Instrument;

use super::AppState;
use super::auth::Authed;
use super::error::{ApiFailure, JsonBody, QueryParams};
use crate::metrics::METRICS;
use crate::store::{PullCursor, Role};

const SYNC_ROLES: [Role; 4] = [Role::Picker, Role::Receiver, Role::Supervisor, Role::Admin];
/// Page size when the device does not ask for one.
const DEFAULT_PULL_LIMIT: u32 = 500;

pub async fn push(
    State(state): State<AppState>,
    authed: Authed,
    JsonBody(request): JsonBody<PushRequest>,
) -> Result<Json<PushResponse>, ApiFailure> {
    let started = Instant::now();
    let device = authed.require(&SYNC_ROLES, "push events")?;
    METRICS.push_requests.inc();
    if request.events.len() > MAX_PUSH_EVENTS {
        return Err(ApiFailure::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_many_events",
            format!(
                "a push may carry at most {MAX_PUSH_EVENTS} events; this one has {}",
                request.events.len()
            ),
        ));
    }
    if request.device_id != device.device_id {
        return Err(ApiFailure::forbidden(format!(
            "this token belongs to device {}, not {}",
            device.device_id, request.device_id
        )));
    }
    if let Some(event) = request
        .events
        .iter()
        .find(|e| e.header.device_id != device.device_id || e.header.warehouse != device.warehouse)
    {
        return Err(ApiFailure::forbidden(format!(
            "event {} (seq {}) belongs to device {} in warehouse {}; this device is {} in {}",
            event.header.event_id,
            event.header.device_seq,
            event.header.device_id,
            event.header.warehouse,
            device.device_id,
            device.warehouse
        )));
    }
    if let Some(event) = request
        .events
        .iter()
        .find(|e| e.header.device_seq.get() == 0)
    {
        return Err(ApiFailure::bad_request(format!(
            "event {} has device_seq 0; a device's sequence starts at 1",
            event.header.event_id
        )));
    }
    let _turn = crate::stream::gate::enter().await;
    let span =
        tracing::info_span!("push", device = %device.device_id, events = request.events.len());
    let batch = state
        .store
        .apply_push_batch(device, request.events, request.queued)
        .instrument(span)
        .await?;
    METRICS.push_latency.observe(started.elapsed());
    if let (true, Some(gap)) = (batch.results.is_empty(), &batch.gap) {
        return Err(ApiFailure::new(
            StatusCode::CONFLICT,
            "seq_gap",
            format!(
                "the server expects device_seq {} next but got {}; push from {} on",
                gap.expected_seq, gap.got_seq, gap.expected_seq
            ),
        )
        .with_detail(serde_json::to_value(gap).unwrap_or_default()));
    }
    Ok(Json(PushResponse {
        results: batch.results,
        last_applied_seq: batch.last_applied_seq,
        commit_txid: batch.commit_txid,
        server_time: Utc::now(),
    }))
}

pub async fn pull(
    State(state): State<AppState>,
    authed: Authed,
    QueryParams(query): QueryParams<PullQuery>,
) -> Result<Json<PullResponse>, ApiFailure> {
    let device = authed.require(&SYNC_ROLES, "pull changes")?;
    METRICS.pull_requests.inc();
    let cursor =
        match query.cursor.as_deref().filter(|c| !c.is_empty()) {
            Some(text) => Some(text.parse::<PullCursor>().map_err(|e| {
                ApiFailure::new(StatusCode::BAD_REQUEST, "bad_cursor", e.to_string())
            })?),
            None => None,
        };
    let limit = query
        .limit
        .unwrap_or(DEFAULT_PULL_LIMIT)
        .clamp(1, MAX_PULL_LIMIT);
    let page = state
        .store
        .pull_changes(&device.warehouse, cursor, limit)
        .await?;
    Ok(Json(PullResponse {
        warehouse: device.warehouse.clone(),
        changes: page.changes.into_iter().map(|(_, c)| c).collect(),
        next_cursor: page.next_cursor.to_string(),
        has_more: page.has_more,
        refetch: page.refetch,
        barrier: Some(page.barrier),
        server_time: Utc::now(),
    }))
}
