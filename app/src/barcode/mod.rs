//! The barcode engine: turns raw scanner output into typed, validated meaning.
//!
//! Owns AIM symbology identifiers, GS1 element strings (FNC1 as GS or a substitute,
//! bracketed form), GS1 Digital Link, check digits and scan classification. Pure functions
//! over strings; it must not touch the journal, a device or the network.

pub mod check_digit;
mod scan;
mod symbology;

pub use scan::{Scan, ScanSource};
pub use symbology::{Symbology, SymbologyId};

/// ASCII group separator: FNC1 inside a GS1 element string.
pub const GS: char = '\u{1d}';
