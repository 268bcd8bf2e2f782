//! Why a scan was rejected: one enum per stage (GS1 data, Digital Link, retail codes,
//! classification), each message exact enough for a worker or an operator to act on. Tests
//! pin these messages; change them deliberately.

use super::check_digit::CheckDigitError;
use crate::domain::{GtinError, IdError};

/// A GS1 element string (or its bracketed form) that does not follow the GS1 General
/// Specifications. Positions are 0-based character offsets into the data after the
/// symbology identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Gs1Error {
    #[error("no GS1 data")]
    Empty,
    #[error("expected an AI at position {position}, found {found:?}")]
    ExpectedAi { position: usize, found: String },
    #[error("unknown AI {ai} at position {position}")]
    UnknownAi { ai: String, position: usize },
    #[error("AI {ai} has no value")]
    EmptyValue { ai: String },
    #[error("AI {ai} value is {len} characters; at most {max} allowed")]
    TooLong { ai: String, len: usize, max: usize },
    #[error("AI {ai} value is {len} characters; {min} required")]
    TooShort { ai: String, len: usize, min: usize },
    #[error("AI {ai} value {value:?} contains {found:?}; {allowed} allowed")]
    BadCharacter {
        ai: String,
        value: String,
        found: char,
        allowed: &'static str,
    },
    #[error("AI {ai} {source}")]
    CheckDigit {
        ai: String,
        #[source]
        source: CheckDigitError,
    },
    #[error("AI {ai} date {value} is not a date")]
    NotADate { ai: String, value: String },
    #[error("AI {ai} value {value:?} is not valid: {reason}")]
    BadContent {
        ai: String,
        value: String,
        reason: &'static str,
    },
    #[error("AI {ai} needs AI {needs}")]
    MissingPair { ai: String, needs: String },
    #[error("AI {ai} cannot be used together with AI {other}")]
    ExcludedPair { ai: String, other: String },
    #[error("AI {ai} appears twice with different values")]
    Duplicate { ai: String },
    #[error("bracketed GS1 data: {reason} at position {position}")]
    Bracketed {
        position: usize,
        reason: &'static str,
    },
}

/// A GS1 Digital Link URI that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DigitalLinkError {
    #[error("not an http(s) URI")]
    NotAUri,
    #[error("no GS1 primary key (such as /01/ or /00/) in the URI path")]
    NoPrimaryKey,
    #[error("AI {ai} is not allowed after AI {key} in a Digital Link path")]
    BadQualifier { key: String, ai: String },
    #[error("AI {ai} cannot be carried in a Digital Link URI")]
    NotAllowed { ai: String },
    #[error("AI {ai} appears more than once in the URI")]
    Repeated { ai: String },
    #[error("{segment:?} is not correctly percent-encoded")]
    BadPercentEncoding { segment: String },
    #[error("{0}")]
    Data(#[from] Gs1Error),
}

/// A retail (EAN/UPC/ITF) code that is not a valid GTIN.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RetailError {
    #[error("{symbology} needs {expected} digits, got {got:?}")]
    Length {
        symbology: &'static str,
        expected: &'static str,
        got: String,
    },
    #[error("UPC-E {value} has number system {system}; only 0 or 1 exist")]
    UpcENumberSystem { value: String, system: char },
    #[error(transparent)]
    Gtin(#[from] GtinError),
}

/// Why a scan has no usable meaning.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScanError {
    #[error("{0}")]
    Gs1(#[from] Gs1Error),
    #[error("Digital Link: {0}")]
    DigitalLink(#[from] DigitalLinkError),
    #[error("{0}")]
    Retail(#[from] RetailError),
    #[error("{0}")]
    Gtin(#[from] GtinError),
    #[error("AI {ai}: {source}")]
    Field {
        ai: &'static str,
        #[source]
        source: IdError,
    },
    #[error("{what} {value:?} does not fit this field: {source}")]
    Label {
        what: &'static str,
        value: String,
        #[source]
        source: IdError,
    },
    #[error("the scan is empty")]
    Empty,
    #[error("the scan is {len} bytes long; no barcode holds more than {max}")]
    TooLong { len: usize, max: usize },
}
