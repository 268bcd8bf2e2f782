//! Stock changes at a bin by scan: bin-to-bin moves, status changes (damaged, quarantine…)
//! and adjustments with a reason code. Each change is one fact recorded as soon as it is
//! confirmed, so there is no progress to resume beyond the screen. Must not move stock
//! that the device believes is not there.

use chrono::NaiveDate;

use crate::domain::{
    Adjust, EventBody, Item, LocationCode, LotCode, Move, Qty, SerialNumber, StatusChange,
    StockLine, StockStatus, UnitOfMeasure,
};

use super::common::{Refusal, base_qty, item_for, known_location, label, refuse, unexpected_scan};
use super::input::{Action, Input, Scanned};
use super::projections::Projections;
use super::prompt::{Feedback, Prompt};
use super::{Step, text};

#[derive(Debug, Clone)]
struct Held {
    from: LocationCode,
    item: Item,
    unit: UnitOfMeasure,
    lot: Option<LotCode>,
    expiry: Option<NaiveDate>,
    available: i64,
    serials: Vec<SerialNumber>,
}

#[derive(Debug, Clone)]
enum Stage {
    Source,
    Item(LocationCode),
    Quantity(Held),
    Target(Held, Qty),
    Finished,
}

/// Moves, status changes and adjustments, one bin at a time.
#[derive(Debug, Clone)]
pub struct StockJob {
    stage: Stage,
}

impl Default for StockJob {
    fn default() -> Self {
        Self::new()
    }
}

impl StockJob {
    pub fn new() -> StockJob {
        StockJob {
            stage: Stage::Source,
        }
    }

    pub fn prompt(&self) -> Prompt {
        match &self.stage {
            Stage::Source => Prompt::ScanSourceBin,
            Stage::Item(from) => Prompt::ScanMoveItem { from: from.clone() },
            Stage::Quantity(h) if h.item.tracking.serial => Prompt::ScanSerials {
                item: label(&h.item),
                scanned: h.serials.len(),
                of: Qty::new(h.available).unwrap_or(Qty::ZERO),
            },
            Stage::Quantity(h) => Prompt::MoveQuantity {
                item: label(&h.item),
                available: h.available,
            },
            Stage::Target(h, qty) => Prompt::ScanTargetBin {
                item: label(&h.item),
                qty: *qty,
            },
            Stage::Finished => Prompt::JobLeft,
        }
    }

