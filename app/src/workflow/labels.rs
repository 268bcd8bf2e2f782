//! Which labels a workflow step calls for, decided from its facts: packing closes a carton
//! with an SSCC the device allocated in the same step → a carton label (GTIN + count when
//! the carton holds one item, else the SSCC with the order; a carton closed on a scanned,
//! pre-printed label gets none); a pallet SSCC allocated for packed cartons → the pallet's
//! SSCC label (content and count when the cartons hold one item, lot and expiry when
//! common); goods received without a GTIN scan (an unlabelled carton, keyed in) → an item
//! label. A bin label is asked for by hand ([`bin_label`]). Pure: the caller queues what
//! this returns (`label::queue` on the device), with the facts when it can.

use crate::domain::{EventBody, Item, Location, OrderNumber, SsccAllocated, StockLine};
use crate::label::{
    BinLabel, CartonLabel, Dpi, ItemLabel, LabelError, LabelKind, PalletLabel, Stock, Template,
};

use super::projections::{ProjectionError, Projections};

/// A label a step asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabelRequest {
    Carton(CartonLabel),
    /// A pallet, or a carton of mixed items: its SSCC and what is known of its content.
    Logistic(PalletLabel),
    Item(ItemLabel),
    Bin(BinLabel),
}

impl LabelRequest {
    pub fn kind(&self) -> LabelKind {
        match self {
            LabelRequest::Carton(_) => LabelKind::Carton,
            LabelRequest::Logistic(_) => LabelKind::Sscc,
            LabelRequest::Item(_) => LabelKind::Item,
            LabelRequest::Bin(_) => LabelKind::Bin,
        }
    }

    pub fn layout(&self, stock: Stock, dpi: Dpi) -> Result<Template, LabelError> {
        match self {
            LabelRequest::Carton(l) => l.layout(stock, dpi),
            LabelRequest::Logistic(l) => l.layout(stock, dpi),
            LabelRequest::Item(l) => l.layout(stock, dpi),
            LabelRequest::Bin(l) => l.layout(stock, dpi),
        }
    }

    /// The label's data as JSON, the form `label::layout_json` reads (kept with the print
    /// job for the preview and for reprints).
    pub fn data_json(&self) -> String {
        let value = match self {
            LabelRequest::Carton(l) => serde_json::to_string(l),
            LabelRequest::Logistic(l) => serde_json::to_string(l),
            LabelRequest::Item(l) => serde_json::to_string(l),
            LabelRequest::Bin(l) => serde_json::to_string(l),
        };
        // Plain structs of strings and numbers: serialising cannot fail.
        value.unwrap_or_default()
    }
}

/// The shelf label of a location (warehouse › zone › aisle › rack › shelf › bin).
pub fn bin_label(location: &Location) -> LabelRequest {
    LabelRequest::Bin(BinLabel {
        code: location.code.as_str().to_owned(),
        warehouse: location.warehouse.as_str().to_owned(),
        path: location.path.clone(),
    })
}

/// Why no pallet can be built for an order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PalletError {
    #[error("Order {0} has no closed cartons on this device yet: close a carton first")]
    NoCartons(String),
    #[error(
        "Every closed carton of order {order} is on a pallet already ({pallets}): close another carton to build a new pallet"
    )]
    AllOnPallets { order: String, pallets: String },
    #[error(transparent)]
    Projection(#[from] ProjectionError),
}

/// An order of this device with closed cartons that are on no pallet yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderToPalletise {
    pub order: OrderNumber,
    /// The SSCCs of its cartons not on a pallet, in the order they were closed.
    pub cartons: Vec<String>,
}

