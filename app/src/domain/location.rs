//! Locations: warehouse › zone › aisle › rack › shelf › bin, plus the non-bin places stock
//! passes through (receiving dock, staging, pack station, totes).

use serde::{Deserialize, Serialize};

use super::{LocationCode, Qty, WarehouseCode};

/// What kind of place a location is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LocationKind {
    /// A storage bin on a shelf.
    Bin,
    /// Where received goods land before putaway.
    Dock,
    /// Where picked goods wait for packing or shipping.
    Staging,
    PackStation,
    /// A mobile container a picker fills.
    Tote,
}

/// The position of a location in the warehouse hierarchy. Levels below the warehouse are
/// optional: a dock door has a zone but no rack.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct LocationPath {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aisle: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rack: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shelf: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bin: Option<String>,
}

impl LocationPath {
    /// `zone › aisle › rack › shelf › bin`, skipping the levels that are not set.
    pub fn display_under(&self, warehouse: &WarehouseCode) -> String {
        std::iter::once(warehouse.as_str())
            .chain(
                [&self.zone, &self.aisle, &self.rack, &self.shelf, &self.bin]
                    .into_iter()
                    .filter_map(|level| level.as_deref()),
            )
            .collect::<Vec<_>>()
            .join(" › ")
    }
}

/// A location as the catalog knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    pub code: LocationCode,
    pub warehouse: WarehouseCode,
    pub kind: LocationKind,
    #[serde(default)]
    pub path: LocationPath,
    /// Position on the picking walk; lower comes first.
    #[serde(default)]
    pub pick_sequence: i64,
    /// How many base units fit, when known (used to suggest empty bins for putaway).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<Qty>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_reads_from_warehouse_down() {
        let path = LocationPath {
            zone: Some("A".into()),
            aisle: Some("03".into()),
            rack: Some("2".into()),
            shelf: None,
            bin: Some("B".into()),
        };
        assert_eq!(
            path.display_under(&WarehouseCode::new("WH1").unwrap()),
            "WH1 › A › 03 › 2 › B"
        );
    }
}