    pub(crate) fn handle(
        &mut self,
        input: &Input,
        proj: &dyn Projections,
    ) -> Result<Step, Refusal> {
        match (self.stage.clone(), input) {
            (Stage::Finished, _) => refuse(text::job_finished()),
            (Stage::Source | Stage::Item(_), Input::Action(Action::Close)) => {
                self.stage = Stage::Finished;
                Ok(Step::ok(
                    self.prompt(),
                    Feedback::good_with(text::stock_job_done()),
                    vec![],
                )
                .finished())
            }
            (
                Stage::Source | Stage::Item(_),
                Input::Scan {
                    scanned: Scanned::Location(code),
                    ..
                },
            ) => {
                known_location(proj, code)?;
                self.stage = Stage::Item(code.clone());
                Ok(Step::ok(self.prompt(), Feedback::good(), vec![]))
            }
            (
                Stage::Item(from),
                Input::Scan {
                    scanned:
                        Scanned::Item {
                            gtin,
                            lot,
                            expiry,
                            serial,
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
                if item.tracking.serial && serial.is_none() {
                    return refuse(text::serial_required(&words));
                }
                let rows: Vec<_> = proj
                    .on_hand_at(&from)?
                    .into_iter()
                    .filter(|r| r.item == item.sku && r.status == StockStatus::Available)
                    .filter(|r| lot.is_none() || &r.lot == lot)
                    .collect();
                let available: i64 = rows.iter().map(|r| r.qty).sum();
                let expiry = expiry.or_else(|| rows.iter().find_map(|r| r.expiry));
                self.stage = Stage::Quantity(Held {
                    from,
                    item,
                    unit,
                    lot: lot.clone(),
                    expiry,
                    available,
                    serials: serial.iter().cloned().collect(),
                });
                Ok(Step::ok(self.prompt(), Feedback::good(), vec![]))
            }
            (
                Stage::Quantity(mut h),
                Input::Scan {
                    scanned:
                        Scanned::Item {
                            gtin,
                            serial: Some(serial),
                            ..
                        },
                    ..
                },
            ) if h.item.tracking.serial => {
                let (item, _) = item_for(proj, gtin)?;
                if item.sku != h.item.sku {
                    return refuse(text::finish_quantity_first(&label(&h.item).words()));
                }
                if h.serials.contains(serial) {
                    return refuse(text::serial_twice(serial));
                }
                h.serials.push(serial.clone());
                self.stage = Stage::Quantity(h);
                Ok(Step::ok(self.prompt(), Feedback::good(), vec![]))
            }
            (Stage::Quantity(h), Input::Action(Action::Confirm)) if h.item.tracking.serial => {
                let qty = Qty::new(h.serials.len() as i64)?;
                self.ask_target_bin(h, qty)
            }
            (Stage::Quantity(h), Input::Action(Action::Quantity(_))) if h.item.tracking.serial => {
                refuse(text::scan_serials_not_quantity(&label(&h.item).words()))
            }
            (Stage::Quantity(h), Input::Action(Action::Quantity(n))) => {
                let qty = base_qty(&h.unit, *n)?;
                self.ask_target_bin(h, qty)
            }
            (Stage::Quantity(h), Input::Action(Action::Adjust { delta, reason })) => {
                if *delta == 0 {
                    return refuse(text::zero_adjustment());
                }
                let words = label(&h.item).words();
                if *delta < 0 && delta.unsigned_abs() > h.available.max(0).unsigned_abs() {
                    return refuse(text::adjust_below_zero(&words, h.available));
                }
                if delta.unsigned_abs() > Qty::MAX.units().unsigned_abs() {
                    return refuse(text::quantity_too_large());
                }
                let event = EventBody::Adjust(Adjust {
                    item: h.item.sku.clone(),
                    location: h.from.clone(),
                    lot: h.lot.clone(),
                    status: StockStatus::Available,
                    delta: *delta,
                    reason: *reason,
                    note: None,
                    serials: vec![],
                });
                self.stage = Stage::Item(h.from);
                Ok(Step::ok(
                    self.prompt(),
                    Feedback::good_with(text::adjusted(&words, *delta)),
                    vec![event],
                ))
            }
            (
                Stage::Target(h, qty),
                Input::Scan {
                    scanned: Scanned::Location(to),
                    ..
                },
            ) => {
                if to == &h.from {
                    return refuse(text::same_bin(to));
                }
                known_location(proj, to)?;
                let event = EventBody::Move(Move {
                    line: line(&h, qty),
                    from: h.from.clone(),
                    to: to.clone(),
                    status: StockStatus::Available,
                });
                self.stage = Stage::Source;
                Ok(Step::ok(
                    self.prompt(),
                    Feedback::good_with(text::moved(qty, &label(&h.item).words(), to)),
                    vec![event],
                ))
            }
            (Stage::Target(h, qty), Input::Action(Action::SetStatus { to, reason })) => {
                if *to == StockStatus::Available {
                    return refuse(text::status_unchanged(*to));
                }
                if reason.trim().is_empty() {
                    return refuse(text::reason_required());
                }
                let event = EventBody::StatusChange(StatusChange {
                    line: line(&h, qty),
                    location: h.from.clone(),
                    from_status: StockStatus::Available,
                    to_status: *to,
                    reason: reason.clone(),
                });
                let words = label(&h.item).words();
                self.stage = Stage::Item(h.from);
                Ok(Step::ok(
                    self.prompt(),
                    Feedback::good_with(text::status_changed(&words, qty, *to)),
                    vec![event],
                ))
            }
            (_, Input::Scan { scanned, .. }) => {
                Err(unexpected_scan(scanned, proj, &self.prompt().text()))
            }
            (_, Input::Action(_)) => refuse(text::not_now()),
        }
    }

    fn ask_target_bin(&mut self, h: Held, qty: Qty) -> Result<Step, Refusal> {
        if qty.is_zero() {
            return refuse(text::zero_quantity());
        }
        if qty.units() > h.available {
            return refuse(text::only_here(
                h.available,
                &label(&h.item).words(),
                &h.from,
            ));
        }
        self.stage = Stage::Target(h, qty);
        Ok(Step::ok(self.prompt(), Feedback::good(), vec![]))
    }
}

fn line(h: &Held, qty: Qty) -> StockLine {
    StockLine {
        item: h.item.sku.clone(),
        qty,
        lot: h.lot.clone(),
        expiry: h.expiry,
        serials: h.serials.clone(),
    }
}
