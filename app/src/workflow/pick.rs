//! Picking a downloaded pick task (single order, batch or wave): scan the tote, then for
//! each line in walking order scan the bin, the item (lot by FEFO, serials where tracked)
//! and the quantity; short picks and skips with a reason. Progress comes from the task's
//! `pick` events alone (each pick is matched back to the first unfinished line with the same
//! item, bin and order); a line skipped before a restart comes back in walking order. Must
//! not look at stock of other bins or decide allocation: the server reserved the stock when
//! it assigned the task.

use std::sync::Arc;

use chrono::NaiveDate;

use crate::domain::{
    EventBody, Item, LocationCode, LocationKind, LotCode, Pick, Qty, SerialNumber, ShortPick,
    StockLine, StockStatus, TaskId, UnitOfMeasure,
};
use crate::protocol::{PickTaskLine, PickTaskRecord};

use super::common::{Refusal, base_qty, item_for, known_location, label, refuse, unexpected_scan};
use super::input::{Action, Input, Scanned};
use super::projections::{History, Projections};
use super::prompt::{Feedback, Prompt};
use super::{JobSpec, Step, text};

/// What the task asks for on one line; shared, never changed while picking.
#[derive(Debug)]
struct Planned {
    task_line: PickTaskLine,
    item: Item,
}

/// A line with its progress. Cloning one is cheap (the plan is shared), so refusing an
/// input by restoring the job's previous state stays cheap on long tasks.
#[derive(Debug, Clone)]
struct Line {
    plan: Arc<Planned>,
    picked: Qty,
    short: bool,
}

impl std::ops::Deref for Line {
    type Target = Planned;
    fn deref(&self) -> &Planned {
        &self.plan
    }
}

impl Line {
    fn remaining(&self) -> Qty {
        self.task_line.qty - self.picked
    }

    fn is_done(&self) -> bool {
        self.short || self.picked >= self.task_line.qty
    }
}

/// What was scanned for the current line, waiting for a quantity or serials.
#[derive(Debug, Clone)]
struct Held {
    unit: UnitOfMeasure,
    lot: Option<LotCode>,
    expiry: Option<NaiveDate>,
    fefo_override: Option<String>,
}

#[derive(Debug, Clone)]
enum Stage {
    Tote,
    Location,
    Item,
    Fefo {
        held: Held,
        earliest_lot: LotCode,
        earliest_expiry: NaiveDate,
    },
    Quantity(Held),
    Serials {
        held: Held,
        serials: Vec<SerialNumber>,
    },
    Complete,
}

/// A pick task in progress.
#[derive(Debug, Clone)]
pub struct PickJob {
    task: Arc<PickTaskRecord>,
    tote: Option<LocationCode>,
    /// In walking order (location sequence, then line number).
    lines: Vec<Line>,
    /// Indices into `lines` still to pick, current first; skipped lines go to the back.
    queue: Vec<usize>,
    stage: Stage,
}

impl PickJob {
    /// Open pick tasks for a picker's zone (all zones when `zone` is `None`), by task id.
    pub fn tasks_for_zone(
        proj: &dyn Projections,
        zone: Option<&str>,
    ) -> Result<Vec<PickTaskRecord>, super::ProjectionError> {
        let mut tasks: Vec<PickTaskRecord> = proj
            .pick_tasks()?
            .into_iter()
            .filter(|t| zone.is_none() || t.zone.as_deref() == zone)
            .collect();
        tasks.sort_by(|a, b| a.task.cmp(&b.task));
        Ok(tasks)
    }

    /// Opens a task where its journaled picks left it.
    pub fn open(
        task_id: &TaskId,
        tote: Option<LocationCode>,
        proj: &dyn Projections,
    ) -> Result<PickJob, Refusal> {
        let Some(task) = proj.pick_task(task_id)? else {
            return refuse(text::unknown_task(task_id.as_str()));
        };
        let mut lines = Vec::with_capacity(task.lines.len());
        for task_line in &task.lines {
            let walk = proj
                .location(&task_line.location)?
                .map_or(i64::MAX, |l| l.pick_sequence);
            let item = proj.item_by_sku(&task_line.item)?.unwrap_or_else(|| Item {
                sku: task_line.item.clone(),
                name: String::new(),
                gtins: vec![],
                packs: vec![],
                tracking: Default::default(),
                category: None,
            });
            lines.push((
                walk,
                Line {
                    plan: Arc::new(Planned {
                        task_line: task_line.clone(),
                        item,
                    }),
                    picked: Qty::ZERO,
                    short: false,
                },
            ));
        }
        lines.sort_by_key(|(walk, l)| (*walk, l.task_line.line_no));
        let mut lines: Vec<Line> = lines.into_iter().map(|(_, l)| l).collect();

        let mut tote = tote;
        for fact in proj.history(&History::PickTask(task_id.clone()))? {
            let EventBody::Pick(pick) = fact.body else {
                continue;
            };
            tote = Some(pick.to.clone());
            let matching = lines.iter_mut().find(|l| {
                !l.is_done()
                    && l.task_line.item == pick.line.item
                    && l.task_line.location == pick.from
                    && l.task_line.order.as_ref().or(task.order.as_ref()) == pick.order.as_ref()
            });
            if let Some(line) = matching {
                line.picked = line.picked + pick.line.qty;
                if pick.short.is_some() {
                    line.short = true;
                }
            }
        }
        let queue: Vec<usize> = (0..lines.len()).filter(|&i| !lines[i].is_done()).collect();
        let stage = if queue.is_empty() {
            Stage::Complete
        } else if tote.is_none() {
            Stage::Tote
        } else {
            Stage::Location
        };
        Ok(PickJob {
            task: Arc::new(task),
            tote,
            lines,
            queue,
            stage,
        })
    }

