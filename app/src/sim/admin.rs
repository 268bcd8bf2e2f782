//! The simulator's administrator: imports a generated catalog and enrols devices over the
//! server's HTTP API, as an operator would.

use std::time::Duration;

use serde_json::json;

use super::SimError;
use crate::barcode::check_digit::mod10_check_digit;
use crate::domain::{
    DeviceId, Gtin, Item, Location, LocationCode, LocationKind, LocationPath, Sku, Tracking,
    WarehouseCode,
};

/// A generated warehouse: items with GTINs, bins, one dock, a tote per device.
#[derive(Debug, Clone)]
pub struct SimCatalog {
    pub items: Vec<Item>,
    pub locations: Vec<Location>,
    pub bins: Vec<LocationCode>,
    pub dock: LocationCode,
}

fn code(text: String) -> LocationCode {
    LocationCode::new(text).expect("generated location codes are valid")
}

impl SimCatalog {
    pub fn generate(warehouse: &WarehouseCode, items: usize, bins: usize, devices: usize) -> Self {
        let items = (0..items)
            .map(|i| {
                let body = format!("0950600{:06}", 1000 + i);
                let check = mod10_check_digit(&body).unwrap_or(0);
                Item {
                    sku: Sku::new(format!("SKU-{:04}", i + 1)).expect("generated SKUs are valid"),
                    name: format!("Simulated item {}", i + 1),
                    gtins: Gtin::parse(&format!("{body}{check}")).into_iter().collect(),
                    packs: vec![],
                    tracking: Tracking::default(),
                    category: Some(["tools", "food", "mugs", "spares"][i % 4].to_owned()),
                }
            })
            .collect();
        let location = |code: LocationCode, kind, seq: i64, zone: &str| Location {
            code,
            warehouse: warehouse.clone(),
            kind,
            path: LocationPath {
                zone: Some(zone.to_owned()),
                ..LocationPath::default()
            },
            pick_sequence: seq,
            capacity: None,
        };
        let dock = code("DOCK-1".to_owned());
        let bin_codes: Vec<LocationCode> = (0..bins)
            .map(|b| code(format!("A-{:02}-{}", b / 4 + 1, b % 4 + 1)))
            .collect();
        let mut locations = vec![location(dock.clone(), LocationKind::Dock, 0, "DOCK")];
        locations.extend(
            bin_codes
                .iter()
                .enumerate()
                .map(|(i, c)| location(c.clone(), LocationKind::Bin, i as i64 + 1, "A")),
        );
        locations.extend(
            (0..devices).map(|d| location(Self::tote(d), LocationKind::Tote, 10_000, "TOTE")),
        );
        SimCatalog {
            items,
            locations,
            bins: bin_codes,
            dock,
        }
    }

    pub fn tote(device: usize) -> LocationCode {
        code(format!("TOTE-{device}"))
    }
}

/// Admin calls over HTTP with an admin device's token.
#[derive(Debug, Clone)]
pub struct AdminClient {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl AdminClient {
    pub fn new(base: &str, token: &str) -> Result<Self, SimError> {
        crate::sync::client::install_crypto_provider();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| SimError::Admin {
                what: "client",
                message: e.to_string(),
            })?;
        Ok(Self {
            http,
            base: base.trim_end_matches('/').to_owned(),
            token: token.to_owned(),
        })
    }

    async fn post(
        &self,
        what: &'static str,
        path: &str,
        body: serde_json::Value,
    ) -> Result<serde_json::Value, SimError> {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .map_err(|e| SimError::Admin {
                what,
                message: e.to_string(),
            })?;
        let status = response.status();
        let text = response.text().await.map_err(|e| SimError::Admin {
            what,
            message: e.to_string(),
        })?;
        if !status.is_success() {
            return Err(SimError::Admin {
                what,
                message: format!("{status}: {text}"),
            });
        }
        serde_json::from_str(&text).map_err(|e| SimError::Admin {
            what,
            message: e.to_string(),
        })
    }

    pub async fn import_catalog(&self, catalog: &SimCatalog) -> Result<(), SimError> {
        self.post("import items", "/v1/imports/items", json!(catalog.items))
            .await?;
        self.post(
            "import locations",
            "/v1/imports/locations",
            json!(catalog.locations),
        )
        .await?;
        Ok(())
    }

    /// Enrols the device with the id its journal already has; returns its token.
    pub async fn enrol(&self, device_id: DeviceId, name: &str) -> Result<String, SimError> {
        let answer = self
            .post(
                "enrol",
                "/v1/devices",
                json!({"role": "receiver", "name": name, "device_id": device_id}),
            )
            .await?;
        answer["token"]
            .as_str()
            .map(str::to_owned)
            .ok_or(SimError::Admin {
                what: "enrol",
                message: format!("no token in {answer}"),
            })
    }
}
