//! Receiving at a dock: against an ASN or PO (opened by its label, its pallet's SSCC or
//! from the list) or without any document. Items are scanned with their GS1 lot, expiry
//! and serial; quantities are typed per unit or pack (a case of 12 counts 12); variance
//! against the document is shown live and summarised when the receipt is closed; with
//! inspection on, every line lands `on_hold` and waits for a pass/fail/hold decision.
//! Progress comes from the document's `receive` events; a quality decision still pending when
//! the app stopped is not asked again (the stock stays `on_hold`, where a supervisor or a
//! later quality check finds it). Must not decide putaway.

use std::collections::HashSet;

use chrono::NaiveDate;

use crate::domain::{
    DocumentKind, DocumentRef, EventBody, Gtin, Item, LocationCode, LotCode, PackCount, Qty,
    Quality, QualityDecision, ReceiptClosed, ReceiptVariance, Receive, SerialNumber, Sku,
    StockLine, StockStatus, UnitOfMeasure,
};
use crate::protocol::InboundDocumentRecord;

use super::common::{Refusal, base_qty, item_for, label, refuse, unexpected_scan};
use super::input::{Action, Input, Scanned};
use super::projections::{History, Projections};
use super::prompt::{Feedback, ItemLabel, Prompt, ReceiptProgress};
use super::{JobSpec, Step, text};

#[derive(Debug, Clone)]
struct Tally {
    item: ItemLabel,
    expected: Qty,
    received: Qty,
}

#[derive(Debug, Clone)]
struct Scanned1 {
    item: Item,
    unit: UnitOfMeasure,
    /// `None`: keyed in from the list (an unlabelled carton).
    gtin: Option<Gtin>,
    lot: Option<LotCode>,
    expiry: Option<NaiveDate>,
}

/// A tracked item scanned without its lot or expiry: what the scan did carry.
#[derive(Debug, Clone)]
struct Untracked {
    held: Scanned1,
    serial: Option<SerialNumber>,
    count: Option<u32>,
}

#[derive(Debug, Clone)]
enum Stage {
    Document,
    Items,
    /// Waiting for the lot and/or expiry of a tracked item (scan its label or type them).
    LotExpiry(Untracked),
    Quantity(Scanned1),
    Quality(StockLine),
    Closed(Vec<ReceiptProgress>),
    BlindDone,
}

/// A receipt in progress.
#[derive(Debug, Clone)]
pub struct ReceiveJob {
    dock: LocationCode,
    blind: bool,
    inspect: bool,
    without_document: bool,
    document: Option<DocumentRef>,
    sscc: Option<String>,
    tallies: Vec<Tally>,
    serials: HashSet<SerialNumber>,
    lines_received: usize,
    stage: Stage,
}

impl ReceiveJob {
    /// Opens a receipt from its spec; with a document, brings it to where its journaled
    /// receipts left it.
    pub fn open(spec: &JobSpec, proj: &dyn Projections) -> Result<ReceiveJob, Refusal> {
        let JobSpec::Receive {
            dock,
            document,
            sscc,
            without_document,
            blind,
            inspect,
        } = spec
        else {
            return refuse(text::not_now());
        };
        let mut job = ReceiveJob {
            dock: dock.clone(),
            blind: *blind,
            inspect: *inspect,
            without_document: *without_document,
            document: None,
            sscc: sscc.clone(),
            tallies: vec![],
            serials: HashSet::new(),
            lines_received: 0,
            stage: if *without_document {
                Stage::Items
            } else {
                Stage::Document
            },
        };
        if let Some(doc) = document {
            match proj.inbound_document(doc)? {
                Some(record) => job.load(record, proj)?,
                None => return refuse(text::unknown_document(&doc.number)),
            }
        }
        Ok(job)
    }

