//! Reports, replenishment runs and supply-term imports over HTTP. Supervisors and admins
//! read the reports of their own warehouse (`?warehouse=` may only name it); runs and
//! refreshes are theirs too; supply terms are imported by admins.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::AppState;
use super::auth::Authed;
use super::error::{ApiFailure, ImportPayload, PathParam, QueryParams};
use crate::reports::supply::{self, ItemSupplyImport, SupplierImport};
use crate::reports::{
    RefreshSummary, ReportError, ReportName, ReportParams, ReportSettings, Reports, RunSummary,
};
use crate::store::{AuthedDevice, ImportSummary, Role};

pub(super) const READERS: [Role; 2] = [Role::Supervisor, Role::Admin];
const ADMIN: [Role; 1] = [Role::Admin];

impl From<ReportError> for ApiFailure {
    fn from(error: ReportError) -> ApiFailure {
        match error {
            ReportError::UnknownWarehouse(m) => {
                ApiFailure::new(StatusCode::NOT_FOUND, "unknown_warehouse", m)
            }
            ReportError::UnknownReport(m) => {
                ApiFailure::new(StatusCode::NOT_FOUND, "unknown_report", m)
            }
            ReportError::Invalid(m) => ApiFailure::bad_request(m),
            ReportError::Database(e) => ApiFailure::from(crate::store::StoreError::Database(e)),
        }
    }
}

/// The device's warehouse, refusing a `warehouse` parameter that names another.
fn own_warehouse<'a>(
    device: &'a AuthedDevice,
    params: &ReportParams,
) -> Result<&'a str, ApiFailure> {
    match params.warehouse.as_deref() {
        Some(asked) if asked != device.warehouse.as_str() => Err(ApiFailure::forbidden(format!(
            "this device belongs to warehouse {}; it cannot read reports of {asked}",
            device.warehouse
        ))),
        _ => Ok(device.warehouse.as_str()),
    }
}

pub async fn list(authed: Authed) -> Result<Json<Value>, ApiFailure> {
    authed.require(&READERS, "read reports")?;
    Ok(Json(json!({
        "reports": ReportName::ALL.map(ReportName::as_str),
        "formats": ["json", "csv"],
    })))
}

pub async fn show(
    State(state): State<AppState>,
    authed: Authed,
    PathParam(name): PathParam<String>,
    QueryParams(params): QueryParams<ReportParams>,
) -> Result<Response, ApiFailure> {
    let device = authed.require(&READERS, "read reports")?;
    let name: ReportName = name.parse()?;
    let warehouse = own_warehouse(device, &params)?;
    let csv = match params.format.as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(other) => {
            return Err(ApiFailure::bad_request(format!(
                "format {other:?} is not offered; ask for json or csv"
            )));
        }
    };
    let settings = ReportSettings::from_params(&params, Reports::today())?;
    let table = Reports::new(&state.store)
        .report(name, warehouse, &settings)
        .await?;
    Ok(if csv {
        (
            [(header::CONTENT_TYPE, "text/csv; charset=utf-8")],
            table.to_csv(),
        )
            .into_response()
    } else {
        Json(table).into_response()
    })
}

pub async fn run(
    State(state): State<AppState>,
    authed: Authed,
    QueryParams(params): QueryParams<ReportParams>,
) -> Result<Json<RunSummary>, ApiFailure> {
    let device = authed.require(&READERS, "run replenishment")?;
    let warehouse = own_warehouse(device, &params)?;
    let settings = ReportSettings::from_params(&params, Reports::today())?;
    Ok(Json(
        Reports::new(&state.store).run(warehouse, &settings).await?,
    ))
}

pub async fn refresh(
    State(state): State<AppState>,
    authed: Authed,
) -> Result<Json<RefreshSummary>, ApiFailure> {
    authed.require(&READERS, "refresh reports")?;
    Ok(Json(Reports::new(&state.store).refresh().await?))
}

/// A JSON array, or CSV (`Content-Type: text/csv`) read by `from_csv`.
fn decode_rows<T: serde::de::DeserializeOwned>(
    payload: ImportPayload,
    from_csv: fn(&str) -> Result<Vec<T>, ReportError>,
) -> Result<Vec<T>, ApiFailure> {
    match payload {
        ImportPayload::Csv(text) => from_csv(&text)
            .map_err(|e| ApiFailure::new(StatusCode::BAD_REQUEST, "malformed_csv", e.to_string())),
        ImportPayload::Json(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
            ApiFailure::new(
                StatusCode::BAD_REQUEST,
                "malformed_request",
                format!("the request could not be read: {e}"),
            )
        }),
    }
}

pub async fn import_suppliers(
    State(state): State<AppState>,
    authed: Authed,
    payload: ImportPayload,
) -> Result<Json<ImportSummary>, ApiFailure> {
    let admin = authed.require(&ADMIN, "import suppliers")?;
    let rows: Vec<SupplierImport> = decode_rows(payload, supply::suppliers_csv)?;
    let upserted = Reports::new(&state.store)
        .import_suppliers(admin.warehouse.as_str(), &rows)
        .await?;
    Ok(Json(ImportSummary { upserted }))
}

pub async fn import_item_supply(
    State(state): State<AppState>,
    authed: Authed,
    payload: ImportPayload,
) -> Result<Json<ImportSummary>, ApiFailure> {
    let admin = authed.require(&ADMIN, "import item supply terms")?;
    let rows: Vec<ItemSupplyImport> = decode_rows(payload, supply::item_supply_csv)?;
    let upserted = Reports::new(&state.store)
        .import_item_supply(admin.warehouse.as_str(), &rows)
        .await?;
    Ok(Json(ImportSummary { upserted }))
}
