//! Packing an order at a pack station: scan the order, the tote holding its picked stock,
//! then every item into the open carton, checked against the order (wrong item, too many);
//! close the carton with a new SSCC label and, when a scale value was entered, its weight.
//! The order is done when everything is packed, or closed short with what is missing.
//! Progress is the order's `pack` events; the open carton's scans are not facts yet and are
//! scanned again after a restart. Must not allocate SSCCs: a carton closes on a scanned,
//! pre-printed label, or on an SSCC the device allocated from its leased block
//! ([`Action::CloseWithSscc`]), which this job records as an `sscc_allocated` fact in the
//! same step as the carton's `pack` fact (the device then queues the carton label).

use chrono::NaiveDate;

use crate::barcode::check_digit::verify_mod10;
use crate::domain::{
    EventBody, LocationCode, LotCode, OrderNumber, Pack, Qty, SerialNumber, Sku, SsccAllocated,
    StockLine, StockStatus,
};

use super::common::{Refusal, base_qty, item_for, known_location, label, refuse, unexpected_scan};
use super::input::{Action, Input, Scanned};
use super::projections::{History, Projections};
use super::prompt::{Feedback, ItemLabel, Prompt};
use super::{JobSpec, Step, text};

#[derive(Debug, Clone)]
struct Ordered {
    item: ItemLabel,
    qty: Qty,
    packed: Qty,
}

#[derive(Debug, Clone)]
enum Stage {
    Order,
    Tote,
    Items,
    CartonLabel,
    Done,
}

/// An order being packed.
#[derive(Debug, Clone)]
pub struct PackJob {
    station: LocationCode,
    order: Option<OrderNumber>,
    tote: Option<LocationCode>,
    ordered: Vec<Ordered>,
    carton: Vec<StockLine>,
    weight_grams: Option<u32>,
    cartons: usize,
    used_labels: Vec<String>,
    stage: Stage,
}

impl PackJob {
    /// Opens packing at `station`; with an order (and tote), where its cartons left it.
    pub fn open(
        station: LocationCode,
        order: Option<OrderNumber>,
        tote: Option<LocationCode>,
        proj: &dyn Projections,
    ) -> Result<PackJob, Refusal> {
        known_location(proj, &station)?;
        let mut job = PackJob {
            station,
            order: None,
            tote: None,
            ordered: vec![],
            carton: vec![],
            weight_grams: None,
            cartons: 0,
            used_labels: vec![],
            stage: Stage::Order,
        };
        if let Some(order) = order {
            job.load(order, proj)?;
            if let Some(tote) = tote {
                job.tote = Some(tote);
                job.stage = if job.remaining().is_empty() {
                    Stage::Done
                } else {
                    Stage::Items
                };
            }
        }
        Ok(job)
    }

    fn load(&mut self, order: OrderNumber, proj: &dyn Projections) -> Result<(), Refusal> {
        let lines = proj.order_lines(&order)?;
        if lines.is_empty() {
            return refuse(text::unknown_order(order.as_str()));
        }
        let mut ordered = Vec::with_capacity(lines.len());
        for (sku, qty) in lines {
            let item = match proj.item_by_sku(&sku)? {
                Some(item) => label(&item),
                None => ItemLabel {
                    sku,
                    name: String::new(),
                },
            };
            ordered.push(Ordered {
                item,
                qty,
                packed: Qty::ZERO,
            });
        }
        let mut cartons = 0;
        let mut used_labels = Vec::new();
        for fact in proj.history(&History::PackedOrder(order.clone()))? {
            let EventBody::Pack(pack) = fact.body else {
                continue;
            };
            cartons += 1;
            used_labels.extend(pack.carton.clone());
            for line in pack.lines {
                if let Some(o) = ordered.iter_mut().find(|o| o.item.sku == line.item) {
                    o.packed = o.packed + line.qty;
                }
            }
        }
        self.order = Some(order);
        self.ordered = ordered;
        self.cartons = cartons;
        self.used_labels = used_labels;
        self.stage = Stage::Tote;
        Ok(())
    }

    /// The order being packed, once scanned.
    pub fn order(&self) -> Option<&OrderNumber> {
        self.order.as_ref()
    }

    /// Cartons of the order closed so far (on this device).
    pub fn cartons(&self) -> usize {
        self.cartons
    }

    pub fn spec(&self) -> JobSpec {
        JobSpec::Pack {
            station: self.station.clone(),
            order: self.order.clone(),
            tote: self.tote.clone(),
        }
    }

    fn order_number(&self) -> String {
        self.order
            .as_ref()
            .map_or_else(String::new, |o| o.to_string())
    }

    /// Why an empty carton cannot be closed: nothing left to pack, or what is.
    fn nothing_to_close(&self) -> String {
        let remaining = self.remaining_words();
        if remaining.is_empty() {
            text::empty_carton()
        } else {
            text::missing_items(&remaining)
        }
    }

