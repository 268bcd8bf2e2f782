//! Blind cycle count of one location: scan each item (lot and serial aware), type what is
//! there; the counter never sees the expected quantity. A first count further than the
//! threshold from the device's on-hand asks for a recount, recorded with `recount_of`; lines
//! the device expected but nobody counted are recorded as zero at close. Each count carries
//! the device's pull cursor. Progress is the `count` events at the location since the job
//! began. Must not compute or show variance to the counter.

use crate::domain::{
    CountRecord, EventBody, EventId, Item, LocationCode, LotCode, Qty, SerialNumber, Sku,
    StockStatus, UnitOfMeasure,
};

use super::common::{Refusal, base_qty, item_for, known_location, label, refuse, unexpected_scan};
use super::input::{Action, Input, Scanned};
use super::projections::{History, Projections};
use super::prompt::{Feedback, Prompt};
use super::{JobSpec, Step, text};

#[derive(Debug, Clone)]
struct Held {
    item: Item,
    unit: UnitOfMeasure,
    lot: Option<LotCode>,
}

#[derive(Debug, Clone)]
enum Stage {
    Items,
    Quantity(Held),
    Serials(Held, Vec<SerialNumber>),
    Recount(Held),
    Complete,
}

/// A count of one location in progress.
#[derive(Debug, Clone)]
pub struct CountJob {
    location: LocationCode,
    after_seq: u64,
    threshold: u32,
    /// (item, lot) counted so far in this job.
    counted: Vec<(Sku, Option<LotCode>)>,
    stage: Stage,
}

impl CountJob {
    /// Opens the count of `location` made of the counts recorded after `after_seq`.
    pub fn open(
        location: LocationCode,
        after_seq: u64,
        threshold: u32,
        proj: &dyn Projections,
    ) -> Result<CountJob, Refusal> {
        known_location(proj, &location)?;
        let mut job = CountJob {
            location,
            after_seq,
            threshold,
            counted: vec![],
            stage: Stage::Items,
        };
        let facts = job.counts(proj)?;
        for (_, count) in &facts {
            let key = (count.item.clone(), count.lot.clone());
            if !job.counted.contains(&key) {
                job.counted.push(key);
            }
        }
        // A first count beyond the threshold that was not repeated yet: ask again.
        if let Some((_, last)) = facts.last() {
            let repeats = facts
                .iter()
                .filter(|(_, c)| c.item == last.item && c.lot == last.lot)
                .count();
            if repeats == 1
                && job.beyond_threshold(proj, &last.item, &last.lot, last.counted)?
                && let Some(item) = proj.item_by_sku(&last.item)?
            {
                job.stage = Stage::Recount(Held {
                    item,
                    unit: UnitOfMeasure::each(),
                    lot: last.lot.clone(),
                });
            }
        }
        Ok(job)
    }

    pub fn spec(&self) -> JobSpec {
        JobSpec::Count {
            location: self.location.clone(),
            after_seq: self.after_seq,
            recount_threshold: self.threshold,
        }
    }

    pub fn prompt(&self) -> Prompt {
        match &self.stage {
            Stage::Items => Prompt::CountItems {
                location: self.location.clone(),
                counted_lines: self.counted.len(),
            },
            Stage::Quantity(h) => Prompt::CountQuantity {
                item: label(&h.item),
                lot: h.lot.clone(),
                unit: h.unit.code.clone(),
                base_units: h.unit.base_units,
            },
            Stage::Serials(h, serials) => Prompt::CountSerials {
                item: label(&h.item),
                scanned: serials.len(),
            },
            Stage::Recount(h) => Prompt::Recount {
                item: label(&h.item),
                lot: h.lot.clone(),
            },
            Stage::Complete => Prompt::CountComplete {
                location: self.location.clone(),
                lines: self.counted.len(),
            },
        }
    }

    fn counts(&self, proj: &dyn Projections) -> Result<Vec<(EventId, CountRecord)>, Refusal> {
        Ok(proj
            .history(&History::CountAt {
                location: self.location.clone(),
                after_seq: self.after_seq,
            })?
            .into_iter()
            .filter_map(|f| match f.body {
                EventBody::Count(c) => Some((f.event_id, c)),
                _ => None,
            })
            .collect())
    }