/// Every order with closed cartons (with an SSCC) not on a pallet yet, the order whose
/// carton closed last first. `facts` are the device's `pack` and `sscc_allocated` events in
/// journal order (`Journal::cartons_and_pallets`): derived from what was recorded, so it
/// is the same after a restart.
pub fn orders_to_palletise(facts: &[EventBody]) -> Vec<OrderToPalletise> {
    let on_pallet = on_pallets(facts);
    let mut out: Vec<OrderToPalletise> = Vec::new();
    for fact in facts {
        let EventBody::Pack(pack) = fact else {
            continue;
        };
        let Some(carton) = pack.carton.as_ref().filter(|c| !on_pallet.contains(c)) else {
            continue;
        };
        // Newest first: an order moves to the front when another of its cartons closes.
        let mut entry = match out.iter().position(|o| o.order == pack.order) {
            Some(at) => out.remove(at),
            None => OrderToPalletise {
                order: pack.order.clone(),
                cartons: vec![],
            },
        };
        if !entry.cartons.contains(carton) {
            entry.cartons.push(carton.clone());
        }
        out.insert(0, entry);
    }
    out
}

/// The carton SSCCs already on a pallet.
fn on_pallets(facts: &[EventBody]) -> Vec<&String> {
    facts
        .iter()
        .filter_map(|fact| match fact {
            EventBody::SsccAllocated(a) if a.purpose.as_deref() == Some("pallet") => {
                Some(a.contents.iter())
            }
            _ => None,
        })
        .flatten()
        .collect()
}

/// The fact of building a pallet of `order`'s closed cartons that are on no pallet yet,
/// under the new pallet SSCC `sscc` (allocated by the device): an `sscc_allocated` event
/// listing the cartons. `facts` as for [`orders_to_palletise`].
pub fn pallet_of(
    order: &OrderNumber,
    sscc: &str,
    facts: &[EventBody],
) -> Result<EventBody, PalletError> {
    if let Some(open) = orders_to_palletise(facts)
        .into_iter()
        .find(|o| &o.order == order)
    {
        return Ok(EventBody::SsccAllocated(SsccAllocated {
            sscc: sscc.to_owned(),
            purpose: Some("pallet".into()),
            contents: open.cartons,
            order: Some(order.clone()),
        }));
    }
    let cartons: Vec<&String> = facts
        .iter()
        .filter_map(|fact| match fact {
            EventBody::Pack(p) if &p.order == order => p.carton.as_ref(),
            _ => None,
        })
        .collect();
    if cartons.is_empty() {
        return Err(PalletError::NoCartons(order.as_str().to_owned()));
    }
    let mut pallets: Vec<&str> = Vec::new();
    for fact in facts {
        if let EventBody::SsccAllocated(a) = fact
            && a.purpose.as_deref() == Some("pallet")
            && a.contents.iter().any(|c| cartons.contains(&c))
            && !pallets.contains(&a.sscc.as_str())
        {
            pallets.push(&a.sscc);
        }
    }
    Err(PalletError::AllOnPallets {
        order: order.as_str().to_owned(),
        pallets: match pallets.as_slice() {
            [one] => format!("pallet {one}"),
            many => format!("pallets {}", many.join(", ")),
        },
    })
}

/// A packed carton: its SSCC (if it had one) and what is in it.
type PackedCarton = (Option<String>, Vec<StockLine>);

/// The order's packed cartons.
fn packs_of(
    order: &OrderNumber,
    proj: &dyn Projections,
) -> Result<Vec<PackedCarton>, ProjectionError> {
    Ok(proj
        .history(&super::History::PackedOrder(order.clone()))?
        .into_iter()
        .filter_map(|fact| match fact.body {
            EventBody::Pack(pack) => Some((pack.carton, pack.lines)),
            _ => None,
        })
        .collect())
}

/// The value every element shares, if they all have the same one.
fn common<T: PartialEq + Clone>(mut values: impl Iterator<Item = T>) -> Option<T> {
    let first = values.next()?;
    values.all(|v| v == first).then_some(first)
}