    fn in_carton(&self, sku: &Sku) -> Qty {
        self.carton
            .iter()
            .filter(|l| &l.item == sku)
            .fold(Qty::ZERO, |sum, l| sum + l.qty)
    }

    /// What is still to pack, counting the open carton as packed.
    fn remaining(&self) -> Vec<(ItemLabel, Qty)> {
        self.ordered
            .iter()
            .filter_map(|o| {
                let left = o.qty - o.packed - self.in_carton(&o.item.sku);
                (!left.is_zero()).then(|| (o.item.clone(), left))
            })
            .collect()
    }

    fn remaining_words(&self) -> Vec<String> {
        self.remaining()
            .iter()
            .map(|(item, qty)| text::qty_of(*qty, &item.words()))
            .collect()
    }

    pub fn prompt(&self) -> Prompt {
        match &self.stage {
            Stage::Order => Prompt::ScanOrder,
            Stage::Tote => Prompt::ScanOrderTote {
                order: self.order_number(),
            },
            Stage::Items => Prompt::PackItems {
                order: self.order_number(),
                remaining: self.remaining(),
                in_carton: self.carton.iter().map(|l| l.qty.units()).sum(),
            },
            Stage::CartonLabel => Prompt::ScanCartonLabel {
                order: self.order_number(),
            },
            Stage::Done => Prompt::OrderPacked {
                order: self.order_number(),
                cartons: self.cartons,
            },
        }
    }