    /// What the device believes is here, available, for one item and lot.
    fn expected(
        &self,
        proj: &dyn Projections,
        sku: &Sku,
        lot: &Option<LotCode>,
    ) -> Result<i64, Refusal> {
        Ok(proj
            .on_hand_at(&self.location)?
            .iter()
            .filter(|r| &r.item == sku && &r.lot == lot && r.status == StockStatus::Available)
            .map(|r| r.qty)
            .sum())
    }

    fn beyond_threshold(
        &self,
        proj: &dyn Projections,
        sku: &Sku,
        lot: &Option<LotCode>,
        counted: Qty,
    ) -> Result<bool, Refusal> {
        let expected = self.expected(proj, sku, lot)?;
        Ok(counted.units().abs_diff(expected) > u64::from(self.threshold))
    }

    pub(crate) fn handle(
        &mut self,
        input: &Input,
        proj: &dyn Projections,
    ) -> Result<Step, Refusal> {
        match (self.stage.clone(), input) {
            (Stage::Complete, _) => refuse(text::job_finished()),
            (
                Stage::Items | Stage::Recount(_),
                Input::Scan {
                    scanned:
                        Scanned::Item {
                            gtin,
                            lot,
                            serial,
                            count,
                            ..
                        },
                    ..
                },
            ) => {
                let (item, unit) = item_for(proj, gtin)?;
                let words = label(&item).words();
                if item.tracking.lot && lot.is_none() {
                    return refuse(text::lot_required(&words));
                }
                if let Stage::Recount(h) = &self.stage
                    && (h.item.sku != item.sku || &h.lot != lot)
                {
                    return refuse(text::count_again(&label(&h.item).words(), h.lot.as_ref()));
                }
                let held = Held {
                    item: item.clone(),
                    unit,
                    lot: lot.clone(),
                };
                if item.tracking.serial {
                    let Some(serial) = serial else {
                        return refuse(text::serial_required(&words));
                    };
                    self.stage = Stage::Serials(held, vec![serial.clone()]);
                    return Ok(Step::ok(self.prompt(), Feedback::good(), vec![]));
                }
                if let Some(count) = count {
                    let qty = base_qty(&held.unit, *count)?;
                    return self.record(proj, held, qty, vec![]);
                }
                self.stage = Stage::Quantity(held);
                Ok(Step::ok(self.prompt(), Feedback::good(), vec![]))
            }
            (Stage::Items, Input::Action(Action::Close)) => self.close(proj),
            (Stage::Items, Input::Action(Action::Recount)) => {
                // The counter doubts the last line: count it again, linked to the first count.
                let Some((sku, lot)) = self.counted.last().cloned() else {
                    return refuse(text::not_now());
                };
                let Some(item) = proj.item_by_sku(&sku)? else {
                    return refuse(text::not_now());
                };
                self.stage = Stage::Recount(Held {
                    item,
                    unit: UnitOfMeasure::each(),
                    lot,
                });
                Ok(Step::ok(self.prompt(), Feedback::good(), vec![]))
            }
            (Stage::Recount(h), Input::Action(Action::Quantity(n))) => {
                let qty = base_qty(&h.unit, *n)?;
                self.record(proj, h, qty, vec![])
            }
            (Stage::Quantity(h), Input::Action(Action::Quantity(n))) => {
                // Zero is a valid count: the item is not there.
                let qty = if *n == 0 {
                    Qty::ZERO
                } else {
                    base_qty(&h.unit, *n)?
                };
                self.record(proj, h, qty, vec![])
            }
            (
                Stage::Serials(h, serials),
                Input::Scan {
                    scanned: Scanned::Item { gtin, serial, .. },
                    ..
                },
            ) => {
                let (item, _) = item_for(proj, gtin)?;
                if item.sku != h.item.sku {
                    return refuse(text::finish_quantity_first(&label(&h.item).words()));
                }
                let Some(serial) = serial else {
                    return refuse(text::serial_required(&label(&item).words()));
                };
                if serials.contains(serial) {
                    return refuse(text::serial_twice(serial));
                }
                let mut serials = serials;
                serials.push(serial.clone());
                self.stage = Stage::Serials(h, serials);
                Ok(Step::ok(self.prompt(), Feedback::good(), vec![]))
            }
            (Stage::Serials(h, serials), Input::Action(Action::Confirm | Action::Close)) => {
                let qty = Qty::new(serials.len() as i64)?;
                self.record(proj, h, qty, serials)
            }
            (Stage::Serials(h, _), Input::Action(Action::Quantity(_))) => {
                refuse(text::scan_serials_not_quantity(&label(&h.item).words()))
            }
            (Stage::Quantity(h), Input::Scan { .. }) => {
                refuse(text::finish_quantity_first(&label(&h.item).words()))
            }
            (
                _,
                Input::Scan {
                    scanned: Scanned::Location(code),
                    ..
                },
            ) if code == &self.location => Ok(Step::ok(self.prompt(), Feedback::good(), vec![])),
            (
                _,
                Input::Scan {
                    scanned: Scanned::Location(code),
                    ..
                },
            ) => refuse(text::not_a_count_location(code)),
            (_, Input::Scan { scanned, .. }) => {
                Err(unexpected_scan(scanned, proj, &self.prompt().text()))
            }
            (_, Input::Action(_)) => refuse(text::not_now()),
        }
    }