    fn load(
        &mut self,
        record: InboundDocumentRecord,
        proj: &dyn Projections,
    ) -> Result<(), Refusal> {
        if !matches!(record.kind, DocumentKind::Asn | DocumentKind::Po) {
            return refuse(text::unknown_document(&record.number));
        }
        if record.state != "open" {
            return refuse(text::document_closed(&record.number));
        }
        let doc = DocumentRef {
            kind: record.kind,
            number: record.number.clone(),
        };
        let mut tallies: Vec<Tally> = Vec::new();
        for line in &record.lines {
            match tallies.iter_mut().find(|t| t.item.sku == line.item) {
                Some(t) => t.expected = t.expected + line.expected,
                None => tallies.push(Tally {
                    item: item_label(proj, &line.item)?,
                    expected: line.expected,
                    received: Qty::ZERO,
                }),
            }
        }
        let mut serials = HashSet::new();
        let mut lines_received = 0;
        for fact in proj.history(&History::Receipt(doc.clone()))? {
            match fact.body {
                EventBody::ReceiptClosed(_) => return refuse(text::document_closed(&doc.number)),
                EventBody::Receive(r) => {
                    lines_received += 1;
                    serials.extend(r.line.serials.iter().cloned());
                    add_received(&mut tallies, proj, &r.line.item, r.line.qty)?;
                }
                _ => {}
            }
        }
        self.document = Some(doc);
        self.tallies = tallies;
        self.serials = serials;
        self.lines_received = lines_received;
        self.stage = Stage::Items;
        Ok(())
    }

    pub fn spec(&self) -> JobSpec {
        JobSpec::Receive {
            dock: self.dock.clone(),
            document: self.document.clone(),
            sscc: self.sscc.clone(),
            without_document: self.without_document,
            blind: self.blind,
            inspect: self.inspect,
        }
    }

    fn progress(&self) -> Vec<ReceiptProgress> {
        self.tallies
            .iter()
            .map(|t| ReceiptProgress {
                item: t.item.clone(),
                expected: (!self.blind && self.document.is_some()).then_some(t.expected),
                received: t.received,
            })
            .collect()
    }

    pub fn prompt(&self) -> Prompt {
        match &self.stage {
            Stage::Document => Prompt::ScanInboundDocument,
            Stage::Items => Prompt::ReceiveItems {
                document: self.document.as_ref().map(|d| d.number.clone()),
                lines: self.progress(),
            },
            Stage::LotExpiry(u) => Prompt::ReceiveLotExpiry {
                item: label(&u.held.item),
                lot: u.held.lot.clone(),
                expiry: u.held.expiry,
                need_lot: u.held.item.tracking.lot && u.held.lot.is_none(),
                need_expiry: u.held.item.tracking.expiry && u.held.expiry.is_none(),
            },
            Stage::Quantity(s) => Prompt::EnterQuantity {
                item: label(&s.item),
                unit: s.unit.code.clone(),
                base_units: s.unit.base_units,
            },
            Stage::Quality(line) => Prompt::QualityDecision {
                item: self
                    .tallies
                    .iter()
                    .find(|t| t.item.sku == line.item)
                    .map_or_else(
                        || ItemLabel {
                            sku: line.item.clone(),
                            name: String::new(),
                        },
                        |t| t.item.clone(),
                    ),
                qty: line.qty,
            },
            Stage::Closed(variances) => Prompt::ReceiptClosed {
                document: self
                    .document
                    .as_ref()
                    .map_or_else(String::new, |d| d.number.clone()),
                variances: variances.clone(),
            },
            Stage::BlindDone => Prompt::BlindReceiptDone {
                lines: self.lines_received,
            },
        }
    }