fn pallet_label(
    allocated: &SsccAllocated,
    proj: &dyn Projections,
) -> Result<PalletLabel, ProjectionError> {
    let mut label = PalletLabel {
        sscc: allocated.sscc.clone(),
        ship_to: allocated
            .order
            .iter()
            .map(|o| format!("ORDER {}", o.as_str()))
            .collect(),
        ..PalletLabel::default()
    };
    let Some(order) = &allocated.order else {
        return Ok(label);
    };
    let lines: Vec<StockLine> = packs_of(order, proj)?
        .into_iter()
        .filter(|(carton, _)| {
            carton
                .as_ref()
                .is_some_and(|c| allocated.contents.contains(c))
        })
        .flat_map(|(_, lines)| lines)
        .collect();
    if let Some(sku) = common(lines.iter().map(|l| l.item.clone()))
        && let Some(item) = proj.item_by_sku(&sku)?
        && let Some(gtin) = gtin_of(&item)
    {
        label.content = Some(gtin);
        label.count = u32::try_from(lines.iter().map(|l| l.qty.units()).sum::<i64>()).ok();
        label.lot = common(lines.iter().map(|l| l.lot.clone()))
            .flatten()
            .map(|l| l.as_str().to_owned());
        label.expiry = common(lines.iter().map(|l| l.expiry))
            .flatten()
            .map(|d| d.format("%y%m%d").to_string());
    }
    Ok(label)
}

fn gtin_of(item: &Item) -> Option<String> {
    item.gtins.first().map(|g| g.as_str().to_owned())
}

fn lot_and_expiry(line: &StockLine) -> (Option<String>, Option<String>) {
    (
        line.lot.as_ref().map(|l| l.as_str().to_owned()),
        line.expiry.map(|d| d.format("%y%m%d").to_string()),
    )
}

