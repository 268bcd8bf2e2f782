//! Receive: the open deliveries (ASNs and POs) this device holds, the dock goods land at,
//! and the one receipt being worked on (a `JobSession` over a `ReceiveJob`). A delivery
//! opens from the list, from its document label or from its pallet's SSCC; typed lots and
//! expiry dates are read here into the workflow's `Action::LotExpiry`. The workflow
//! decides what is expected, over or missing.

use std::cell::RefCell;

use chrono::NaiveDate;
use dockhand_app::barcode::Scan;
use dockhand_app::domain::{
    DocumentKind, DocumentRef, EventBody, LocationCode, LocationKind, LotCode, OperatorId,
};
use dockhand_app::workflow::{Action, History, JobSpec, Projections, Prompt, Scanned};

use super::SharedJournal;
use super::job_session::{JobError, JobKind, JobSession, location_kind, locations_of_kind};

/// One open delivery as the list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentSummary {
    pub document: DocumentRef,
    pub lines: usize,
    pub units: i64,
}

/// What a scan on the delivery list means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListScan {
    /// A delivery's document label, or its pallet label (with the SSCC).
    Delivery(DocumentRef, Option<String>),
    /// A dock door label: goods land here from now on.
    Dock(LocationCode),
    /// A location that is not a dock.
    NotADock(LocationCode),
    /// Anything else: a look-up.
    Other,
}

/// Why typed lot or expiry text cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TypedError {
    #[error("lot {typed:?}: {reason}")]
    Lot { typed: String, reason: String },
    #[error("expiry {0:?} is not a date")]
    Expiry(String),
}

/// Receiving on this device.
#[derive(Debug)]
pub struct ReceiveController {
    pub job: JobSession,
    dock: RefCell<Option<LocationCode>>,
}

impl ReceiveController {
    pub fn new(journal: SharedJournal) -> Self {
        Self {
            job: JobSession::new(journal, JobKind::Receive),
            dock: RefCell::new(None),
        }
    }

    /// The dock goods land at: the one scanned, else the open receipt's, else the first
    /// dock in the warehouse.
    pub fn dock(&self) -> Result<Option<LocationCode>, JobError> {
        if let Some(dock) = self.dock.borrow().clone() {
            return Ok(Some(dock));
        }
        if let Some(JobSpec::Receive { dock, .. }) = self.job.spec() {
            return Ok(Some(dock));
        }
        Ok(locations_of_kind(self.job.journal(), LocationKind::Dock)?
            .into_iter()
            .next())
    }

    /// Open deliveries that still take goods, by document number.
    pub fn documents(&self) -> Result<Vec<DocumentSummary>, JobError> {
        let journal = self.job.journal().borrow();
        let mut out = Vec::new();
        for record in journal.inbound_documents()? {
            if !matches!(record.kind, DocumentKind::Asn | DocumentKind::Po)
                || record.state != "open"
            {
                continue;
            }
            let document = DocumentRef {
                kind: record.kind,
                number: record.number.clone(),
            };
            // Closed on this device, waiting for sync to say so.
            let closed = journal
                .history(&History::Receipt(document.clone()))?
                .iter()
                .any(|fact| matches!(fact.body, EventBody::ReceiptClosed(_)));
            if closed {
                continue;
            }
            out.push(DocumentSummary {
                document,
                lines: record.lines.len(),
                units: record.lines.iter().map(|l| l.expected.units()).sum(),
            });
        }
        out.sort_by(|a, b| a.document.number.cmp(&b.document.number));
        Ok(out)
    }

    /// Reads a scan made on the delivery list.
    pub fn list_scan(&self, scan: &Scan) -> Result<ListScan, JobError> {
        Ok(match self.job.classify(scan) {
            Scanned::Document(document)
                if matches!(document.kind, DocumentKind::Asn | DocumentKind::Po) =>
            {
                ListScan::Delivery(document, None)
            }
            Scanned::Pallet { sscc } => {
                let found = self.job.journal().borrow().inbound_by_sscc(&sscc)?;
                match found {
                    Some(record) => ListScan::Delivery(
                        DocumentRef {
                            kind: record.kind,
                            number: record.number,
                        },
                        Some(sscc),
                    ),
                    None => ListScan::Other,
                }
            }
            Scanned::Location(code) => match location_kind(self.job.journal(), &code)? {
                Some(LocationKind::Dock) => ListScan::Dock(code),
                _ => ListScan::NotADock(code),
            },
            _ => ListScan::Other,
        })
    }

    /// Goods land at `dock` from now on.
    pub fn choose_dock(&self, dock: LocationCode) {
        *self.dock.borrow_mut() = Some(dock);
    }

    /// Opens `document` (found by its pallet label when `sscc` is given) at the dock.
    pub fn start(
        &self,
        operator: OperatorId,
        dock: LocationCode,
        document: DocumentRef,
        sscc: Option<String>,
    ) -> Result<Prompt, JobError> {
        let spec = JobSpec::Receive {
            dock,
            document: Some(document),
            sscc,
            without_document: false,
            blind: false,
            inspect: false,
        };
        self.job.start(operator, &spec)
    }

