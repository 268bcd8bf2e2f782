//! The supervisor's conflict queue: list, detail with evidence, resolve.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;

use super::AppState;
use super::auth::Authed;
use super::error::{ApiFailure, JsonBody, PathParam, QueryParams};
use crate::store::{ConflictDetail, ConflictSummary, Resolution, Role};

pub(super) const READ_ROLES: [Role; 2] = [Role::Supervisor, Role::Admin];
pub(super) const RESOLVE_ROLES: [Role; 1] = [Role::Supervisor];

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    limit: Option<i64>,
}

pub async fn list(
    State(state): State<AppState>,
    authed: Authed,
    QueryParams(query): QueryParams<ListQuery>,
) -> Result<Json<Vec<ConflictSummary>>, ApiFailure> {
    let device = authed.require(&READ_ROLES, "read conflicts")?;
    let limit = query.limit.unwrap_or(200).clamp(1, 1000);
    Ok(Json(
        state
            .store
            .conflicts_for_warehouse(&device.warehouse, query.state.as_deref(), limit)
            .await?,
    ))
}

pub async fn detail(
    State(state): State<AppState>,
    authed: Authed,
    PathParam(id): PathParam<i64>,
) -> Result<Json<ConflictDetail>, ApiFailure> {
    let device = authed.require(&READ_ROLES, "read conflicts")?;
    Ok(Json(
        state.store.conflict_detail(&device.warehouse, id).await?,
    ))
}

pub async fn resolve(
    State(state): State<AppState>,
    authed: Authed,
    PathParam(id): PathParam<i64>,
    JsonBody(resolution): JsonBody<Resolution>,
) -> Result<Json<ConflictDetail>, ApiFailure> {
    let device = authed.require(&RESOLVE_ROLES, "resolve conflicts")?;
    state
        .store
        .resolve_conflict(device, id, &resolution)
        .await?;
    Ok(Json(
        state.store.conflict_detail(&device.warehouse, id).await?,
    ))
}