    pub(crate) fn handle(
        &mut self,
        input: &Input,
        proj: &dyn Projections,
    ) -> Result<Step, Refusal> {
        match (self.stage.clone(), input) {
            (Stage::Closed(_) | Stage::BlindDone, _) => refuse(text::job_finished()),
            (
                Stage::Document,
                Input::Scan {
                    scanned: Scanned::Document(doc),
                    ..
                },
            ) => {
                let Some(record) = proj.inbound_document(doc)? else {
                    return refuse(text::unknown_document(&doc.number));
                };
                self.load(record, proj)?;
                Ok(Step::ok(self.prompt(), Feedback::good(), vec![]))
            }
            (
                Stage::Document,
                Input::Scan {
                    scanned: Scanned::Pallet { sscc },
                    ..
                },
            ) => {
                let Some(record) = proj.inbound_by_sscc(sscc)? else {
                    return refuse(text::unknown_pallet(sscc));
                };
                self.load(record, proj)?;
                self.sscc = Some(sscc.clone());
                Ok(Step::ok(self.prompt(), Feedback::good(), vec![]))
            }
            (Stage::Document, Input::Scan { scanned, .. }) => Err(unexpected_scan(
                scanned,
                proj,
                &text::scan_inbound_document(),
            )),
            (
                Stage::Items,
                Input::Scan {
                    scanned:
                        Scanned::Item {
                            gtin,
                            lot,
                            expiry,
                            serial,
                            count,
                        },
                    ..
                },
            ) => {
                let (item, unit) = item_for(proj, gtin)?;
                let held = Scanned1 {
                    item,
                    unit,
                    gtin: Some(gtin.clone()),
                    lot: lot.clone(),
                    expiry: *expiry,
                };
                self.after_lot_expiry(
                    proj,
                    Untracked {
                        held,
                        serial: serial.clone(),
                        count: *count,
                    },
                )
            }
            (
                Stage::LotExpiry(mut pending),
                Input::Scan {
                    scanned:
                        Scanned::Item {
                            gtin,
                            lot,
                            expiry,
                            serial,
                            count,
                        },
                    ..
                },
            ) => {
                // The same item's other label (e.g. the carton's GS1-128) fills what is missing.
                let (item, _) = item_for(proj, gtin)?;
                if item.sku != pending.held.item.sku {
                    return refuse(text::lot_expiry_first(&label(&pending.held.item).words()));
                }
                pending.held.lot = pending.held.lot.take().or_else(|| lot.clone());
                pending.held.expiry = pending.held.expiry.or(*expiry);
                pending.serial = pending.serial.take().or_else(|| serial.clone());
                pending.count = pending.count.or(*count);
                self.after_lot_expiry(proj, pending)
            }
            (Stage::LotExpiry(mut pending), Input::Action(Action::LotExpiry { lot, expiry })) => {
                if lot.is_none() && expiry.is_none() {
                    return refuse(text::lot_expiry_first(&label(&pending.held.item).words()));
                }
                if lot.is_some() {
                    pending.held.lot = lot.clone();
                }
                if expiry.is_some() {
                    pending.held.expiry = *expiry;
                }
                self.after_lot_expiry(proj, pending)
            }
            (Stage::LotExpiry(pending), Input::Scan { .. }) => {
                refuse(text::lot_expiry_first(&label(&pending.held.item).words()))
            }
            (
                Stage::LotExpiry(Untracked { held, .. }) | Stage::Quantity(held),
                Input::Action(Action::Skip),
            ) => {
                // Put the item back: nothing was received.
                self.stage = Stage::Items;
                Ok(Step::ok(
                    self.prompt(),
                    Feedback::good_with(text::not_received(&label(&held.item).words())),
                    vec![],
                ))
            }
            (Stage::Items, Input::Action(Action::KeyItem { sku })) => {
                // An unlabelled carton: the item chosen from the list, counted in base units.
                let Some(item) = proj.item_by_sku(sku)? else {
                    return refuse(text::unknown_sku(sku));
                };
                let held = Scanned1 {
                    item,
                    unit: UnitOfMeasure::each(),
                    gtin: None,
                    lot: None,
                    expiry: None,
                };
                self.after_lot_expiry(
                    proj,
                    Untracked {
                        held,
                        serial: None,
                        count: None,
                    },
                )
            }
            (Stage::Items, Input::Action(Action::Close)) => self.close(),
            (Stage::Items, Input::Scan { scanned, .. }) => {
                Err(unexpected_scan(scanned, proj, &self.prompt().text()))
            }
            (Stage::Quantity(held), Input::Action(Action::Quantity(n))) => {
                self.receive(proj, held, *n, vec![])
            }
            (Stage::Quantity(held), Input::Action(Action::Confirm)) => {
                self.receive(proj, held, 1, vec![])
            }
            (Stage::Quantity(held), Input::Scan { .. }) => {
                refuse(text::finish_quantity_first(&label(&held.item).words()))
            }
            (Stage::Quality(line), Input::Action(Action::QualityDecision(decision))) => {
                let verdict = match decision {
                    QualityDecision::Pass => "pass",
                    QualityDecision::Fail => "fail",
                    QualityDecision::Hold => "hold",
                };
                let words = self.prompt_item_words(&line.item);
                let event = EventBody::QualityDecision(Quality {
                    line,
                    location: self.dock.clone(),
                    from_status: StockStatus::OnHold,
                    decision: *decision,
                    note: None,
                });
                self.stage = Stage::Items;
                Ok(Step::ok(
                    self.prompt(),
                    Feedback::good_with(text::quality_recorded(&words, verdict)),
                    vec![event],
                ))
            }
            (Stage::Quality(line), Input::Scan { .. }) => refuse(text::quality_decision(
                &self.prompt_item_words(&line.item),
                line.qty,
            )),
            (_, Input::Action(_)) => refuse(text::not_now()),
        }
    }

