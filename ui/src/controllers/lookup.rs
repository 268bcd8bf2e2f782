//! Look up: what a scanned item is and where it is, or what is in a scanned bin, from the
//! device's own projections (works offline). Unknown scans come back with the reason.

use dockhand_app::barcode::{ClassifyConfig, GS, Scan};
use dockhand_app::domain::{DocumentRef, Gtin, Item, Location, LocationCode};
use dockhand_app::journal::{JournalError, OnHandRow};
use dockhand_app::workflow::Scanned;

use super::SharedJournal;

/// An item found by its barcode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemFound {
    pub item: Item,
    pub gtin: Gtin,
    /// The pack the scanned barcode stands for (`EA`, `CS`…) and its size in base units.
    pub scanned_pack: (String, u32),
    /// Where the device believes the item is, by location.
    pub stock: Vec<OnHandRow>,
}

/// A location and what the device believes is in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BinFound {
    pub code: LocationCode,
    /// `None` for a place with stock that the location list does not hold (a tote).
    pub location: Option<Location>,
    /// Each stock line with the item's name when the catalogue has it.
    pub stock: Vec<(OnHandRow, Option<String>)>,
}

/// The answer to one scan on the Look up screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LookupOutcome {
    Item(ItemFound),
    Bin(BinFound),
    UnknownItem(Gtin),
    UnknownBin(LocationCode),
    /// The barcode engine refused the scan (wrong check digit, a GS1 date that is not a
    /// date…): the data as read, and why.
    Unreadable {
        data: String,
        reason: String,
    },
    /// A pallet label: received in the Receive job, not looked up.
    Pallet(String),
    /// A document label: opened by its job.
    Document(DocumentRef),
    NotACode(String),
}

impl LookupOutcome {
    /// Whether the scan found something (a good beep) or not (a bad buzz).
    pub fn is_found(&self) -> bool {
        matches!(self, LookupOutcome::Item(_) | LookupOutcome::Bin(_))
    }
}

/// Answers scans on the Look up screen.
#[derive(Debug)]
pub struct LookupController {
    journal: SharedJournal,
    classify: ClassifyConfig,
}

impl LookupController {
    pub fn new(journal: SharedJournal) -> Self {
        Self {
            journal,
            classify: ClassifyConfig::default(),
        }
    }

    /// Classifies the scan with the barcode engine (the same mapping the jobs use) and
    /// looks up what it names.
    pub fn look_up(&self, scan: &Scan) -> Result<LookupOutcome, JournalError> {
        match Scanned::classify(scan, &self.classify) {
            Scanned::Item { gtin, .. } => self.item(gtin),
            Scanned::Location(code) => self.bin(code),
            Scanned::Pallet { sscc } => Ok(LookupOutcome::Pallet(sscc)),
            Scanned::Document(document) => Ok(LookupOutcome::Document(document)),
            Scanned::Unknown {
                data,
                reason: Some(reason),
            } => Ok(LookupOutcome::Unreadable {
                data: printable(&data),
                reason,
            }),
            Scanned::Unknown { data, reason: None } => self.unlabelled(data),
        }
    }

    /// Text that matches no label rule may still be a place this device knows (a tote, a
    /// dock door): look it up by code before calling it unknown.
    fn unlabelled(&self, data: String) -> Result<LookupOutcome, JournalError> {
        let Ok(code) = LocationCode::new(data.trim()) else {
            return Ok(LookupOutcome::NotACode(printable(&data)));
        };
        match self.bin(code)? {
            LookupOutcome::UnknownBin(_) => Ok(LookupOutcome::NotACode(printable(&data))),
            found => Ok(found),
        }
    }

    fn item(&self, gtin: Gtin) -> Result<LookupOutcome, JournalError> {
        let journal = self.journal.borrow();
        let Some(hit) = journal.item_by_gtin(&gtin)? else {
            return Ok(LookupOutcome::UnknownItem(gtin));
        };
        let stock = journal
            .on_hand_all()?
            .into_iter()
            .filter(|row| row.item == hit.item.sku)
            .collect();
        Ok(LookupOutcome::Item(ItemFound {
            item: hit.item,
            gtin,
            scanned_pack: (hit.uom, hit.base_units),
            stock,
        }))
    }

