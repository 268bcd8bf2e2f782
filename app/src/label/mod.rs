//! Labels printed from the device: templates rendered to ZPL, SSCC allocation from leased
//! blocks, and the durable print queue.
//!
//! The pure part (label data → laid-out [`Template`] → ZPL, and the SSCC allocator) builds
//! without the `device` feature, so the server and tests can use it; the print queue and
//! the printer transports (raw TCP port 9100, serial) need the device's journal and I/O.
//!
//! ```
//! use dockhand_app::label::{Dpi, LabelKind, Stock, layout_json};
//!
//! let data = r#"{"sscc":"095060001000000012","content":"09506000134352","count":12}"#;
//! let template = layout_json(LabelKind::Sscc, data, Stock::FOUR_BY_SIX, Dpi::D203).unwrap();
//! let symbols = template.symbols();
//! assert_eq!(symbols.last().unwrap().human_readable, "(00)095060001000000012");
//! ```

#[cfg(feature = "device")]
pub mod allocate;
mod code128;
pub mod kinds;
mod layout;
#[cfg(feature = "device")]
pub mod printer;
#[cfg(feature = "device")]
pub mod queue;
#[cfg(feature = "device")]
pub mod settings;
pub mod sscc;
mod stock;
mod template;
pub mod zpl;

#[cfg(test)]
mod tests;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::barcode::Gs1Error;

pub use code128::{Code128Char, Code128Plan};
pub use kinds::{BinLabel, CartonLabel, Gs1Symbol, ItemLabel, PalletLabel};
pub use stock::{Dpi, Stock};
pub use template::{Align, ExpectedSymbol, Field, FieldContent, Template};

/// Why a label cannot be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LabelError {
    #[error("label data: {0}")]
    Data(String),
    #[error("label data: {0}")]
    Gs1(#[from] Gs1Error),
    #[error("label layout: {0}")]
    Layout(String),
    #[error("label setting: {0}")]
    Setting(String),
}

/// The kinds of label Dockhand prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LabelKind {
    /// Pallet (logistic unit) label with its SSCC.
    Sscc,
    Carton,
    Item,
    Bin,
}

impl LabelKind {
    pub const ALL: [LabelKind; 4] = [
        LabelKind::Sscc,
        LabelKind::Carton,
        LabelKind::Item,
        LabelKind::Bin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LabelKind::Sscc => "sscc",
            LabelKind::Carton => "carton",
            LabelKind::Item => "item",
            LabelKind::Bin => "bin",
        }
    }
}

impl fmt::Display for LabelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for LabelKind {
    type Err = LabelError;
    fn from_str(s: &str) -> Result<LabelKind, LabelError> {
        LabelKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim())
            .ok_or_else(|| {
                LabelError::Setting(format!(
                    "label kind {s:?} is unknown; use sscc, carton, item or bin"
                ))
            })
    }
}

/// Lays out a label of `kind` from its JSON data (the fields of [`PalletLabel`],
/// [`CartonLabel`], [`ItemLabel`] or [`BinLabel`]).
pub fn layout_json(
    kind: LabelKind,
    json: &str,
    stock: Stock,
    dpi: Dpi,
) -> Result<Template, LabelError> {
    fn parse<T: serde::de::DeserializeOwned>(kind: LabelKind, json: &str) -> Result<T, LabelError> {
        serde_json::from_str(json).map_err(|e| LabelError::Data(format!("not a {kind} label: {e}")))
    }
    match kind {
        LabelKind::Sscc => parse::<PalletLabel>(kind, json)?.layout(stock, dpi),
        LabelKind::Carton => parse::<CartonLabel>(kind, json)?.layout(stock, dpi),
        LabelKind::Item => parse::<ItemLabel>(kind, json)?.layout(stock, dpi),
        LabelKind::Bin => parse::<BinLabel>(kind, json)?.layout(stock, dpi),
    }
}
