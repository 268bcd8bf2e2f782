//! An in-memory [`Projections`] for tests, demos and benchmarks of the pure state machines:
//! a catalog, locations, stock, tasks and documents set up by hand, and a list of facts
//! that grows as the caller records announced events (their stock effects are applied, as
//! the journal's local deltas do). Not a store: nothing here is durable.

use std::collections::HashMap;

use crate::domain::{
    DocumentRef, EventBody, EventId, Gtin, Item, Location, LocationCode, LocationKind, Qty, Sku,
    TaskId, UnitOfMeasure,
};
use crate::protocol::{InboundDocumentRecord, PickTaskRecord};

use super::projections::{Fact, History, ProjectionError, Projections, StockRow};

/// Hand-built projections. Fields are public so a test states its world directly.
#[derive(Debug, Clone, Default)]
pub struct FakeProjections {
    pub items: Vec<Item>,
    pub locations: Vec<Location>,
    /// Stock per location.
    pub stock: Vec<(LocationCode, StockRow)>,
    pub pick_tasks: Vec<PickTaskRecord>,
    pub inbound: Vec<InboundDocumentRecord>,
    /// Item category → zone.
    pub zone_rules: HashMap<String, String>,
    pub cursor: Option<String>,
    pub facts: Vec<Fact>,
    /// When set, every query fails with this message (to test storage errors).
    pub fail_with: Option<String>,
}

impl FakeProjections {
    fn check(&self) -> Result<(), ProjectionError> {
        match &self.fail_with {
            Some(message) => Err(ProjectionError(message.clone())),
            None => Ok(()),
        }
    }

    /// Records announced events as the journal would: appends facts and applies their stock
    /// effects. Returns the new facts' ids.
    pub fn record(&mut self, bodies: &[EventBody]) -> Vec<EventId> {
        let mut ids = Vec::with_capacity(bodies.len());
        for body in bodies {
            let event_id = EventId::new_v7();
            let seq = self.facts.len() as u64 + 1;
            for effect in body.stock_effects() {
                let expiry = line_expiry(body);
                match self.stock.iter_mut().find(|(loc, row)| {
                    *loc == effect.location
                        && row.item == effect.item
                        && row.lot == effect.lot
                        && row.status == effect.status
                }) {
                    Some((_, row)) => {
                        row.qty += effect.delta;
                        if row.expiry.is_none() {
                            row.expiry = expiry;
                        }
                    }
                    None => self.stock.push((
                        effect.location.clone(),
                        StockRow {
                            item: effect.item.clone(),
                            lot: effect.lot.clone(),
                            expiry,
                            status: effect.status,
                            qty: effect.delta,
                        },
                    )),
                }
            }
            self.facts.push(Fact {
                event_id,
                seq,
                body: body.clone(),
            });
            ids.push(event_id);
        }
        ids
    }
}

fn line_expiry(body: &EventBody) -> Option<chrono::NaiveDate> {
    match body {
        EventBody::Receive(r) => r.line.expiry,
        EventBody::Putaway(p) => p.line.expiry,
        EventBody::Move(m) => m.line.expiry,
        EventBody::Pick(p) => p.line.expiry,
        _ => None,
    }
}

impl Projections for FakeProjections {
    fn item_by_gtin(&self, gtin: &Gtin) -> Result<Option<(Item, UnitOfMeasure)>, ProjectionError> {
        self.check()?;
        Ok(self
            .items
            .iter()
            .find_map(|item| item.unit_for_gtin(gtin).map(|uom| (item.clone(), uom))))
    }

    fn item_by_sku(&self, sku: &Sku) -> Result<Option<Item>, ProjectionError> {
        self.check()?;
        Ok(self.items.iter().find(|i| &i.sku == sku).cloned())
    }

    fn location(&self, code: &LocationCode) -> Result<Option<Location>, ProjectionError> {
        self.check()?;
        Ok(self.locations.iter().find(|l| &l.code == code).cloned())
    }