    fn bin(&self, code: LocationCode) -> Result<LookupOutcome, JournalError> {
        let journal = self.journal.borrow();
        let location = journal.location(&code)?;
        let rows = journal.on_hand_at(&code)?;
        if location.is_none() && rows.is_empty() {
            return Ok(LookupOutcome::UnknownBin(code));
        }
        let mut stock = Vec::with_capacity(rows.len());
        for row in rows {
            let name = journal.item_by_sku(&row.item)?.map(|item| item.name);
            stock.push((row, name));
        }
        Ok(LookupOutcome::Bin(BinFound {
            code,
            location,
            stock,
        }))
    }
}

/// The data with GS shown as `␝` and other control characters as `·`, for messages.
fn printable(data: &str) -> String {
    data.chars()
        .map(|c| {
            if c == GS {
                '␝'
            } else if c.is_control() {
                '·'
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample_device;

    fn lookup(data: &str) -> LookupOutcome {
        let dir = tempfile::tempdir().unwrap();
        let journal = sample_device::create(&dir.path().join("device.db")).unwrap();
        LookupController::new(journal)
            .look_up(&Scan::manual(data))
            .unwrap()
    }

    #[test]
    fn an_item_barcode_shows_the_item_and_where_it_is() {
        let LookupOutcome::Item(found) = lookup(sample_device::BLUE_MUG_GTIN) else {
            panic!("expected an item");
        };
        assert_eq!(found.item.name, "Blue Mug 350 ml");
        assert_eq!(found.scanned_pack, ("EA".to_owned(), 1));
        let places: Vec<(&str, i64)> = found
            .stock
            .iter()
            .map(|row| (row.location.as_str(), row.qty))
            .collect();
        assert_eq!(places, vec![("A-03-2-B", 24), ("A-03-2-C", 6)]);
    }

    #[test]
    fn a_case_barcode_says_which_pack_it_is() {
        let LookupOutcome::Item(found) = lookup(sample_device::BLUE_MUG_CASE_GTIN) else {
            panic!("expected an item");
        };
        assert_eq!(found.scanned_pack, ("CS".to_owned(), 12));
    }

    #[test]
    fn a_bin_barcode_shows_what_is_in_it() {
        let LookupOutcome::Bin(found) = lookup("A-03-2-B") else {
            panic!("expected a bin");
        };
        let names: Vec<Option<&str>> = found.stock.iter().map(|(_, n)| n.as_deref()).collect();
        assert_eq!(names, vec![Some("Blue Mug 350 ml"), Some("Red Mug 350 ml")]);
    }

    #[test]
    fn unknown_scans_say_why() {
        assert!(matches!(
            lookup(sample_device::UNKNOWN_GTIN),
            LookupOutcome::UnknownItem(_)
        ));
        assert!(matches!(lookup("Z-99-9-Z"), LookupOutcome::UnknownBin(_)));
        match lookup("09506000134353") {
            LookupOutcome::Unreadable { reason, .. } => {
                assert!(reason.contains("check digit"), "{reason}")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn gs1_labels_are_read_by_the_barcode_engine() {
        let mut scan = Scan::manual(format!("01{}\u{1d}10LOT1", sample_device::BLUE_MUG_GTIN));
        scan.symbology = Some(dockhand_app::barcode::SymbologyId::new('C', '1'));
        let dir = tempfile::tempdir().unwrap();
        let journal = sample_device::create(&dir.path().join("device.db")).unwrap();
        let outcome = LookupController::new(journal).look_up(&scan).unwrap();
        assert!(matches!(outcome, LookupOutcome::Item(_)), "{outcome:?}");
        assert!(matches!(lookup("ASN12345"), LookupOutcome::Document(_)));
    }
}