    /// Goes on with a scanned item once its lot and expiry are known: asks for what is still
    /// missing, else receives a serial or a counted label at once, else asks the quantity.
    fn after_lot_expiry(
        &mut self,
        proj: &dyn Projections,
        pending: Untracked,
    ) -> Result<Step, Refusal> {
        let item = pending.held.item.clone();
        let words = label(&item).words();
        let missing = if item.tracking.lot && pending.held.lot.is_none() {
            Some(text::lot_required(&words))
        } else if item.tracking.expiry && pending.held.expiry.is_none() {
            Some(text::expiry_required(&words))
        } else {
            None
        };
        if let Some(message) = missing {
            self.stage = Stage::LotExpiry(pending);
            return Ok(Step::ok(self.prompt(), Feedback::Warn { message }, vec![]));
        }
        let Untracked {
            held,
            serial,
            count,
        } = pending;
        if item.tracking.serial {
            let Some(serial) = serial else {
                return refuse(text::serial_required(&words));
            };
            if self.serials.contains(&serial) {
                return refuse(text::serial_twice(&serial));
            }
            return self.receive(proj, held, 1, vec![serial]);
        }
        if let Some(count) = count {
            return self.receive(proj, held, count, vec![]);
        }
        let feedback = self.unexpected_warning(&item);
        self.stage = Stage::Quantity(held);
        Ok(Step::ok(self.prompt(), feedback, vec![]))
    }

    /// Words when `sku` now has more received than the document expects.
    fn over_receipt_warning(&self, sku: &Sku) -> Option<String> {
        // Blind receiving never reveals the expected quantity.
        if self.blind {
            return None;
        }
        let doc = self.document.as_ref()?;
        let tally = self.tallies.iter().find(|t| &t.item.sku == sku)?;
        (!tally.expected.is_zero() && tally.received > tally.expected)
            .then(|| text::over_receipt(tally.received, tally.expected, &doc.number))
    }

    fn prompt_item_words(&self, sku: &Sku) -> String {
        self.tallies
            .iter()
            .find(|t| &t.item.sku == sku)
            .map_or_else(|| text::item(sku, ""), |t| t.item.words())
    }