    fn count_event(
        &self,
        proj: &dyn Projections,
        item: Sku,
        lot: Option<LotCode>,
        counted: Qty,
        serials: Vec<SerialNumber>,
        recount_of: Option<EventId>,
    ) -> Result<EventBody, Refusal> {
        Ok(EventBody::Count(CountRecord {
            location: self.location.clone(),
            item,
            lot,
            counted,
            status: StockStatus::Available,
            serials,
            cursor: proj.pull_cursor()?,
            recount_of,
        }))
    }

    fn record(
        &mut self,
        proj: &dyn Projections,
        held: Held,
        counted: Qty,
        serials: Vec<SerialNumber>,
    ) -> Result<Step, Refusal> {
        let previous = self
            .counts(proj)?
            .into_iter()
            .rev()
            .find(|(_, c)| c.item == held.item.sku && c.lot == held.lot)
            .map(|(id, _)| id);
        let event = self.count_event(
            proj,
            held.item.sku.clone(),
            held.lot.clone(),
            counted,
            serials,
            previous,
        )?;
        let key = (held.item.sku.clone(), held.lot.clone());
        if !self.counted.contains(&key) {
            self.counted.push(key);
        }
        let words = label(&held.item).words();
        if previous.is_none() && self.beyond_threshold(proj, &held.item.sku, &held.lot, counted)? {
            let message = text::count_again(&words, held.lot.as_ref());
            self.stage = Stage::Recount(held);
            return Ok(Step::ok(
                self.prompt(),
                Feedback::Warn { message },
                vec![event],
            ));
        }
        self.stage = Stage::Items;
        Ok(Step::ok(
            self.prompt(),
            Feedback::good_with(text::counted(&words, counted)),
            vec![event],
        ))
    }

    fn close(&mut self, proj: &dyn Projections) -> Result<Step, Refusal> {
        let mut events = Vec::new();
        let mut missing: Vec<(Sku, Option<LotCode>)> = Vec::new();
        for row in proj.on_hand_at(&self.location)? {
            let key = (row.item.clone(), row.lot.clone());
            if row.status == StockStatus::Available
                && row.qty > 0
                && !self.counted.contains(&key)
                && !missing.contains(&key)
            {
                missing.push(key);
            }
        }
        for (item, lot) in missing {
            events.push(self.count_event(
                proj,
                item.clone(),
                lot.clone(),
                Qty::ZERO,
                vec![],
                None,
            )?);
            self.counted.push((item, lot));
        }
        self.stage = Stage::Complete;
        Ok(Step::ok(self.prompt(), Feedback::good(), events).finished())
    }
}
