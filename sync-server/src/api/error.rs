//! Every error answer is an [`ApiError`] JSON body with the right status code; the detail
//! that helps an operator goes to the log, not to the client. Also the JSON, query and path
//! extractors whose rejections answer in that shape.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use dockhand_app::protocol::ApiError;
use serde::de::DeserializeOwned;

use crate::store::StoreError;

/// An error answer.
#[derive(Debug)]
pub struct ApiFailure {
    pub status: StatusCode,
    pub body: ApiError,
}

impl ApiFailure {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> ApiFailure {
        ApiFailure {
            status,
            body: ApiError {
                error: code.to_owned(),
                message: message.into(),
                detail: None,
            },
        }
    }

    pub fn with_detail(mut self, detail: serde_json::Value) -> ApiFailure {
        self.body.detail = Some(detail);
        self
    }

    pub fn unauthorized() -> ApiFailure {
        ApiFailure::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "send this device's token as `Authorization: Bearer <token>`; enrol the device if it has none",
        )
    }

    pub fn forbidden(message: impl Into<String>) -> ApiFailure {
        ApiFailure::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn bad_request(message: impl Into<String>) -> ApiFailure {
        ApiFailure::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub fn not_found(message: impl Into<String>) -> ApiFailure {
        ApiFailure::new(StatusCode::NOT_FOUND, "not_found", message)
    }
}

impl IntoResponse for ApiFailure {
    fn into_response(self) -> Response {
        (self.status, axum::Json(self.body)).into_response()
    }
}

impl From<StoreError> for ApiFailure {
    fn from(error: StoreError) -> ApiFailure {
        match error {
            StoreError::NotFound(m) => ApiFailure::not_found(m),
            StoreError::Invalid(m) => ApiFailure::bad_request(m),
            StoreError::Forbidden(m) => ApiFailure::forbidden(m),
            StoreError::StateConflict(m) => ApiFailure::new(StatusCode::CONFLICT, "conflict", m),
            other => {
                tracing::error!(error = %other, "request failed");
                ApiFailure::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "the server could not complete the request; it is safe to retry later",
                )
            }
        }
    }
}

fn rejection(status: StatusCode, text: String) -> ApiFailure {
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => ApiFailure::new(
            status,
            "payload_too_large",
            "the request body is larger than this server accepts; send smaller batches",
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiFailure::new(
            status,
            "unsupported_media_type",
            "send the body as JSON with `Content-Type: application/json`",
        ),
        _ => ApiFailure::new(
            StatusCode::BAD_REQUEST,
            "malformed_request",
            format!("the request could not be read: {text}"),
        ),
    }
}

/// `axum::Json` with [`ApiError`] rejections.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<S, T> FromRequest<S> for JsonBody<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiFailure;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiFailure> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(JsonBody(value)),
            Err(e @ JsonRejection::BytesRejection(_)) => Err(rejection(e.status(), e.body_text())),
            Err(e) => Err(rejection(e.status(), e.body_text())),
        }
    }
}

/// An import body: JSON, or CSV when sent as `Content-Type: text/csv`.
#[derive(Debug)]
pub enum ImportPayload {
    Json(axum::body::Bytes),
    Csv(String),
}

impl ImportPayload {
    /// Decodes the JSON form with `T`, or the CSV form with `from_csv`.
    pub fn decode<T: DeserializeOwned>(
        self,
        from_csv: impl FnOnce(&str) -> Result<T, crate::csv_import::CsvError>,
    ) -> Result<T, ApiFailure> {
        match self {
            ImportPayload::Json(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                ApiFailure::new(
                    StatusCode::BAD_REQUEST,
                    "malformed_request",
                    format!("the request could not be read: {e}"),
                )
            }),
            ImportPayload::Csv(text) => from_csv(&text).map_err(|e| {
                ApiFailure::new(StatusCode::BAD_REQUEST, "malformed_csv", e.to_string())
            }),
        }
    }
}

impl<S: Send + Sync> FromRequest<S> for ImportPayload {
    type Rejection = ApiFailure;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiFailure> {
        let csv = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/csv"));
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| rejection(e.status(), e.body_text()))?;
        if csv {
            String::from_utf8(bytes.to_vec())
                .map(ImportPayload::Csv)
                .map_err(|_| {
                    ApiFailure::new(
                        StatusCode::BAD_REQUEST,
                        "malformed_csv",
                        "the CSV is not UTF-8",
                    )
                })
        } else {
            Ok(ImportPayload::Json(bytes))
        }
    }
}

/// `axum::extract::Query` with [`ApiError`] rejections.
#[derive(Debug)]
pub struct QueryParams<T>(pub T);

impl<S, T> FromRequestParts<S> for QueryParams<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiFailure;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiFailure> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| QueryParams(q.0))
            .map_err(|e: QueryRejection| rejection(e.status(), e.body_text()))
    }
}

/// `axum::extract::Path` with [`ApiError`] rejections.
#[derive(Debug)]
pub struct PathParam<T>(pub T);

impl<S, T> FromRequestParts<S> for PathParam<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiFailure;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiFailure> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| PathParam(p.0))
            .map_err(|e: PathRejection| rejection(StatusCode::BAD_REQUEST, e.body_text()))
    }
}