    pub(crate) fn handle(
        &mut self,
        input: &Input,
        proj: &dyn Projections,
    ) -> Result<Step, Refusal> {
        match (self.stage.clone(), input) {
            (Stage::Done, _) => refuse(text::job_finished()),
            (
                Stage::Order,
                Input::Scan {
                    scanned: Scanned::Document(doc),
                    ..
                },
            ) if doc.kind == crate::domain::DocumentKind::Order => {
                let order = OrderNumber::new(doc.number.clone())
                    .map_err(|_| Refusal(text::unknown_order(&doc.number)))?;
                self.load(order, proj)?;
                Ok(Step::ok(self.prompt(), Feedback::good(), vec![]))
            }
            (
                Stage::Order,
                Input::Scan {
                    scanned: Scanned::Location(code),
                    ..
                },
            ) => {
                // A tote scanned first: the order is the one this device picked into it.
                known_location(proj, code)?;
                let mut orders: Vec<OrderNumber> = Vec::new();
                for fact in proj.history(&History::PickedInto(code.clone()))? {
                    if let EventBody::Pick(pick) = fact.body
                        && let Some(order) = pick.order
                        && !orders.contains(&order)
                    {
                        orders.push(order);
                    }
                }
                let order = match orders.as_slice() {
                    [order] => order.clone(),
                    [] => return refuse(text::no_order_in(code)),
                    _ => return refuse(text::several_orders_in(code)),
                };
                self.load(order, proj)?;
                self.handle(input, proj)
            }
            (
                Stage::Tote,
                Input::Scan {
                    scanned: Scanned::Location(code),
                    ..
                },
            ) => {
                known_location(proj, code)?;
                let holds_order = proj.on_hand_at(code)?.iter().any(|r| {
                    r.status == StockStatus::Allocated
                        && r.qty > 0
                        && self.ordered.iter().any(|o| o.item.sku == r.item)
                });
                if !holds_order {
                    return refuse(text::nothing_picked_in(&self.order_number(), code));
                }
                self.tote = Some(code.clone());
                self.stage = if self.remaining().is_empty() {
                    Stage::Done
                } else {
                    Stage::Items
                };
                Ok(Step::ok(self.prompt(), Feedback::good(), vec![]))
            }
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
            ) => self.scan_item(proj, gtin, lot, *expiry, serial, *count),
            (Stage::Items | Stage::CartonLabel, Input::Action(Action::Weight { grams })) => {
                self.weight_grams = Some(*grams);
                Ok(Step::ok(
                    self.prompt(),
                    Feedback::good_with(text::weight_noted(*grams)),
                    vec![],
                ))
            }
            (Stage::Items, Input::Action(Action::Close)) => {
                if self.carton.is_empty() {
                    return refuse(self.nothing_to_close());
                }
                self.stage = Stage::CartonLabel;
                Ok(Step::ok(self.prompt(), Feedback::good(), vec![]))
            }
            (Stage::Items | Stage::CartonLabel, Input::Action(Action::CloseWithSscc { sscc })) => {
                if self.carton.is_empty() {
                    return refuse(self.nothing_to_close());
                }
                if sscc.len() != 18 || verify_mod10(sscc).is_err() {
                    return refuse(text::not_a_carton_label(sscc));
                }
                if self.used_labels.contains(sscc) {
                    return refuse(text::carton_label_used(sscc));
                }
                let allocated = EventBody::SsccAllocated(SsccAllocated {
                    sscc: sscc.clone(),
                    purpose: Some("carton".into()),
                    contents: vec![],
                    order: self.order.clone(),
                });
                let mut step = self.close_carton(sscc.clone())?;
                step.events.insert(0, allocated);
                Ok(step)
            }
            (Stage::Items, Input::Action(Action::ShortPick { reason }))
                if self.carton.is_empty() =>
            {
                if reason.trim().is_empty() {
                    return refuse(text::reason_required());
                }
                let message =
                    text::order_closed_short(&self.order_number(), &self.remaining_words());
                self.stage = Stage::Done;
                Ok(Step::ok(self.prompt(), Feedback::Warn { message }, vec![]).finished())
            }
            (
                Stage::CartonLabel,
                Input::Scan {
                    scanned: Scanned::Pallet { sscc },
                    ..
                },
            ) => {
                if sscc.len() != 18 || verify_mod10(sscc).is_err() {
                    return refuse(text::not_a_carton_label(sscc));
                }
                if self.used_labels.contains(sscc) {
                    return refuse(text::carton_label_used(sscc));
                }
                self.close_carton(sscc.clone())
            }
            (
                Stage::CartonLabel,
                Input::Scan {
                    scanned: Scanned::Unknown { data, .. },
                    ..
                },
            ) => refuse(text::not_a_carton_label(data)),
            (_, Input::Scan { scanned, .. }) => {
                Err(unexpected_scan(scanned, proj, &self.prompt().text()))
            }
            (_, Input::Action(_)) => refuse(text::not_now()),
        }
    }

    fn scan_item(
        &mut self,
        proj: &dyn Projections,
        gtin: &crate::domain::Gtin,
        lot: &Option<LotCode>,
        expiry: Option<NaiveDate>,
        serial: &Option<SerialNumber>,
        count: Option<u32>,
    ) -> Result<Step, Refusal> {
        let (item, unit) = item_for(proj, gtin)?;
        let words = label(&item).words();
        let Some(ordered) = self.ordered.iter().find(|o| o.item.sku == item.sku) else {
            return refuse(text::not_on_order(&words, &self.order_number()));
        };
        let qty = base_qty(&unit, count.unwrap_or(1))?;
        if ordered.packed + self.in_carton(&item.sku) + qty > ordered.qty {
            return refuse(text::too_many_packed(
                &words,
                &self.order_number(),
                ordered.qty,
            ));
        }
        if item.tracking.lot && lot.is_none() {
            return refuse(text::lot_required(&words));
        }
        let serials: Vec<SerialNumber> = if item.tracking.serial {
            let Some(serial) = serial else {
                return refuse(text::serial_required(&words));
            };
            if qty.units() != 1 {
                return refuse(text::scan_serials_not_quantity(&words));
            }
            if self.carton.iter().any(|l| l.serials.contains(serial)) {
                return refuse(text::serial_twice(serial));
            }
            vec![serial.clone()]
        } else {
            vec![]
        };
        match self.carton.iter_mut().find(|l| {
            l.item == item.sku && &l.lot == lot && (serials.is_empty() == l.serials.is_empty())
        }) {
            Some(line) => {
                line.qty = line.qty + qty;
                line.serials.extend(serials);
                if line.expiry.is_none() {
                    line.expiry = expiry;
                }
            }
            None => self.carton.push(StockLine {
                item: item.sku.clone(),
                qty,
                lot: lot.clone(),
                expiry,
                serials,
            }),
        }
        Ok(Step::ok(self.prompt(), Feedback::good(), vec![]))
    }

    fn close_carton(&mut self, sscc: String) -> Result<Step, Refusal> {
        let (Some(order), Some(tote)) = (self.order.clone(), self.tote.clone()) else {
            return refuse(text::scan_order());
        };
        let lines = std::mem::take(&mut self.carton);
        let units: i64 = lines.iter().map(|l| l.qty.units()).sum();
        for line in &lines {
            if let Some(o) = self.ordered.iter_mut().find(|o| o.item.sku == line.item) {
                o.packed = o.packed + line.qty;
            }
        }
        let event = EventBody::Pack(Pack {
            order,
            carton: Some(sscc.clone()),
            lines,
            from: tote,
            to: self.station.clone(),
            weight_grams: self.weight_grams.take(),
        });
        self.cartons += 1;
        self.used_labels.push(sscc.clone());
        let finished = self.remaining().is_empty();
        self.stage = if finished { Stage::Done } else { Stage::Items };
        let step = Step::ok(
            self.prompt(),
            Feedback::good_with(text::carton_closed(&sscc, units)),
            vec![event],
        );
        Ok(if finished { step.finished() } else { step })
    }
}
