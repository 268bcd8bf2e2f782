//! Quantities, always in the item's base unit ("each"). Packs are converted at the edge
//! (see [`super::UnitOfMeasure`]) so the ledger never mixes units.

use std::fmt;
use std::ops::{Add, Sub};

use serde::{Deserialize, Serialize};

/// Why a quantity was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QtyError {
    #[error("quantity {0} is negative")]
    Negative(i64),
    #[error("quantity is too large")]
    Overflow,
}

/// A non-negative number of base units.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(try_from = "i64", into = "i64")]
pub struct Qty(i64);

impl Qty {
    pub const ZERO: Qty = Qty(0);
    /// Larger than any real stock, small enough that sums of many never overflow `i64`.
    pub const MAX: Qty = Qty(1_000_000_000_000);

    pub fn new(units: i64) -> Result<Self, QtyError> {
        if units < 0 {
            Err(QtyError::Negative(units))
        } else if units > Self::MAX.0 {
            Err(QtyError::Overflow)
        } else {
            Ok(Self(units))
        }
    }

    pub fn units(self) -> i64 {
        self.0
    }

    pub fn is_zero(self) -> bool {
        self.0 == 0
    }

    pub fn checked_add(self, other: Qty) -> Result<Qty, QtyError> {
        Qty::new(self.0 + other.0)
    }

    /// `self - other`, or `None` when that would go below zero.
    pub fn checked_sub(self, other: Qty) -> Option<Qty> {
        (self.0 >= other.0).then(|| Qty(self.0 - other.0))
    }

    /// `self - other` as a signed difference (variance, delta).
    pub fn diff(self, other: Qty) -> i64 {
        self.0 - other.0
    }
}

impl TryFrom<i64> for Qty {
    type Error = QtyError;
    fn try_from(units: i64) -> Result<Self, QtyError> {
        Qty::new(units)
    }
}

impl From<Qty> for i64 {
    fn from(q: Qty) -> i64 {
        q.0
    }
}

impl Add for Qty {
    type Output = Qty;
    /// Saturates at [`Qty::MAX`]; use [`Qty::checked_add`] where an overflow must be reported.
    fn add(self, rhs: Qty) -> Qty {
        Qty(self.0.saturating_add(rhs.0).min(Qty::MAX.0))
    }
}

impl Sub for Qty {
    type Output = Qty;
    /// Stops at zero; use [`Qty::checked_sub`] where going short matters.
    fn sub(self, rhs: Qty) -> Qty {
        Qty((self.0 - rhs.0).max(0))
    }
}

impl fmt::Display for Qty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negative_quantities_are_refused_everywhere() {
        assert_eq!(Qty::new(-1), Err(QtyError::Negative(-1)));
        assert!(serde_json::from_str::<Qty>("-3").is_err());
        assert_eq!(
            serde_json::from_str::<Qty>("12").unwrap(),
            Qty::new(12).unwrap()
        );
    }

    #[test]
    fn arithmetic_never_goes_below_zero_silently() {
        let four = Qty::new(4).unwrap();
        let five = Qty::new(5).unwrap();
        assert_eq!(four.checked_sub(five), None);
        assert_eq!(five.checked_sub(four), Some(Qty::new(1).unwrap()));
        assert_eq!(four.diff(five), -1);
        assert_eq!((four - five), Qty::ZERO);
    }
}
