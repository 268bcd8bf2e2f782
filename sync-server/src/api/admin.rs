//! Admin endpoints: device enrolment, imports of master data and documents; and the device
//! list with sync health for supervisors. Everything stays inside the caller's warehouse.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use dockhand_app::domain::{DeviceId, Item, Location};
use dockhand_app::protocol::PickTaskRecord;
use serde::Deserialize;

use super::AppState;
use super::auth::Authed;
use super::error::{ApiFailure, ImportPayload, JsonBody};
use crate::csv_import;
use crate::store::{
    DeviceHealth, EnrolledDevice, ImportSummary, InboundDocumentImport, OrderImport,
    PickTaskImportSummary, Role,
};

pub(super) const ADMIN: [Role; 1] = [Role::Admin];
pub(super) const SUPERVISION: [Role; 2] = [Role::Supervisor, Role::Admin];

#[derive(Debug, Deserialize)]
pub struct EnrolRequest {
    role: Role,
    #[serde(default)]
    name: String,
    #[serde(default)]
    device_id: Option<DeviceId>,
}

pub async fn enrol(
    State(state): State<AppState>,
    authed: Authed,
    JsonBody(request): JsonBody<EnrolRequest>,
) -> Result<(StatusCode, Json<EnrolledDevice>), ApiFailure> {
    let admin = authed.require(&ADMIN, "enrol devices")?;
    let enrolled = state
        .store
        .enrol_device(
            request.device_id,
            &admin.warehouse,
            request.role,
            &request.name,
        )
        .await?;
    tracing::info!(device = %enrolled.device_id, role = %enrolled.role, by = %admin.device_id, "device enrolled");
    Ok((StatusCode::CREATED, Json(enrolled)))
}

pub async fn list_devices(
    State(state): State<AppState>,
    authed: Authed,
) -> Result<Json<Vec<DeviceHealth>>, ApiFailure> {
    let device = authed.require(&SUPERVISION, "list devices")?;
    Ok(Json(state.store.device_health(&device.warehouse).await?))
}

pub async fn import_items(
    State(state): State<AppState>,
    authed: Authed,
    payload: ImportPayload,
) -> Result<Json<ImportSummary>, ApiFailure> {
    let admin = authed.require(&ADMIN, "import items")?;
    let items: Vec<Item> = payload.decode(csv_import::items)?;
    Ok(Json(
        state.store.import_items(&admin.warehouse, &items).await?,
    ))
}

pub async fn import_locations(
    State(state): State<AppState>,
    authed: Authed,
    payload: ImportPayload,
) -> Result<Json<ImportSummary>, ApiFailure> {
    let admin = authed.require(&ADMIN, "import locations")?;
    let locations: Vec<Location> =
        payload.decode(|text| csv_import::locations(text, &admin.warehouse))?;
    Ok(Json(
        state
            .store
            .import_locations(&admin.warehouse, &locations)
            .await?,
    ))
}

pub async fn import_inbound_documents(
    State(state): State<AppState>,
    authed: Authed,
    payload: ImportPayload,
) -> Result<Json<ImportSummary>, ApiFailure> {
    let admin = authed.require(&ADMIN, "import ASNs and POs")?;
    let documents: Vec<InboundDocumentImport> = payload.decode(csv_import::inbound_documents)?;
    Ok(Json(
        state
            .store
            .import_inbound_documents(&admin.warehouse, &documents)
            .await?,
    ))
}

pub async fn import_orders(
    State(state): State<AppState>,
    authed: Authed,
    payload: ImportPayload,
) -> Result<Json<ImportSummary>, ApiFailure> {
    let admin = authed.require(&ADMIN, "import orders")?;
    let orders: Vec<OrderImport> = payload.decode(csv_import::orders)?;
    Ok(Json(
        state.store.import_orders(&admin.warehouse, &orders).await?,
    ))
}

pub async fn import_pick_tasks(
    State(state): State<AppState>,
    authed: Authed,
    JsonBody(tasks): JsonBody<Vec<PickTaskRecord>>,
) -> Result<Json<PickTaskImportSummary>, ApiFailure> {
    let admin = authed.require(&ADMIN, "create pick tasks")?;
    Ok(Json(
        state
            .store
            .import_pick_tasks(&admin.warehouse, &tasks)
            .await?,
    ))
}
