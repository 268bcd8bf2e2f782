//! The HTTP API, versioned under `/v1`: routing, body limits and the fallback. Handlers
//! check roles and warehouses, then call the store; they hold no SQL and no sync rules.

mod admin;
mod auth;
mod conflicts;
mod error;
mod me;
mod ops;
mod reports;
mod sscc;
mod stream;
mod sync;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::store::Store;

pub use error::ApiFailure;
pub use me::identity_of;

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Store,
}

/// The whole API. `body_limit` caps every request body (413 beyond it).
pub fn router(state: AppState, body_limit: usize) -> Router {
    Router::new()
        .route("/healthz", get(ops::healthz))
        .route("/metrics", get(ops::metrics))
        .route("/v1/openapi.json", get(ops::openapi))
        .route("/v1/push", post(sync::push))
        .route("/v1/pull", get(sync::pull))
        .route("/v1/me", get(me::whoami))
        .route("/v1/conflicts", get(conflicts::list))
        .route("/v1/conflicts/{id}", get(conflicts::detail))
        .route("/v1/conflicts/{id}/resolve", post(conflicts::resolve))
        .route("/v1/devices", get(admin::list_devices).post(admin::enrol))
        .route("/v1/imports/items", post(admin::import_items))
        .route("/v1/imports/locations", post(admin::import_locations))
        .route(
            "/v1/imports/inbound-documents",
            post(admin::import_inbound_documents),
        )
        .route("/v1/imports/orders", post(admin::import_orders))
        .route("/v1/imports/pick-tasks", post(admin::import_pick_tasks))
        .merge(sscc::routes())
        .route("/v1/stream", get(stream::events))
        .route("/v1/imports/suppliers", post(reports::import_suppliers))
        .route("/v1/imports/item-supply", post(reports::import_item_supply))
        .route("/v1/reports", get(reports::list))
        .route("/v1/reports/run", post(reports::run))
        .route("/v1/reports/refresh", post(reports::refresh))
        .route("/v1/reports/{name}", get(reports::show))
        .fallback(ops::not_found)
        .layer(DefaultBodyLimit::max(body_limit))
        .with_state(state)
}
