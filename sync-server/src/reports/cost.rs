//! Unit costs: exact decimals with four places, carried by imports (PO lines, item standard
//! costs) and stored as `NUMERIC(14, 4)`. Kept as ten-thousandths in an integer so import
//! types stay `Eq` and no float rounding creeps into valuations.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A non-negative money amount per base unit, to 1/10 000.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct UnitCost(i64);

/// Why a cost was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a unit cost: write a non-negative decimal with at most 4 places, e.g. 12.5")]
pub struct BadUnitCost(pub String);

impl UnitCost {
    /// Largest cost `NUMERIC(14, 4)` holds.
    const MAX_TEN_THOUSANDTHS: i64 = 99_999_999_999_999;

    pub fn from_ten_thousandths(units: i64) -> Result<UnitCost, BadUnitCost> {
        if (0..=Self::MAX_TEN_THOUSANDTHS).contains(&units) {
            Ok(UnitCost(units))
        } else {
            Err(BadUnitCost(units.to_string()))
        }
    }

    /// The cost in 1/10 000 (bound as `$n::numeric / 10000` in SQL).
    pub fn ten_thousandths(self) -> i64 {
        self.0
    }
}

impl FromStr for UnitCost {
    type Err = BadUnitCost;

    fn from_str(text: &str) -> Result<UnitCost, BadUnitCost> {
        let bad = || BadUnitCost(text.to_owned());
        let (whole, fraction) = text.trim().split_once('.').unwrap_or((text.trim(), ""));
        if whole.is_empty() && fraction.is_empty()
            || fraction.len() > 4
            || !whole.chars().all(|c| c.is_ascii_digit())
            || !fraction.chars().all(|c| c.is_ascii_digit())
            || whole.len() > 10
        {
            return Err(bad());
        }
        let whole: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| bad())?
        };
        let mut frac: i64 = 0;
        for (i, digit) in fraction.chars().enumerate() {
            let d = i64::from(digit.to_digit(10).ok_or_else(bad)?);
            frac += d * 10_i64.pow(3 - i as u32);
        }
        UnitCost::from_ten_thousandths(whole * 10_000 + frac).map_err(|_| bad())
    }
}

impl fmt::Display for UnitCost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = format!("{}.{:04}", self.0 / 10_000, self.0 % 10_000);
        f.write_str(text.trim_end_matches('0').trim_end_matches('.'))
    }
}

impl Serialize for UnitCost {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for UnitCost {
    /// Accepts `"12.5"` or `12.5`.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<UnitCost, D::Error> {
        let value = serde_json::Value::deserialize(d)?;
        let text = match &value {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Number(n) => n.to_string(),
            other => other.to_string(),
        };
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn costs_parse_exactly_and_print_short() {
        let c: UnitCost = "12.5".parse().unwrap();
        assert_eq!(c.ten_thousandths(), 125_000);
        assert_eq!(c.to_string(), "12.5");
        assert_eq!("0.0001".parse::<UnitCost>().unwrap().ten_thousandths(), 1);
        assert_eq!("7".parse::<UnitCost>().unwrap().to_string(), "7");
        let json: UnitCost = serde_json::from_str("3.25").unwrap();
        assert_eq!(json.ten_thousandths(), 32_500);
        for bad in ["", "-1", "1.23456", "abc", "1e3", "."] {
            assert!(bad.parse::<UnitCost>().is_err(), "{bad}");
        }
    }
}
