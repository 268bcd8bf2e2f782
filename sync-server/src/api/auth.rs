//! Token authentication and role checks. Every endpoint but `/healthz`, `/metrics` and
//! `/v1/openapi.json` takes an [`Authed`] and names the roles it admits.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use super::AppState;
use super::error::ApiFailure;
use crate::metrics::METRICS;
use crate::store::{AuthedDevice, Role};

/// The device that sent the request, authenticated by its bearer token.
#[derive(Debug, Clone)]
pub struct Authed(pub AuthedDevice);

impl Authed {
    /// Whether the device has one of `roles`: the one test behind [`Self::require`] and
    /// behind what `GET /v1/me` says a device may do.
    pub fn may(&self, roles: &[Role]) -> bool {
        roles.contains(&self.0.role)
    }

    /// Refuses with 403 unless the device has one of `roles`.
    pub fn require(&self, roles: &[Role], what: &str) -> Result<&AuthedDevice, ApiFailure> {
        if self.may(roles) {
            Ok(&self.0)
        } else {
            let allowed: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
            Err(ApiFailure::forbidden(format!(
                "a {} device may not {what}; this needs the role {}",
                self.0.role,
                allowed.join(" or ")
            )))
        }
    }
}

impl FromRequestParts<AppState> for Authed {
    type Rejection = ApiFailure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiFailure> {
        let token = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty());
        let Some(token) = token else {
            METRICS.auth_failures.inc();
            return Err(ApiFailure::unauthorized());
        };
        match state.store.authenticate(token).await? {
            Some(device) => Ok(Authed(device)),
            None => {
                METRICS.auth_failures.inc();
                Err(ApiFailure::unauthorized())
            }
        }
    }
}
