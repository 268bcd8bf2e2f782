//! The HTTP shell of the sync protocol: one method per endpoint, errors classified so the
//! caller knows whether to retry, shrink the batch, resend from a seq, or ask for enrolment.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use reqwest::StatusCode;

use crate::domain::DeviceSeq;
use crate::protocol::{ApiError, PullResponse, PushRequest, PushResponse, SeqGap, WhoAmI};

/// Why a sync call failed.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("server unreachable: {0}")]
    Network(String),
    #[error("the server refused this device's token ({0}); enrol the device again")]
    Unauthorized(String),
    #[error("the server forbids this: {0}")]
    Forbidden(String),
    #[error("the server expected event {expected} next but got {got}")]
    SeqGap { expected: DeviceSeq, got: DeviceSeq },
    #[error("the batch was too large for the server")]
    TooLarge,
    #[error("server error {status}: {message}")]
    Server { status: u16, message: String },
    #[error("the server answered something this device does not understand: {0}")]
    Protocol(String),
    #[error(transparent)]
    Journal(#[from] crate::journal::JournalError),
}

impl SyncError {
    /// Worth retrying later as is (network trouble, server overloaded or failing).
    pub fn is_transient(&self) -> bool {
        matches!(self, SyncError::Network(_) | SyncError::Server { .. })
    }
}

/// A response with the moment the server stamped it and the round trip it took.
#[derive(Debug, Clone)]
pub struct Timed<T> {
    pub body: T,
    pub server_time: DateTime<Utc>,
    pub sent_at: DateTime<Utc>,
    pub round_trip: Duration,
}

impl<T> Timed<T> {
    /// Server clock minus device clock, assuming the answer was stamped half-way.
    pub fn clock_offset(&self) -> chrono::Duration {
        let midpoint =
            self.sent_at + chrono::Duration::from_std(self.round_trip / 2).unwrap_or_default();
        self.server_time - midpoint
    }
}

/// One sync server as seen by one device: the HTTP client, the base URL and the device's
/// token. [`SyncClient`] and [`super::supervisor::SupervisorClient`] both speak through it.
#[derive(Debug, Clone)]
pub(crate) struct Endpoint {
    http: reqwest::Client,
    base_url: String,
    token: String,
}

/// Installs the ring crypto provider for rustls once per process (reqwest needs one).
pub(crate) fn install_crypto_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

impl Endpoint {
    /// `base_url` like `http://127.0.0.1:8080` (no trailing `/v1`).
    pub(crate) fn new(base_url: &str, token: &str, timeout: Duration) -> Result<Self, SyncError> {
        install_crypto_provider();
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            .build()
            .map_err(|e| SyncError::Protocol(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self {
            http,
            base_url: base_url.trim_end_matches('/').to_owned(),
            token: token.to_owned(),
        })
    }

    /// `GET {base}/v1{path}` with the device's token.
    pub(crate) fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.http.get(self.url(path)).bearer_auth(&self.token)
    }

    /// `POST {base}/v1{path}` with the device's token.
    pub(crate) fn post(&self, path: &str) -> reqwest::RequestBuilder {
        self.http.post(self.url(path)).bearer_auth(&self.token)
    }

    /// `GET /v1/me`: who this token belongs to and what its role may do.
    pub(crate) async fn whoami(&self) -> Result<WhoAmI, SyncError> {
        let (status, bytes) = exchange(self.get("/me")).await?;
        if status == StatusCode::NOT_FOUND {
            return Err(SyncError::Protocol(
                "the server does not answer GET /v1/me, so it is older than this app; \
                 update the sync server"
                    .into(),
            ));
        }
        decode_answer(status, &bytes)
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}{}", self.base_url, crate::protocol::API_PREFIX, path)
    }
}

/// Sends `request` and reads the whole answer: its status and body.
pub(crate) async fn exchange(
    request: reqwest::RequestBuilder,
) -> Result<(StatusCode, Vec<u8>), SyncError> {
    let response = request.send().await.map_err(network)?;
    let status = response.status();
    let bytes = response.bytes().await.map_err(network)?;
    Ok((status, bytes.to_vec()))
}

/// The message of an error answer: the API's `message`, else the start of the body.
pub(crate) fn error_message(bytes: &[u8]) -> (Option<ApiError>, String) {
    let api: Option<ApiError> = serde_json::from_slice(bytes).ok();
    let message = api
        .as_ref()
        .map(|a| a.message.clone())
        .unwrap_or_else(|| String::from_utf8_lossy(bytes).chars().take(200).collect());
    (api, message)
}

