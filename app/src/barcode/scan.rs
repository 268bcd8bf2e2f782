//! A scan as a scanner delivered it, before any interpretation.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::SymbologyId;

/// Where a scan came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScanSource {
    /// Keystrokes from a keyboard-wedge scanner (or a person typing).
    Wedge,
    /// A serial or USB-serial scanner.
    Serial,
    /// An Android broadcast intent (Zebra DataWedge, Honeywell).
    Intent,
    /// Typed in by hand, or played from a script.
    Manual,
}

/// One read of one barcode: the data exactly as received, the AIM symbology identifier when
/// the scanner sent one (already stripped from `data`), and when it arrived.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scan {
    /// The decoded data. FNC1 separators are ASCII GS (0x1D): sources map their configured
    /// substitute back to GS before a scan is built.
    pub data: String,
    /// The AIM identifier (`]C1`, `]d2`…) if the scanner transmitted one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symbology: Option<SymbologyId>,
    pub received_at: DateTime<Utc>,
    pub source: ScanSource,
}

impl Scan {
    /// A scan with no symbology identifier, received now.
    pub fn manual(data: impl Into<String>) -> Self {
        Self {
            data: data.into(),
            symbology: None,
            received_at: Utc::now(),
            source: ScanSource::Manual,
        }
    }
}
