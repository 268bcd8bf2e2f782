//! What workflows may know of the world: the [`Projections`] trait, answered by the device
//! journal (`journal::workflow_store`) and by [`super::FakeProjections`] in tests.
//!
//! Read-only on purpose: a workflow never writes, it announces events and the caller
//! journals them. This module must not depend on SQLite or any other store.

use chrono::NaiveDate;

use crate::domain::{
    DocumentRef, EventBody, EventId, Item, Location, LocationCode, LotCode, OrderNumber, Qty, Sku,
    StockStatus, TaskId, UnitOfMeasure,
};
use crate::protocol::{InboundDocumentRecord, PickTaskRecord};

/// The device's data could not be read. Workflows answer it with a "try again" message and
/// leave the job as it was.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the device's data could not be read: {0}")]
pub struct ProjectionError(pub String);

/// Stock the device believes is at a location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockRow {
    pub item: Sku,
    pub lot: Option<LotCode>,
    /// The lot's expiry when known (from the server's balances).
    pub expiry: Option<NaiveDate>,
    pub status: StockStatus,
    pub qty: i64,
}

/// A fact already in the journal, as a workflow replays it.
#[derive(Debug, Clone, PartialEq)]
pub struct Fact {
    pub event_id: EventId,
    /// The event's `device_seq`.
    pub seq: u64,
    pub body: EventBody,
}

/// Sums the lines of `tasks` that belong to `order` (a task's own order, or a batch/wave
/// line's), per item in first-seen order. Shared by every store.
pub fn order_lines_of(tasks: &[PickTaskRecord], order: &OrderNumber) -> Vec<(Sku, Qty)> {
    let mut out: Vec<(Sku, Qty)> = Vec::new();
    for task in tasks {
        for line in &task.lines {
            if line.order.as_ref().or(task.order.as_ref()) != Some(order) {
                continue;
            }
            match out.iter_mut().find(|(sku, _)| sku == &line.item) {
                Some((_, qty)) => *qty = *qty + line.qty,
                None => out.push((line.item.clone(), line.qty)),
            }
        }
    }
    out
}

/// Which facts a job is made of: its progress is derived from these alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum History {
    /// `pick` events of a pick task.
    PickTask(TaskId),
    /// `receive` and `receipt_closed` events of an ASN or PO.
    Receipt(DocumentRef),
    /// `count` events at a location recorded after `after_seq`.
    CountAt {
        location: LocationCode,
        after_seq: u64,
    },
    /// `pack` events of an order.
    PackedOrder(OrderNumber),
    /// `pick` events that put stock into a tote or staging place.
    PickedInto(LocationCode),
}

impl History {
    /// Whether `body` belongs to this history (stores may prefilter with an index, but this
    /// is the definition).
    pub fn includes(&self, seq: u64, body: &EventBody) -> bool {
        match (self, body) {
            (History::PickTask(task), EventBody::Pick(p)) => p.task.as_ref() == Some(task),
            (History::Receipt(doc), EventBody::Receive(r)) => r.document.as_ref() == Some(doc),
            (History::Receipt(doc), EventBody::ReceiptClosed(c)) => &c.document == doc,
            (
                History::CountAt {
                    location,
                    after_seq,
                },
                EventBody::Count(c),
            ) => &c.location == location && seq > *after_seq,
            (History::PackedOrder(order), EventBody::Pack(p)) => &p.order == order,
            (History::PickedInto(tote), EventBody::Pick(p)) => &p.to == tote,
            _ => false,
        }
    }
}

/// The local projections workflows check scans against.
pub trait Projections {
    /// The item a GTIN belongs to and the unit (each, case…) it stands for.
    fn item_by_gtin(
        &self,
        gtin: &crate::domain::Gtin,
    ) -> Result<Option<(Item, UnitOfMeasure)>, ProjectionError>;
    fn item_by_sku(&self, sku: &Sku) -> Result<Option<Item>, ProjectionError>;
    fn location(&self, code: &LocationCode) -> Result<Option<Location>, ProjectionError>;
    /// Non-zero stock at a location, every status.
    fn on_hand_at(&self, code: &LocationCode) -> Result<Vec<StockRow>, ProjectionError>;
    /// Storage bins (kind `bin`) holding the item, in walking order.
    fn bins_holding(&self, sku: &Sku) -> Result<Vec<LocationCode>, ProjectionError>;
    /// The zone the putaway rules send this item to, if any.
    fn putaway_zone(&self, item: &Item) -> Result<Option<String>, ProjectionError>;
    /// Empty storage bins (in `zone` when given) whose capacity holds `need`, best fit first.
    fn empty_bins(
        &self,
        zone: Option<&str>,
        need: Qty,
    ) -> Result<Vec<LocationCode>, ProjectionError>;
    /// A pick task by id, open or not.
    fn pick_task(&self, task: &TaskId) -> Result<Option<PickTaskRecord>, ProjectionError>;
    /// Open pick tasks.
    fn pick_tasks(&self) -> Result<Vec<PickTaskRecord>, ProjectionError>;
    /// Open inbound documents (ASNs and POs), for choosing one from a list.
    fn inbound_documents(&self) -> Result<Vec<InboundDocumentRecord>, ProjectionError>;
    /// What an order asks for, summed per item over every pick task (open or closed) that
    /// lists it; empty when no task on this device knows the order.
    fn order_lines(&self, order: &OrderNumber) -> Result<Vec<(Sku, Qty)>, ProjectionError>;
    fn inbound_document(
        &self,
        doc: &DocumentRef,
    ) -> Result<Option<InboundDocumentRecord>, ProjectionError>;
    /// The inbound document a pallet label (SSCC) belongs to.
    fn inbound_by_sscc(&self, sscc: &str)
    -> Result<Option<InboundDocumentRecord>, ProjectionError>;
    /// The device's pull cursor: what it knew of the server.
    fn pull_cursor(&self) -> Result<Option<String>, ProjectionError>;
    /// The highest `device_seq` in the journal (0 when empty).
    fn last_seq(&self) -> Result<u64, ProjectionError>;
    /// Facts of one job, oldest first.
    fn history(&self, of: &History) -> Result<Vec<Fact>, ProjectionError>;
}