/// What an error status means to any client: the token refused (401), the role or the
/// warehouse refused (403), a transient server trouble, or an answer the device does not
/// expect.
pub(crate) fn status_error(status: StatusCode, message: String) -> SyncError {
    match status {
        StatusCode::UNAUTHORIZED => SyncError::Unauthorized(message),
        StatusCode::FORBIDDEN => SyncError::Forbidden(message),
        StatusCode::PAYLOAD_TOO_LARGE => SyncError::TooLarge,
        s if s.is_server_error()
            || s == StatusCode::TOO_MANY_REQUESTS
            || s == StatusCode::REQUEST_TIMEOUT =>
        {
            SyncError::Server {
                status: s.as_u16(),
                message,
            }
        }
        s => SyncError::Protocol(format!("{s}: {message}")),
    }
}

/// Talks to one sync server as one device.
#[derive(Debug, Clone)]
pub struct SyncClient {
    endpoint: Endpoint,
}

impl SyncClient {
    /// `base_url` like `http://127.0.0.1:8080` (no trailing `/v1`).
    pub fn new(base_url: &str, token: &str, timeout: Duration) -> Result<Self, SyncError> {
        Ok(Self {
            endpoint: Endpoint::new(base_url, token, timeout)?,
        })
    }

    pub async fn push(&self, request: &PushRequest) -> Result<Timed<PushResponse>, SyncError> {
        let sent_at = Utc::now();
        let started = Instant::now();
        let body: PushResponse = decode(self.endpoint.post("/push").json(request)).await?;
        Ok(Timed {
            server_time: body.server_time,
            body,
            sent_at,
            round_trip: started.elapsed(),
        })
    }

    pub async fn pull(
        &self,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<Timed<PullResponse>, SyncError> {
        let sent_at = Utc::now();
        let started = Instant::now();
        let mut query: Vec<(&str, String)> = vec![("limit", limit.to_string())];
        if let Some(cursor) = cursor {
            query.push(("cursor", cursor.to_owned()));
        }
        let body: PullResponse = decode(self.endpoint.get("/pull").query(&query)).await?;
        Ok(Timed {
            server_time: body.server_time,
            body,
            sent_at,
            round_trip: started.elapsed(),
        })
    }

    /// `POST /v1/sscc/leases`: a new block of SSCC serial references for this device.
    pub async fn lease_sscc_block(
        &self,
        size: u64,
    ) -> Result<crate::label::sscc::SsccBlock, SyncError> {
        decode(
            self.endpoint
                .post("/sscc/leases")
                .json(&serde_json::json!({ "size": size })),
        )
        .await
    }

    /// `GET /v1/me`: this device as the server sees it (id, name, role, warehouse) and what
    /// its role may do.
    pub async fn whoami(&self) -> Result<WhoAmI, SyncError> {
        self.endpoint.whoami().await
    }

    /// `GET /healthz`: is the server reachable at all?
    pub async fn probe(&self) -> Result<(), SyncError> {
        let response = self
            .endpoint
            .http
            .get(format!("{}/healthz", self.endpoint.base_url))
            .send()
            .await
            .map_err(network)?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(SyncError::Server {
                status: response.status().as_u16(),
                message: "not healthy".into(),
            })
        }
    }
}

fn network(e: reqwest::Error) -> SyncError {
    SyncError::Network(e.to_string())
}

async fn decode<T: serde::de::DeserializeOwned>(
    request: reqwest::RequestBuilder,
) -> Result<T, SyncError> {
    let (status, bytes) = exchange(request).await?;
    decode_answer(status, &bytes)
}

/// An answer as `T`, or the error its status and body mean.
fn decode_answer<T: serde::de::DeserializeOwned>(
    status: StatusCode,
    bytes: &[u8],
) -> Result<T, SyncError> {
    if status.is_success() {
        return serde_json::from_slice(bytes)
            .map_err(|e| SyncError::Protocol(format!("{e} in a {status} answer")));
    }
    let (api, message) = error_message(bytes);
    if status == StatusCode::CONFLICT {
        return Err(
            match api
                .and_then(|a| a.detail)
                .and_then(|d| serde_json::from_value::<SeqGap>(d).ok())
            {
                Some(gap) => SyncError::SeqGap {
                    expected: gap.expected_seq,
                    got: gap.got_seq,
                },
                None => SyncError::Protocol(format!("409 without a seq gap: {message}")),
            },
        );
    }
    Err(status_error(status, message))
}