    /// The lot and expiry typed from a printed label (empty text: not given).
    pub fn typed_lot_expiry(lot: &str, expiry: &str) -> Result<Action, TypedError> {
        let lot = match lot.trim() {
            "" => None,
            typed => Some(LotCode::new(typed).map_err(|e| TypedError::Lot {
                typed: typed.to_owned(),
                reason: e.to_string(),
            })?),
        };
        let expiry = match expiry.trim() {
            "" => None,
            typed => Some(parse_expiry(typed).ok_or_else(|| TypedError::Expiry(typed.into()))?),
        };
        Ok(Action::LotExpiry { lot, expiry })
    }
}

/// An expiry as printed: `YYMMDD` (GS1's form), `YYYYMMDD` or `YYYY-MM-DD`.
fn parse_expiry(typed: &str) -> Option<NaiveDate> {
    let digits: String = typed.chars().filter(char::is_ascii_digit).collect();
    if digits.len() != typed.chars().filter(|c| *c != '-').count() {
        return None;
    }
    let full = match digits.len() {
        6 => format!("20{digits}"),
        8 => digits,
        _ => return None,
    };
    NaiveDate::parse_from_str(&full, "%Y%m%d").ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample_device;

    fn controller() -> (ReceiveController, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let journal = sample_device::create(&dir.path().join("device.db")).unwrap();
        sample_device::add_receiving(&journal).unwrap();
        (ReceiveController::new(journal), dir)
    }

    #[test]
    fn open_deliveries_are_listed_and_a_closed_one_is_not() {
        let (receive, _dir) = controller();
        let numbers = |r: &ReceiveController| -> Vec<String> {
            r.documents()
                .unwrap()
                .into_iter()
                .map(|d| d.document.number)
                .collect()
        };
        assert_eq!(
            numbers(&receive),
            ["ASN-4711", "ASN-4712", sample_device::RECEIVE_ASN]
        );
        assert_eq!(
            receive.dock().unwrap().unwrap().as_str(),
            "DOCK-1",
            "the first dock by default"
        );
        let ana = OperatorId::new("ana").unwrap();
        let document = DocumentRef {
            kind: DocumentKind::Asn,
            number: "ASN-4712".into(),
        };
        receive
            .start(ana, receive.dock().unwrap().unwrap(), document, None)
            .unwrap();
        let step = receive.job.act(Action::Close).unwrap();
        assert!(step.done);
        assert_eq!(
            numbers(&receive),
            ["ASN-4711", sample_device::RECEIVE_ASN],
            "closed here, not offered again before sync"
        );
    }

    #[test]
    fn document_pallet_and_dock_labels_are_told_apart() {
        let (receive, _dir) = controller();
        assert_eq!(
            receive
                .list_scan(&Scan::manual(sample_device::RECEIVE_ASN))
                .unwrap(),
            ListScan::Delivery(
                DocumentRef {
                    kind: DocumentKind::Asn,
                    number: sample_device::RECEIVE_ASN.into()
                },
                None
            )
        );
        let pallet = Scan {
            symbology: Some(dockhand_app::barcode::SymbologyId::new('C', '1')),
            ..Scan::manual(format!("00{}", sample_device::RECEIVE_PALLET))
        };
        assert!(matches!(
            receive.list_scan(&pallet).unwrap(),
            ListScan::Delivery(_, Some(sscc)) if sscc == sample_device::RECEIVE_PALLET
        ));
        assert!(matches!(
            receive.list_scan(&Scan::manual("LOC:DOCK-2")).unwrap(),
            ListScan::Dock(code) if code.as_str() == "DOCK-2"
        ));
        assert!(matches!(
            receive.list_scan(&Scan::manual("A-03-2-B")).unwrap(),
            ListScan::NotADock(_)
        ));
    }

    #[test]
    fn typed_expiry_dates_read_as_printed_and_nonsense_is_refused() {
        let read = |lot: &str, expiry: &str| ReceiveController::typed_lot_expiry(lot, expiry);
        let date = NaiveDate::from_ymd_opt(2027, 5, 31);
        for typed in ["270531", "20270531", "2027-05-31"] {
            assert_eq!(
                read("", typed).unwrap(),
                Action::LotExpiry {
                    lot: None,
                    expiry: date
                },
                "{typed}"
            );
        }
        assert_eq!(
            read(" L7 ", "").unwrap(),
            Action::LotExpiry {
                lot: Some(LotCode::new("L7").unwrap()),
                expiry: None
            }
        );
        for bad in ["273112", "2705", "27-0531x", "tomorrow"] {
            assert_eq!(read("", bad), Err(TypedError::Expiry(bad.into())), "{bad}");
        }
    }
}
