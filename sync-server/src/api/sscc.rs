//! SSCC endpoints: an admin sets the warehouse's GS1 company prefix and extension digit;
//! devices lease blocks of serial references to allocate SSCCs from while offline.
//!
//! - `GET /v1/sscc/scheme` (any role): the warehouse's range and how far it is leased.
//! - `PUT /v1/sscc/scheme` (admin): `{"company_prefix":"9506000","extension":0}`.
//! - `POST /v1/sscc/leases` (any role): `{"size":1000}` → `{"extension":0,
//!   "company_prefix":"9506000","first":1,"last":1000}`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use dockhand_app::label::sscc::{SsccBlock, SsccScheme};
use serde::Deserialize;

use super::AppState;
use super::auth::Authed;
use super::error::{ApiFailure, JsonBody};
use crate::store::{Role, SsccSchemeState};

const ANY_ROLE: [Role; 4] = [Role::Picker, Role::Receiver, Role::Supervisor, Role::Admin];
const ADMIN: [Role; 1] = [Role::Admin];
/// Block size when the device does not ask for one.
const DEFAULT_BLOCK: u64 = 1000;

/// The SSCC routes, merged into the API router.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/sscc/scheme", get(scheme).put(set_scheme))
        .route("/v1/sscc/leases", post(lease))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchemeRequest {
    company_prefix: String,
    extension: u8,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeaseRequest {
    #[serde(default)]
    size: Option<u64>,
}

async fn scheme(
    State(state): State<AppState>,
    authed: Authed,
) -> Result<Json<SsccSchemeState>, ApiFailure> {
    let device = authed.require(&ANY_ROLE, "read the SSCC range")?;
    Ok(Json(state.store.sscc_scheme(&device.warehouse).await?))
}

async fn set_scheme(
    State(state): State<AppState>,
    authed: Authed,
    JsonBody(request): JsonBody<SchemeRequest>,
) -> Result<Json<SsccSchemeState>, ApiFailure> {
    let admin = authed.require(&ADMIN, "set the SSCC range")?;
    let scheme = SsccScheme::new(request.extension, &request.company_prefix).map_err(|e| {
        ApiFailure::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_sscc_scheme",
            e.to_string(),
        )
    })?;
    let state = state
        .store
        .set_sscc_scheme(&admin.warehouse, &scheme)
        .await?;
    tracing::info!(warehouse = %admin.warehouse, prefix = %scheme.company_prefix, extension = scheme.extension, "SSCC range set");
    Ok(Json(state))
}

async fn lease(
    State(state): State<AppState>,
    authed: Authed,
    JsonBody(request): JsonBody<LeaseRequest>,
) -> Result<(StatusCode, Json<SsccBlock>), ApiFailure> {
    let device = authed.require(&ANY_ROLE, "lease SSCCs")?;
    let block = state
        .store
        .lease_sscc_block(device, request.size.unwrap_or(DEFAULT_BLOCK))
        .await?;
    Ok((StatusCode::CREATED, Json(block)))
}
