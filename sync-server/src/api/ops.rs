//! Operational endpoints without authentication: `/healthz`, `/metrics`,
//! `/v1/openapi.json`, and the JSON 404 for unknown paths.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;

use super::AppState;
use super::error::ApiFailure;
use crate::metrics::METRICS;

/// Most pending outbox messages counted for `/healthz` and `/metrics` (the count is a scan).
const BACKLOG_COUNT_CAP: i64 = 1_000_000;

/// The stock stream's state: this process's relay, and the outbox backlog whoever relays it.
async fn stream_health(state: &AppState) -> serde_json::Value {
    let relay = &crate::stream::RELAY_STATUS;
    let backlog = crate::stream::outbox::backlog(state.store.pool(), BACKLOG_COUNT_CAP).await;
    let (pending, lag) = match &backlog {
        Ok(b) => (
            serde_json::json!(b.pending),
            serde_json::json!(b.lag_seconds),
        ),
        Err(_) => (serde_json::Value::Null, serde_json::Value::Null),
    };
    serde_json::json!({
        "relay": if relay.running() { "running" } else { "not running in this process" },
        "nats": if !relay.running() { "unknown" } else if relay.nats_connected() { "connected" } else { "unavailable" },
        "outbox_pending": pending,
        "lag_seconds": lag,
        "last_error": relay.last_error(),
    })
}

pub async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    match state.store.ping().await {
        // NATS being away does not make the server unhealthy: pushes and pulls go on and
        // the outbox waits; the stream section says how far behind it is.
        Ok(()) => (
            StatusCode::OK,
            Json(serde_json::json!({ "status": "ok", "stream": stream_health(&state).await })),
        ),
        Err(e) => {
            tracing::warn!(error = %e, "health check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({ "status": "database unavailable" })),
            )
        }
    }
}

pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let mut text = METRICS.render();
    // The backlog is the database's, whichever process relays it.
    if let Ok(backlog) = crate::stream::outbox::backlog(state.store.pool(), BACKLOG_COUNT_CAP).await
    {
        text.push_str(&format!(
            "# HELP dockhand_outbox_pending Stock stream messages not yet published to NATS.\n\
             # TYPE dockhand_outbox_pending gauge\ndockhand_outbox_pending {}\n\
             # HELP dockhand_relay_lag_seconds Age of the oldest unpublished stock stream message.\n\
             # TYPE dockhand_relay_lag_seconds gauge\ndockhand_relay_lag_seconds {}\n",
            backlog.pending, backlog.lag_seconds
        ));
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text)
}

pub async fn openapi() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        crate::openapi::DOCUMENT,
    )
}

pub async fn not_found() -> ApiFailure {
    ApiFailure::not_found("there is no such endpoint; see /v1/openapi.json")
}