    pub fn spec(&self) -> JobSpec {
        JobSpec::Pick {
            task: self.task.task.clone(),
            tote: self.tote.clone(),
        }
    }

    fn current(&self) -> Option<(usize, &Line)> {
        self.queue.first().map(|&i| (i, &self.lines[i]))
    }

    /// 1-based position of the current line in the task, for "line 3 of 12".
    fn position(&self) -> (usize, usize) {
        let done = self.lines.iter().filter(|l| l.is_done()).count();
        (done + 1, self.lines.len())
    }

    pub fn prompt(&self) -> Prompt {
        let (line_no, of) = self.position();
        match (&self.stage, self.current()) {
            (Stage::Tote, _) => Prompt::ScanTote,
            (Stage::Complete, _) | (_, None) => Prompt::TaskComplete {
                task: self.task.task.to_string(),
                lines: self.lines.iter().filter(|l| !l.picked.is_zero()).count(),
                short: self.lines.iter().filter(|l| l.short).count(),
            },
            (Stage::Location, Some((_, line))) => Prompt::ScanPickLocation {
                location: line.task_line.location.clone(),
                item: label(&line.item),
                qty: line.remaining(),
                lot: line.task_line.lot.clone(),
                line: line_no,
                of,
            },
            (Stage::Item, Some((_, line))) => Prompt::ScanPickItem {
                location: line.task_line.location.clone(),
                item: label(&line.item),
                qty: line.remaining(),
                lot: line.task_line.lot.clone(),
                line: line_no,
                of,
            },
            (
                Stage::Fefo {
                    held,
                    earliest_lot,
                    earliest_expiry,
                },
                Some((_, line)),
            ) => Prompt::FefoReason {
                item: label(&line.item),
                scanned_lot: held.lot.clone().unwrap_or_else(|| earliest_lot.clone()),
                scanned_expiry: held.expiry,
                earliest_lot: earliest_lot.clone(),
                earliest_expiry: *earliest_expiry,
            },
            (Stage::Quantity(held), Some((_, line))) => Prompt::PickQuantity {
                item: label(&line.item),
                remaining: line.remaining(),
                unit: held.unit.code.clone(),
                base_units: held.unit.base_units,
            },
            (Stage::Serials { serials, .. }, Some((_, line))) => Prompt::ScanSerials {
                item: label(&line.item),
                scanned: serials.len(),
                of: line.remaining(),
            },
        }
    }

