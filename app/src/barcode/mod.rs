//! The barcode engine: turns raw scanner output into typed, validated meaning.
//!
//! Owns AIM symbology identifiers, GS1 element strings (FNC1 as GS or a substitute,
//! bracketed form), GS1 Digital Link, check digits and scan classification. Pure functions
//! over strings; it must not touch the journal, a device or the network.
//!
//! The main entry point is [`classify`]: a [`Scan`] and a [`ClassifyConfig`] in, a
//! [`ScanMeaning`] (item with lot/expiry/serial/count, SSCC pallet, location, document or
//! unknown) or a [`ScanError`] with a reason a worker can act on out.
//!
//! ```
//! use dockhand_app::barcode::{classify, ClassifyConfig, Scan, ScanMeaning, SymbologyId};
//!
//! let mut scan = Scan::manual("010950600013435217271231\u{1d}10ABC123");
//! scan.symbology = Some(SymbologyId::new('C', '1'));
//! match classify(&scan, &ClassifyConfig::default()).unwrap() {
//!     ScanMeaning::Item(item) => {
//!         assert_eq!(item.gtin.as_str(), "09506000134352");
//!         assert_eq!(item.lot.unwrap().as_str(), "ABC123");
//!     }
//!     other => panic!("{other:?}"),
//! }
//! ```
//!
//! GS1 data is parsed as GS1 only when the data says so: a GS1 symbology identifier (`]C1`,
//! `]d2`, `]Q3`, `]e0`), a leading FNC1 (GS or the configured substitute), the bracketed
//! form, or a Digital Link URI. Plain Code 128 `10D9T` is a label, never AI 10.

pub mod ai_table;
pub mod check_digit;
mod classify;
pub mod digital_link;
pub mod element_string;
mod error;
mod labels;
pub mod retail;
mod scan;
mod symbology;
mod value_rules;

#[cfg(test)]
mod conformance_tests;
#[cfg(test)]
mod proptests;

pub use ai_table::Ai;
pub use classify::{
    ClassifyConfig, DataFormat, Interpretation, ItemScan, MAX_SCAN_LEN, Measure, ScanMeaning,
    SsccScan, classify, interpret,
};
pub use element_string::{Element, ElementString, PairingCheck};
pub use error::{DigitalLinkError, Gs1Error, RetailError, ScanError};
pub use labels::{DocumentRule, LabelPattern, LocationRule};
pub use scan::{Scan, ScanSource};
pub use symbology::{Symbology, SymbologyId};
pub use value_rules::gs1_date;

/// ASCII group separator: FNC1 inside a GS1 element string.
pub const GS: char = '\u{1d}';
