//! Putaway from a dock: scan an item waiting there, take it to the suggested bin (the
//! same item's existing bin, else an empty bin in the item's zone, else any empty bin big
//! enough) and scan the bin to confirm, or override with a reason. What remains to put away
//! is the dock's stock itself, so the job needs no memory of its own to resume.

use crate::domain::{
    EventBody, Item, LocationCode, LocationKind, LotCode, Putaway, Qty, StockLine, StockStatus,
};

use super::common::{Refusal, base_qty, item_for, known_location, label, refuse, unexpected_scan};
use super::input::{Action, Input, Scanned};
use super::projections::Projections;
use super::prompt::{Feedback, Prompt};
use super::{JobSpec, Step, text};

#[derive(Debug, Clone)]
struct Carrying {
    item: Item,
    lot: Option<LotCode>,
    expiry: Option<chrono::NaiveDate>,
    status: StockStatus,
    qty: Qty,
    /// All of this item/lot/status waiting at the dock.
    waiting: i64,
    suggested: Option<LocationCode>,
}

#[derive(Debug, Clone)]
enum Stage {
    Item,
    Bin(Carrying),
    OverrideBin(Carrying, String),
}

/// Putting away what waits at one dock.
#[derive(Debug, Clone)]
pub struct PutawayJob {
    dock: LocationCode,
    stage: Stage,
}

impl PutawayJob {
    pub fn open(dock: LocationCode, proj: &dyn Projections) -> Result<PutawayJob, Refusal> {
        known_location(proj, &dock)?;
        Ok(PutawayJob {
            dock,
            stage: Stage::Item,
        })
    }

    pub fn spec(&self) -> JobSpec {
        JobSpec::Putaway {
            dock: self.dock.clone(),
        }
    }

    pub fn prompt(&self) -> Prompt {
        match &self.stage {
            Stage::Item => Prompt::ScanPutawayItem {
                dock: self.dock.clone(),
            },
            Stage::Bin(c) => Prompt::ScanPutawayBin {
                item: label(&c.item),
                qty: c.qty,
                suggested: c.suggested.clone(),
            },
            Stage::OverrideBin(c, reason) => Prompt::ScanOverrideBin {
                item: label(&c.item),
                reason: reason.clone(),
            },
        }
    }

    /// The bin to suggest for `qty` of `item`: where it already is, else an empty bin in its
    /// zone, else any empty bin that holds it.
    pub fn suggest_bin(
        proj: &dyn Projections,
        item: &Item,
        qty: Qty,
    ) -> Result<Option<LocationCode>, super::ProjectionError> {
        if let Some(bin) = proj.bins_holding(&item.sku)?.into_iter().next() {
            return Ok(Some(bin));
        }
        if let Some(zone) = proj.putaway_zone(item)?
            && let Some(bin) = proj.empty_bins(Some(&zone), qty)?.into_iter().next()
        {
            return Ok(Some(bin));
        }
        Ok(proj.empty_bins(None, qty)?.into_iter().next())
    }

    pub(crate) fn handle(
        &mut self,
        input: &Input,
        proj: &dyn Projections,
    ) -> Result<Step, Refusal> {
        match (self.stage.clone(), input) {
            (
                Stage::Item | Stage::Bin(_),
                Input::Scan {
                    scanned: Scanned::Item { gtin, lot, .. },
                    ..
                },
            ) => {
                let (item, _) = item_for(proj, gtin)?;
                let words = label(&item).words();
                let rows: Vec<_> = proj
                    .on_hand_at(&self.dock)?
                    .into_iter()
                    .filter(|r| r.item == item.sku && r.qty > 0)
                    .filter(|r| lot.is_none() || &r.lot == lot)
                    .collect();
                let Some(row) = rows.first() else {
                    return refuse(text::nothing_to_put_away(&words, &self.dock));
                };
                if item.tracking.lot && lot.is_none() && rows.iter().any(|r| r.lot != row.lot) {
                    return refuse(text::lot_required(&words));
                }
                let qty = Qty::new(row.qty)?;
                let suggested = Self::suggest_bin(proj, &item, qty)?;
                self.stage = Stage::Bin(Carrying {
                    item,
                    lot: row.lot.clone(),
                    expiry: row.expiry,
                    status: row.status,
                    qty,
                    waiting: row.qty,
                    suggested,
                });
                Ok(Step::ok(self.prompt(), Feedback::good(), vec![]))
            }
            (Stage::Bin(mut c), Input::Action(Action::Quantity(n))) => {
                let qty = base_qty(&crate::domain::UnitOfMeasure::each(), *n)?;
                if qty.units() > c.waiting {
                    return refuse(text::only_waiting(
                        c.waiting,
                        &label(&c.item).words(),
                        &self.dock,
                    ));
                }
                c.qty = qty;
                c.suggested = Self::suggest_bin(proj, &c.item, qty)?;
                self.stage = Stage::Bin(c);
                Ok(Step::ok(self.prompt(), Feedback::good(), vec![]))
            }
            (
                Stage::Bin(c),
                Input::Scan {
                    scanned: Scanned::Location(code),
                    ..
                },
            ) => {
                self.check_bin(proj, code)?;
                match &c.suggested {
                    Some(suggested) if suggested != code => {
                        refuse(text::wrong_putaway_bin(suggested, code))
                    }
                    _ => self.put(c, code, None),
                }
            }
            (Stage::Bin(c), Input::Action(Action::Override { reason })) => {
                if reason.trim().is_empty() {
                    return refuse(text::reason_required());
                }
                self.stage = Stage::OverrideBin(c, reason.clone());
                Ok(Step::ok(self.prompt(), Feedback::good(), vec![]))
            }
            (
                Stage::OverrideBin(c, reason),
                Input::Scan {
                    scanned: Scanned::Location(code),
                    ..
                },
            ) => {
                self.check_bin(proj, code)?;
                let reason = (c.suggested.as_ref() != Some(code)).then_some(reason);
                self.put(c, code, reason)
            }
            (_, Input::Scan { scanned, .. }) => {
                Err(unexpected_scan(scanned, proj, &self.prompt().text()))
            }
            (_, Input::Action(_)) => refuse(text::not_now()),
        }
    }

    fn check_bin(&self, proj: &dyn Projections, code: &LocationCode) -> Result<(), Refusal> {
        let location = known_location(proj, code)?;
        if location.kind != LocationKind::Bin {
            return refuse(text::not_a_storage_bin(code));
        }
        Ok(())
    }

    fn put(
        &mut self,
        c: Carrying,
        to: &LocationCode,
        override_reason: Option<String>,
    ) -> Result<Step, Refusal> {
        let event = EventBody::Putaway(Putaway {
            line: StockLine {
                item: c.item.sku.clone(),
                qty: c.qty,
                lot: c.lot.clone(),
                expiry: c.expiry,
                serials: vec![],
            },
            from: self.dock.clone(),
            to: to.clone(),
            status: c.status,
            suggested: c.suggested.clone(),
            override_reason,
        });
        self.stage = Stage::Item;
        Ok(Step::ok(
            self.prompt(),
            Feedback::good_with(text::put_away(&label(&c.item).words(), c.qty, to)),
            vec![event],
        ))
    }
}
