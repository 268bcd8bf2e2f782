//! Items: SKU, GTINs, units of measure with pack conversions and tracking flags.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{Qty, QtyError, Sku};
use crate::barcode::check_digit::{CheckDigitError, verify_mod10};

/// Why a GTIN was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GtinError {
    #[error("GTIN {0:?} must be 8, 12, 13 or 14 digits")]
    Length(String),
    #[error("GTIN {0:?} may contain digits only")]
    NotNumeric(String),
    #[error("GTIN {value}: {source}")]
    CheckDigit {
        value: String,
        source: CheckDigitError,
    },
}

/// A valid GTIN, stored normalised to 14 digits (GTIN-8/12/13 are left-padded with zeros),
/// so the same product scanned as EAN-13 or as AI (01) finds the same item.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Gtin(String);

impl Gtin {
    pub fn parse(value: &str) -> Result<Self, GtinError> {
        if !value.bytes().all(|b| b.is_ascii_digit()) {
            return Err(GtinError::NotNumeric(value.to_owned()));
        }
        if ![8, 12, 13, 14].contains(&value.len()) {
            return Err(GtinError::Length(value.to_owned()));
        }
        verify_mod10(value).map_err(|source| GtinError::CheckDigit {
            value: value.to_owned(),
            source,
        })?;
        Ok(Self(format!("{value:0>14}")))
    }

    /// The 14-digit form.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The shortest standard form: GTIN-13 (EAN-13) when the leading digit is zero and so on,
    /// which is what is printed under a retail barcode.
    pub fn shortest(&self) -> &str {
        let s = self.0.as_str();
        if let Some(rest) = s.strip_prefix("000000") {
            rest
        } else if let Some(rest) = s.strip_prefix("00") {
            rest
        } else if let Some(rest) = s.strip_prefix('0') {
            rest
        } else {
            s
        }
    }
}

impl TryFrom<String> for Gtin {
    type Error = GtinError;
    fn try_from(value: String) -> Result<Self, GtinError> {
        Gtin::parse(&value)
    }
}

impl From<Gtin> for String {
    fn from(value: Gtin) -> String {
        value.0
    }
}

impl fmt::Display for Gtin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A unit of measure and how many base units it holds: `EA` = 1, `CS` = 12, `PL` = 480.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct UnitOfMeasure {
    /// Short code shown to the user (`EA`, `CS`, `PL`).
    pub code: String,
    /// Base units in one of this unit; 1 for the base unit itself.
    pub base_units: u32,
    /// The GTIN printed on this packaging level, if it has its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gtin: Option<Gtin>,
}

impl UnitOfMeasure {
    pub fn each() -> Self {
        Self {
            code: "EA".to_owned(),
            base_units: 1,
            gtin: None,
        }
    }

    /// `count` of this unit in base units: 2 cases of 12 are 24.
    pub fn to_base(&self, count: u32) -> Result<Qty, QtyError> {
        Qty::new(i64::from(count) * i64::from(self.base_units))
    }
}

/// What must be captured when this item is received, moved or picked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Tracking {
    pub lot: bool,
    pub serial: bool,
    pub expiry: bool,
}

/// An item as the catalog knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub sku: Sku,
    pub name: String,
    /// GTINs of the base unit (an item may carry more than one, e.g. after a relabel).
    #[serde(default)]
    pub gtins: Vec<Gtin>,
    /// Pack levels above the base unit, each possibly with its own GTIN.
    #[serde(default)]
    pub packs: Vec<UnitOfMeasure>,
    #[serde(default)]
    pub tracking: Tracking,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
}

impl Item {
    /// The unit a scanned GTIN stands for: the base unit, or one of the packs.
    pub fn unit_for_gtin(&self, gtin: &Gtin) -> Option<UnitOfMeasure> {
        if self.gtins.contains(gtin) {
            return Some(UnitOfMeasure {
                gtin: Some(gtin.clone()),
                ..UnitOfMeasure::each()
            });
        }
        self.packs
            .iter()
            .find(|p| p.gtin.as_ref() == Some(gtin))
            .cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gtins_normalise_to_fourteen_digits() {
        let g13 = Gtin::parse("9506000134352").unwrap();
        let g14 = Gtin::parse("09506000134352").unwrap();
        assert_eq!(g13, g14);
        assert_eq!(g13.as_str(), "09506000134352");
        assert_eq!(g13.shortest(), "9506000134352");
        assert_eq!(Gtin::parse("95050003").unwrap().as_str(), "00000095050003");
    }

    #[test]
    fn gtin_errors_say_what_is_wrong() {
        let err = Gtin::parse("09506000134353").unwrap_err();
        assert_eq!(
            err.to_string(),
            "GTIN 09506000134353: check digit wrong: expected 2, got 3"
        );
        assert!(matches!(
            Gtin::parse("0950600013435"),
            Err(GtinError::CheckDigit { .. })
        ));
        assert!(matches!(Gtin::parse("12345"), Err(GtinError::Length(_))));
        assert!(matches!(
            Gtin::parse("0950600013435X"),
            Err(GtinError::NotNumeric(_))
        ));
    }

    #[test]
    fn packs_convert_to_base_units_and_are_found_by_their_gtin() {
        let case_gtin = Gtin::parse("19506000134359").unwrap();
        let item = Item {
            sku: Sku::new("1002").unwrap(),
            name: "Blue Mug".into(),
            gtins: vec![Gtin::parse("09506000134352").unwrap()],
            packs: vec![UnitOfMeasure {
                code: "CS".into(),
                base_units: 12,
                gtin: Some(case_gtin.clone()),
            }],
            tracking: Tracking::default(),
            category: None,
        };
        let case = item.unit_for_gtin(&case_gtin).unwrap();
        assert_eq!(case.to_base(2).unwrap(), Qty::new(24).unwrap());
        assert_eq!(item.unit_for_gtin(&item.gtins[0]).unwrap().base_units, 1);
    }
}
