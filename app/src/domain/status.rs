//! Stock statuses. A balance is kept per (item, location, lot, status).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What stock may be used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StockStatus {
    /// Free to sell and pick.
    Available,
    /// Promised to an order (picked into a tote, packed, reserved by a task).
    Allocated,
    /// Between warehouses or on a truck.
    InTransit,
    /// Waiting for a quality decision.
    OnHold,
    Damaged,
    Quarantined,
}

impl StockStatus {
    pub const ALL: [StockStatus; 6] = [
        StockStatus::Available,
        StockStatus::Allocated,
        StockStatus::InTransit,
        StockStatus::OnHold,
        StockStatus::Damaged,
        StockStatus::Quarantined,
    ];

    /// Sellable stock can never go negative (the server's balances enforce it with a `CHECK`).
    pub fn is_sellable(self) -> bool {
        matches!(self, StockStatus::Available | StockStatus::Allocated)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            StockStatus::Available => "available",
            StockStatus::Allocated => "allocated",
            StockStatus::InTransit => "in_transit",
            StockStatus::OnHold => "on_hold",
            StockStatus::Damaged => "damaged",
            StockStatus::Quarantined => "quarantined",
        }
    }
}

impl fmt::Display for StockStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A status name that is not one of [`StockStatus::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown stock status {0:?}; expected one of available, allocated, in_transit, on_hold, damaged, quarantined"
)]
pub struct UnknownStatus(pub String);

impl FromStr for StockStatus {
    type Err = UnknownStatus;
    fn from_str(s: &str) -> Result<Self, UnknownStatus> {
        StockStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| UnknownStatus(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_match_serde() {
        for status in StockStatus::ALL {
            assert_eq!(status.as_str().parse::<StockStatus>(), Ok(status));
            assert_eq!(
                serde_json::to_string(&status).unwrap(),
                format!("\"{status}\"")
            );
        }
        assert!("lost".parse::<StockStatus>().is_err());
    }
}