    fn unexpected_warning(&self, item: &Item) -> Feedback {
        match &self.document {
            Some(doc)
                if !self
                    .tallies
                    .iter()
                    .any(|t| t.item.sku == item.sku && !t.expected.is_zero()) =>
            {
                Feedback::Warn {
                    message: text::unexpected_item(&label(item).words(), &doc.number),
                }
            }
            _ => Feedback::good(),
        }
    }

    fn receive(
        &mut self,
        proj: &dyn Projections,
        held: Scanned1,
        count: u32,
        serials: Vec<SerialNumber>,
    ) -> Result<Step, Refusal> {
        let qty = base_qty(&held.unit, count)?;
        let status = if self.inspect {
            StockStatus::OnHold
        } else {
            StockStatus::Available
        };
        let line = StockLine {
            item: held.item.sku.clone(),
            qty,
            lot: held.lot.clone(),
            expiry: held.expiry,
            serials: serials.clone(),
        };
        let event = EventBody::Receive(Receive {
            document: self.document.clone(),
            line: line.clone(),
            to: self.dock.clone(),
            status,
            gtin: held.gtin.clone(),
            pack: (held.unit.base_units > 1).then(|| PackCount {
                uom: held.unit.code.clone(),
                base_units: held.unit.base_units,
                count,
            }),
            sscc: self.sscc.clone(),
        });
        let warning = self.unexpected_warning(&held.item);
        add_received(&mut self.tallies, proj, &held.item.sku, qty)?;
        self.serials.extend(serials);
        self.lines_received += 1;
        self.stage = if self.inspect {
            Stage::Quality(line)
        } else {
            Stage::Items
        };
        let done = text::received(&label(&held.item).words(), qty, status);
        let warning = match (warning, self.over_receipt_warning(&held.item.sku)) {
            (Feedback::Warn { message }, _) | (_, Some(message)) => Some(message),
            _ => None,
        };
        let feedback = match warning {
            Some(message) => Feedback::Warn {
                message: text::and_then(&done, &message),
            },
            None => Feedback::good_with(done),
        };
        Ok(Step::ok(self.prompt(), feedback, vec![event]))
    }

    fn close(&mut self) -> Result<Step, Refusal> {
        let Some(doc) = self.document.clone() else {
            self.stage = Stage::BlindDone;
            return Ok(Step::ok(self.prompt(), Feedback::good(), vec![]).finished());
        };
        let variances: Vec<ReceiptProgress> = self
            .tallies
            .iter()
            .filter(|t| t.expected != t.received)
            .map(|t| ReceiptProgress {
                item: t.item.clone(),
                expected: Some(t.expected),
                received: t.received,
            })
            .collect();
        let event = EventBody::ReceiptClosed(ReceiptClosed {
            document: doc,
            variances: variances
                .iter()
                .map(|v| ReceiptVariance {
                    item: v.item.sku.clone(),
                    expected: v.expected.unwrap_or(Qty::ZERO),
                    received: v.received,
                })
                .collect(),
        });
        self.stage = Stage::Closed(variances);
        Ok(Step::ok(self.prompt(), Feedback::good(), vec![event]).finished())
    }
}

fn item_label(proj: &dyn Projections, sku: &Sku) -> Result<ItemLabel, Refusal> {
    Ok(match proj.item_by_sku(sku)? {
        Some(item) => label(&item),
        None => ItemLabel {
            sku: sku.clone(),
            name: String::new(),
        },
    })
}

fn add_received(
    tallies: &mut Vec<Tally>,
    proj: &dyn Projections,
    sku: &Sku,
    qty: Qty,
) -> Result<(), Refusal> {
    match tallies.iter_mut().find(|t| &t.item.sku == sku) {
        Some(t) => t.received = t.received + qty,
        None => tallies.push(Tally {
            item: item_label(proj, sku)?,
            expected: Qty::ZERO,
            received: qty,
        }),
    }
    Ok(())
}