    fn on_hand_at(&self, code: &LocationCode) -> Result<Vec<StockRow>, ProjectionError> {
        self.check()?;
        Ok(self
            .stock
            .iter()
            .filter(|(loc, row)| loc == code && row.qty != 0)
            .map(|(_, row)| row.clone())
            .collect())
    }

    fn bins_holding(&self, sku: &Sku) -> Result<Vec<LocationCode>, ProjectionError> {
        self.check()?;
        let mut bins: Vec<&Location> = self
            .locations
            .iter()
            .filter(|l| l.kind == LocationKind::Bin)
            .filter(|l| {
                self.stock
                    .iter()
                    .any(|(loc, row)| loc == &l.code && &row.item == sku && row.qty > 0)
            })
            .collect();
        bins.sort_by_key(|l| (l.pick_sequence, l.code.clone()));
        Ok(bins.into_iter().map(|l| l.code.clone()).collect())
    }

    fn putaway_zone(&self, item: &Item) -> Result<Option<String>, ProjectionError> {
        self.check()?;
        Ok(item
            .category
            .as_ref()
            .and_then(|c| self.zone_rules.get(c))
            .cloned())
    }

    fn empty_bins(
        &self,
        zone: Option<&str>,
        need: Qty,
    ) -> Result<Vec<LocationCode>, ProjectionError> {
        self.check()?;
        let mut bins: Vec<&Location> = self
            .locations
            .iter()
            .filter(|l| l.kind == LocationKind::Bin)
            .filter(|l| zone.is_none() || l.path.zone.as_deref() == zone)
            .filter(|l| l.capacity.is_some_and(|c| c >= need))
            .filter(|l| {
                !self
                    .stock
                    .iter()
                    .any(|(loc, row)| loc == &l.code && row.qty != 0)
            })
            .collect();
        bins.sort_by_key(|l| (l.capacity, l.pick_sequence, l.code.clone()));
        Ok(bins.into_iter().map(|l| l.code.clone()).collect())
    }

    fn pick_task(&self, task: &TaskId) -> Result<Option<PickTaskRecord>, ProjectionError> {
        self.check()?;
        Ok(self.pick_tasks.iter().find(|t| &t.task == task).cloned())
    }

    fn pick_tasks(&self) -> Result<Vec<PickTaskRecord>, ProjectionError> {
        self.check()?;
        Ok(self.pick_tasks.clone())
    }

    fn inbound_documents(&self) -> Result<Vec<InboundDocumentRecord>, ProjectionError> {
        self.check()?;
        Ok(self
            .inbound
            .iter()
            .filter(|d| d.state == "open")
            .cloned()
            .collect())
    }

    fn order_lines(
        &self,
        order: &crate::domain::OrderNumber,
    ) -> Result<Vec<(Sku, Qty)>, ProjectionError> {
        self.check()?;
        Ok(super::projections::order_lines_of(&self.pick_tasks, order))
    }

    fn inbound_document(
        &self,
        doc: &DocumentRef,
    ) -> Result<Option<InboundDocumentRecord>, ProjectionError> {
        self.check()?;
        Ok(self
            .inbound
            .iter()
            .find(|d| d.kind == doc.kind && d.number == doc.number)
            .cloned())
    }

    fn inbound_by_sscc(
        &self,
        sscc: &str,
    ) -> Result<Option<InboundDocumentRecord>, ProjectionError> {
        self.check()?;
        Ok(self
            .inbound
            .iter()
            .find(|d| d.sscc.as_deref() == Some(sscc))
            .cloned())
    }

    fn pull_cursor(&self) -> Result<Option<String>, ProjectionError> {
        self.check()?;
        Ok(self.cursor.clone())
    }

    fn last_seq(&self) -> Result<u64, ProjectionError> {
        self.check()?;
        Ok(self.facts.len() as u64)
    }

    fn history(&self, of: &History) -> Result<Vec<Fact>, ProjectionError> {
        self.check()?;
        Ok(self
            .facts
            .iter()
            .filter(|f| of.includes(f.seq, &f.body))
            .cloned()
            .collect())
    }
}