    pub(crate) fn handle(
        &mut self,
        input: &Input,
        proj: &dyn Projections,
    ) -> Result<Step, Refusal> {
        let stage = self.stage.clone();
        match (stage, input) {
            (Stage::Complete, _) => refuse(text::task_empty(self.task.task.as_str())),
            (
                Stage::Tote,
                Input::Scan {
                    scanned: Scanned::Location(code),
                    ..
                },
            ) => {
                let location = known_location(proj, code)?;
                if !matches!(location.kind, LocationKind::Tote | LocationKind::Staging) {
                    return refuse(text::not_a_tote(code));
                }
                self.tote = Some(code.clone());
                self.stage = Stage::Location;
                Ok(Step::ok(self.prompt(), Feedback::good(), vec![]))
            }
            (Stage::Tote, Input::Scan { scanned, .. }) => {
                Err(unexpected_scan(scanned, proj, &text::scan_tote()))
            }
            (_, Input::Action(Action::Skip)) if !matches!(self.stage, Stage::Tote) => self.skip(),
            (_, Input::Action(Action::ShortPick { reason }))
                if !matches!(self.stage, Stage::Tote) =>
            {
                self.short(reason)
            }
            (
                Stage::Location,
                Input::Scan {
                    scanned: Scanned::Location(code),
                    ..
                },
            ) => {
                let expected = self.current_line()?.task_line.location.clone();
                if code != &expected {
                    return refuse(text::wrong_location(&expected, code));
                }
                self.stage = Stage::Item;
                Ok(Step::ok(self.prompt(), Feedback::good(), vec![]))
            }
            (Stage::Location, Input::Scan { scanned, .. }) => {
                Err(unexpected_scan(scanned, proj, &self.prompt().text()))
            }
            (
                Stage::Item | Stage::Fefo { .. } | Stage::Quantity(_),
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
            ) => self.scan_item(proj, gtin, lot, *expiry, serial, *count, None),
            (Stage::Fefo { held, .. }, Input::Action(Action::Override { reason })) => {
                if reason.trim().is_empty() {
                    return refuse(text::reason_required());
                }
                let held = Held {
                    fefo_override: Some(reason.clone()),
                    ..held
                };
                self.after_item(held, None, None)
            }
            (Stage::Quantity(held), Input::Action(Action::Quantity(n))) => {
                let qty = base_qty(&held.unit, *n)?;
                self.pick(held, qty, vec![], None)
            }
            (Stage::Quantity(held), Input::Action(Action::Confirm)) => {
                let qty = base_qty(&held.unit, 1)?;
                self.pick(held, qty, vec![], None)
            }
            (
                Stage::Serials { held, serials },
                Input::Scan {
                    scanned: Scanned::Item { gtin, serial, .. },
                    ..
                },
            ) => {
                let (item, _) = item_for(proj, gtin)?;
                let line = self.current_line()?;
                if item.sku != line.item.sku {
                    return refuse(text::wrong_item(
                        line.remaining(),
                        &label(&line.item).words(),
                        &label(&item).words(),
                    ));
                }
                let Some(serial) = serial else {
                    return refuse(text::serial_required(&label(&item).words()));
                };
                if serials.contains(serial) {
                    return refuse(text::serial_twice(serial));
                }
                let mut serials = serials;
                serials.push(serial.clone());
                self.serials_progress(held, serials)
            }
            (Stage::Serials { held, serials }, Input::Action(Action::Confirm))
                if !serials.is_empty() =>
            {
                let qty = Qty::new(serials.len() as i64)?;
                self.pick(held, qty, serials, None)
            }
            (Stage::Serials { .. }, Input::Action(Action::Quantity(_))) => refuse(
                text::scan_serials_not_quantity(&label(&self.current_line()?.item).words()),
            ),
            (
                Stage::Item | Stage::Fefo { .. } | Stage::Quantity(_) | Stage::Serials { .. },
                Input::Scan { scanned, .. },
            ) => Err(unexpected_scan(scanned, proj, &self.prompt().text())),
            (_, Input::Action(_)) => refuse(text::not_now()),
        }
    }