/// The labels `events` (one step's facts) call for.
pub fn labels_for(
    events: &[EventBody],
    proj: &dyn Projections,
) -> Result<Vec<LabelRequest>, ProjectionError> {
    let allocated_here = |sscc: &String| {
        events.iter().any(|e| {
            matches!(e, EventBody::SsccAllocated(a) if &a.sscc == sscc && a.contents.is_empty())
        })
    };
    let mut out = Vec::new();
    for event in events {
        match event {
            EventBody::SsccAllocated(allocated)
                if allocated.purpose.as_deref() == Some("pallet") =>
            {
                out.push(LabelRequest::Logistic(pallet_label(allocated, proj)?));
            }
            EventBody::Pack(pack) => {
                let Some(sscc) = pack.carton.as_ref().filter(|s| allocated_here(s)) else {
                    continue;
                };
                let single = match pack.lines.as_slice() {
                    [line] => proj
                        .item_by_sku(&line.item)?
                        .and_then(|item| Some((gtin_of(&item)?, item, line))),
                    _ => None,
                };
                match single {
                    Some((gtin, item, line)) => {
                        let (lot, expiry) = lot_and_expiry(line);
                        out.push(LabelRequest::Carton(CartonLabel {
                            gtin,
                            count: u32::try_from(line.qty.units()).ok(),
                            lot,
                            expiry,
                            sscc: Some(sscc.clone()),
                            order: Some(pack.order.as_str().to_owned()),
                            description: Some(item.name),
                            ..CartonLabel::default()
                        }));
                    }
                    None => out.push(LabelRequest::Logistic(PalletLabel {
                        sscc: sscc.clone(),
                        ship_to: vec![format!("ORDER {}", pack.order.as_str())],
                        ..PalletLabel::default()
                    })),
                }
            }
            EventBody::Receive(receive) if receive.gtin.is_none() && receive.sscc.is_none() => {
                let Some(item) = proj.item_by_sku(&receive.line.item)? else {
                    continue;
                };
                let Some(gtin) = gtin_of(&item) else { continue };
                let (lot, expiry) = lot_and_expiry(&receive.line);
                out.push(LabelRequest::Item(ItemLabel {
                    gtin,
                    lot,
                    expiry,
                    description: Some(item.name.clone()),
                    sku: Some(item.sku.as_str().to_owned()),
                    ..ItemLabel::default()
                }));
            }
            _ => {}
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::tests::{loc, lot, qty, sku, world};
    use super::*;
    use crate::domain::{OrderNumber, Pack, Receive, StockStatus};

    fn line(item: &str, n: i64, lot_: Option<&str>) -> StockLine {
        StockLine {
            item: sku(item),
            qty: qty(n),
            lot: lot_.map(lot),
            expiry: lot_.map(|_| chrono::NaiveDate::from_ymd_opt(2027, 12, 31).unwrap()),
            serials: vec![],
        }
    }

    fn allocated(sscc: &str) -> EventBody {
        EventBody::SsccAllocated(SsccAllocated {
            sscc: sscc.into(),
            purpose: Some("carton".into()),
            contents: vec![],
            order: None,
        })
    }

    fn pack(lines: Vec<StockLine>) -> EventBody {
        pack_in("095060001000000029", lines)
    }

    fn pack_in(sscc: &str, lines: Vec<StockLine>) -> EventBody {
        EventBody::Pack(Pack {
            order: OrderNumber::new("SO-1").unwrap(),
            carton: Some(sscc.into()),
            lines,
            from: loc("PACK-1"),
            to: loc("SHIP-1"),
            weight_grams: None,
        })
    }

    #[test]
    fn a_closed_carton_of_one_item_gets_a_carton_label_and_a_mixed_one_its_sscc() {
        let fake = world();
        let sscc = "095060001000000029";
        let one = pack(vec![line("2001", 6, Some("L1"))]);
        // Closed on a scanned, pre-printed label: that label is on the carton already.
        assert!(
            labels_for(std::slice::from_ref(&one), &fake)
                .unwrap()
                .is_empty()
        );
        let labels = labels_for(&[allocated(sscc), one], &fake).unwrap();
        let [LabelRequest::Carton(carton)] = labels.as_slice() else {
            panic!("{labels:?}")
        };
        assert_eq!(carton.count, Some(6));
        assert_eq!(carton.expiry.as_deref(), Some("271231"));
        let t = labels[0].layout(Stock::FOUR_BY_TWO, Dpi::D203).unwrap();
        let hri: Vec<_> = t.symbols().into_iter().map(|s| s.human_readable).collect();
        assert!(
            hri.last().unwrap().starts_with("(00)095060001000000029"),
            "{hri:?}"
        );

        let mixed = labels_for(
            &[
                allocated(sscc),
                pack(vec![line("1002", 2, None), line("1003", 1, None)]),
            ],
            &fake,
        )
        .unwrap();
        assert!(
            matches!(&mixed[..], [LabelRequest::Logistic(l)] if l.ship_to == ["ORDER SO-1"]),
            "{mixed:?}"
        );
    }

    #[test]
    fn a_pallet_of_cartons_gets_its_sscc_label_with_the_common_content() {
        let mut fake = world();
        let order = OrderNumber::new("SO-1").unwrap();
        assert_eq!(
            pallet_of(&order, "095060001000000036", &[]),
            Err(PalletError::NoCartons("SO-1".into()))
        );
        let packs = [
            pack_in("095060001000000029", vec![line("2001", 6, Some("L1"))]),
            pack_in("095060001000000043", vec![line("2001", 4, Some("L1"))]),
        ];
        fake.record(&packs);
        let event = pallet_of(&order, "095060001000000036", &packs).unwrap();
        let EventBody::SsccAllocated(a) = &event else {
            panic!("{event:?}")
        };
        assert_eq!(a.contents, ["095060001000000029", "095060001000000043"]);
        event.validate().unwrap();
        let labels = labels_for(std::slice::from_ref(&event), &fake).unwrap();
        let [LabelRequest::Logistic(pallet)] = labels.as_slice() else {
            panic!("{labels:?}")
        };
        let gtin = fake
            .items
            .iter()
            .find(|i| i.sku.as_str() == "2001")
            .unwrap()
            .gtins[0]
            .clone();
        assert_eq!(pallet.content.as_deref(), Some(gtin.as_str()));
        assert_eq!(
            (
                pallet.count,
                pallet.lot.as_deref(),
                pallet.expiry.as_deref()
            ),
            (Some(10), Some("L1"), Some("271231"))
        );
        assert_eq!(pallet.ship_to, ["ORDER SO-1"]);
        let t = labels[0].layout(Stock::FOUR_BY_SIX, Dpi::D203).unwrap();
        let hri: Vec<_> = t.symbols().into_iter().map(|s| s.human_readable).collect();
        assert_eq!(hri.last().unwrap(), "(00)095060001000000036");

        // A carton closed later goes on a new pallet alone: its own content, not the first
        // pallet's.
        let mixed = pack_in("095060001000000050", vec![line("1002", 1, None)]);
        fake.record(std::slice::from_ref(&mixed));
        let facts = [packs[0].clone(), packs[1].clone(), event, mixed];
        let second = pallet_of(&order, "095060001000000067", &facts).unwrap();
        assert!(
            matches!(&second, EventBody::SsccAllocated(a) if a.contents == ["095060001000000050"]),
            "{second:?}"
        );
        let labels = labels_for(std::slice::from_ref(&second), &fake).unwrap();
        assert!(
            matches!(&labels[..], [LabelRequest::Logistic(l)]
                if l.content.as_deref() != Some(gtin.as_str()) && l.count == Some(1) && l.lot.is_none()),
            "{labels:?}"
        );
    }

    #[test]
    fn every_order_with_cartons_off_a_pallet_is_offered_and_a_palletised_one_refused() {
        let order = |n: &str| OrderNumber::new(n).unwrap();
        let packed = |o: &str, sscc: &str| {
            EventBody::Pack(Pack {
                order: order(o),
                carton: Some(sscc.into()),
                lines: vec![line("2001", 1, None)],
                from: loc("PACK-1"),
                to: loc("SHIP-1"),
                weight_grams: None,
            })
        };
        let mut facts = vec![
            packed("A", "095060001000000029"),
            packed("B", "095060001000000043"),
            packed("A", "095060001000000050"),
        ];
        let offered = orders_to_palletise(&facts);
        assert_eq!(
            offered,
            [
                OrderToPalletise {
                    order: order("A"),
                    cartons: vec!["095060001000000029".into(), "095060001000000050".into()],
                },
                OrderToPalletise {
                    order: order("B"),
                    cartons: vec!["095060001000000043".into()],
                },
            ],
            "the order whose carton closed last first"
        );
        let pallet_a = pallet_of(&order("A"), "095060001000000067", &facts).unwrap();
        facts.push(pallet_a);
        assert_eq!(
            orders_to_palletise(&facts)
                .iter()
                .map(|o| o.order.as_str())
                .collect::<Vec<_>>(),
            ["B"]
        );
        let refused = pallet_of(&order("A"), "095060001000000074", &facts).unwrap_err();
        assert_eq!(
            refused.to_string(),
            "Every closed carton of order A is on a pallet already (pallet 095060001000000067): \
             close another carton to build a new pallet"
        );
        assert_eq!(
            pallet_of(&order("C"), "095060001000000074", &facts).unwrap_err(),
            PalletError::NoCartons("C".into())
        );
    }

    #[test]
    fn goods_received_without_a_gtin_scan_get_item_labels() {
        let fake = world();
        let receive = |gtin: Option<crate::domain::Gtin>| {
            EventBody::Receive(Receive {
                document: None,
                line: line("2001", 12, Some("L7")),
                to: loc("DOCK-1"),
                status: StockStatus::Available,
                gtin,
                pack: None,
                sscc: None,
            })
        };
        let labels = labels_for(&[receive(None)], &fake).unwrap();
        let [LabelRequest::Item(item)] = labels.as_slice() else {
            panic!("{labels:?}")
        };
        assert_eq!(
            (item.lot.as_deref(), item.sku.as_deref()),
            (Some("L7"), Some("2001"))
        );
        // Scanned from its own GS1 label: nothing to print.
        let scanned = fake.items[2].gtins[0].clone();
        assert!(
            labels_for(&[receive(Some(scanned))], &fake)
                .unwrap()
                .is_empty()
        );
    }
}
