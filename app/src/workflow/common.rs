//! Pieces every job shares: the refusal type, item lookup by GTIN with tracking checks,
//! and the words for a scan that is not what the prompt asked for.

use crate::domain::{Gtin, Item, LocationCode, Qty, QtyError, UnitOfMeasure};

use super::input::Scanned;
use super::projections::{ProjectionError, Projections};
use super::prompt::ItemLabel;
use super::text;

/// An input refused with the words to show; the job stays as it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal(pub String);

impl From<ProjectionError> for Refusal {
    fn from(e: ProjectionError) -> Self {
        Refusal(text::storage_trouble(&e.0))
    }
}

impl From<QtyError> for Refusal {
    fn from(_: QtyError) -> Self {
        Refusal(text::quantity_too_large())
    }
}

pub(crate) fn refuse<T>(message: String) -> Result<T, Refusal> {
    Err(Refusal(message))
}

pub(crate) fn label(item: &Item) -> ItemLabel {
    ItemLabel {
        sku: item.sku.clone(),
        name: item.name.clone(),
    }
}

/// The item and unit a GTIN stands for, or the words for an unknown GTIN.
pub(crate) fn item_for(
    proj: &dyn Projections,
    gtin: &Gtin,
) -> Result<(Item, UnitOfMeasure), Refusal> {
    match proj.item_by_gtin(gtin)? {
        Some(hit) => Ok(hit),
        None => refuse(text::unknown_gtin(gtin.as_str())),
    }
}

/// A location that must exist in the catalog.
pub(crate) fn known_location(
    proj: &dyn Projections,
    code: &LocationCode,
) -> Result<crate::domain::Location, Refusal> {
    match proj.location(code)? {
        Some(location) => Ok(location),
        None => refuse(text::unknown_location(code)),
    }
}

/// Words for a scan of the wrong kind, e.g. a bin when an item was asked for.
pub(crate) fn unexpected_scan(scanned: &Scanned, proj: &dyn Projections, want: &str) -> Refusal {
    let what = match scanned {
        Scanned::Unknown { data, reason } => {
            return Refusal(text::unknown_barcode(data, reason.as_deref()));
        }
        Scanned::Item { gtin, .. } => match proj.item_by_gtin(gtin) {
            Ok(Some((item, _))) => label(&item).words(),
            _ => text::scanned_gtin(gtin.as_str()),
        },
        Scanned::Pallet { sscc } => text::scanned_pallet(sscc),
        Scanned::Location(code) => text::scanned_bin(code),
        Scanned::Document(doc) => text::scanned_document(&doc.number),
    };
    Refusal(text::not_expected_here(&what, want))
}

/// `count` of `unit` in base units; zero is refused.
pub(crate) fn base_qty(unit: &UnitOfMeasure, count: u32) -> Result<Qty, Refusal> {
    if count == 0 {
        return refuse(text::zero_quantity());
    }
    Ok(unit.to_base(count)?)
}