    fn current_line(&self) -> Result<&Line, Refusal> {
        match self.current() {
            Some((_, line)) => Ok(line),
            None => refuse(text::task_empty(self.task.task.as_str())),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn scan_item(
        &mut self,
        proj: &dyn Projections,
        gtin: &crate::domain::Gtin,
        lot: &Option<LotCode>,
        expiry: Option<NaiveDate>,
        serial: &Option<SerialNumber>,
        count: Option<u32>,
        fefo_override: Option<String>,
    ) -> Result<Step, Refusal> {
        let (item, unit) = item_for(proj, gtin)?;
        let line = self.current_line()?.clone();
        if item.sku != line.item.sku {
            return refuse(text::wrong_item(
                line.remaining(),
                &label(&line.item).words(),
                &label(&item).words(),
            ));
        }
        let words = label(&item).words();
        if item.tracking.lot && lot.is_none() {
            return refuse(text::lot_required(&words));
        }
        if item.tracking.serial && serial.is_none() {
            return refuse(text::serial_required(&words));
        }
        if let (Some(wanted), Some(scanned)) = (&line.task_line.lot, lot)
            && wanted != scanned
        {
            return refuse(text::wrong_lot(wanted, scanned));
        }
        // Known expiry of the scanned lot: the label's, else the balances'.
        let stock: Vec<_> = proj
            .on_hand_at(&line.task_line.location)?
            .into_iter()
            .filter(|r| r.item == item.sku && r.status == StockStatus::Available && r.qty > 0)
            .collect();
        let expiry = expiry.or_else(|| {
            stock
                .iter()
                .find(|r| r.lot.is_some() && r.lot == *lot)
                .and_then(|r| r.expiry)
        });
        let held = Held {
            unit,
            lot: lot.clone(),
            expiry,
            fefo_override,
        };
        // FEFO: among lots with stock here, the earliest expiry goes first — unless the task
        // reserved a specific lot.
        if line.task_line.lot.is_none()
            && held.fefo_override.is_none()
            && let Some(scanned_lot) = lot
            && let Some((earliest_expiry, earliest_lot)) = stock
                .iter()
                .filter_map(|r| Some((r.expiry?, r.lot.clone()?)))
                .min()
            && &earliest_lot != scanned_lot
            && held.expiry.is_none_or(|e| e > earliest_expiry)
        {
            let message =
                text::fefo_earlier_lot(scanned_lot, held.expiry, &earliest_lot, earliest_expiry);
            self.stage = Stage::Fefo {
                held,
                earliest_lot,
                earliest_expiry,
            };
            return Ok(Step::ok(self.prompt(), Feedback::Warn { message }, vec![]));
        }
        self.after_item(held, serial.clone(), count)
    }

    /// The right item (and lot) is in hand: ask for the quantity or serials, or pick at once
    /// when the label carried a count.
    fn after_item(
        &mut self,
        held: Held,
        serial: Option<SerialNumber>,
        count: Option<u32>,
    ) -> Result<Step, Refusal> {
        let line = self.current_line()?;
        if line.item.tracking.serial {
            let serials = serial.into_iter().collect();
            return self.serials_progress(held, serials);
        }
        if let Some(count) = count {
            let qty = base_qty(&held.unit, count)?;
            return self.pick(held, qty, vec![], None);
        }
        self.stage = Stage::Quantity(held);
        Ok(Step::ok(self.prompt(), Feedback::good(), vec![]))
    }

    fn serials_progress(
        &mut self,
        held: Held,
        serials: Vec<SerialNumber>,
    ) -> Result<Step, Refusal> {
        let remaining = self.current_line()?.remaining();
        if serials.len() as i64 >= remaining.units() {
            let qty = Qty::new(serials.len() as i64)?;
            return self.pick(held, qty, serials, None);
        }
        self.stage = Stage::Serials { held, serials };
        Ok(Step::ok(self.prompt(), Feedback::good(), vec![]))
    }

    fn pick(
        &mut self,
        held: Held,
        qty: Qty,
        serials: Vec<SerialNumber>,
        short: Option<ShortPick>,
    ) -> Result<Step, Refusal> {
        let Some((index, line)) = self.current() else {
            return refuse(text::task_empty(self.task.task.as_str()));
        };
        if qty > line.remaining() {
            return refuse(text::too_many(line.remaining(), qty));
        }
        let Some(tote) = self.tote.clone() else {
            return refuse(text::scan_tote());
        };
        let words = label(&line.item).words();
        let event = EventBody::Pick(Pick {
            task: Some(self.task.task.clone()),
            order: line
                .task_line
                .order
                .clone()
                .or_else(|| self.task.order.clone()),
            line: StockLine {
                item: line.item.sku.clone(),
                qty,
                lot: held.lot,
                expiry: held.expiry,
                serials,
            },
            from: line.task_line.location.clone(),
            to: tote,
            short: short.clone(),
            fefo_override: held.fefo_override,
        });
        let asked = line.task_line.qty;
        let line = &mut self.lines[index];
        line.picked = line.picked + qty;
        if short.is_some() {
            line.short = true;
        }
        let message = match &short {
            Some(_) => text::short_picked(line.picked, asked, &words),
            None => text::picked(qty, &words),
        };
        if line.is_done() {
            self.queue.remove(0);
            self.stage = if self.queue.is_empty() {
                Stage::Complete
            } else {
                Stage::Location
            };
        } else {
            self.stage = Stage::Item;
        }
        let step = Step::ok(self.prompt(), Feedback::good_with(message), vec![event]);
        Ok(if matches!(self.stage, Stage::Complete) {
            step.finished()
        } else {
            step
        })
    }

    fn short(&mut self, reason: &str) -> Result<Step, Refusal> {
        if reason.trim().is_empty() {
            return refuse(text::reason_required());
        }
        let remaining = self.current_line()?.remaining();
        let short = Some(ShortPick {
            expected: remaining,
            reason: reason.to_owned(),
        });
        match self.stage.clone() {
            Stage::Serials { held, serials } => {
                let qty = Qty::new(serials.len() as i64)?;
                self.pick(held, qty, serials, short)
            }
            _ => {
                let held = Held {
                    unit: UnitOfMeasure::each(),
                    lot: None,
                    expiry: None,
                    fefo_override: None,
                };
                self.pick(held, Qty::ZERO, vec![], short)
            }
        }
    }

    fn skip(&mut self) -> Result<Step, Refusal> {
        let words = label(&self.current_line()?.item).words();
        if self.queue.len() > 1 {
            let first = self.queue.remove(0);
            self.queue.push(first);
        }
        self.stage = Stage::Location;
        Ok(Step::ok(
            self.prompt(),
            Feedback::good_with(text::line_skipped(&words)),
            vec![],
        ))
    }
}
