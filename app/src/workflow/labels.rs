//! Which labels a workflow step calls for, decided from its facts: packing closes a carton
//! with an SSCC → a carton label (GTIN + count when the carton holds one item, else the
//! SSCC with the order); goods received without a GTIN scan (an unlabelled carton, keyed
//! in) → an item label for each unit kind. Pure: the caller queues what this returns
//! (`label::queue::enqueue_requests` on the device).

use crate::domain::{EventBody, Item, StockLine};
use crate::label::{
    CartonLabel, Dpi, ItemLabel, LabelError, LabelKind, PalletLabel, Stock, Template,
};

use super::projections::{ProjectionError, Projections};

/// A label a step asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabelRequest {
    Carton(CartonLabel),
    /// A carton of mixed items: its SSCC and the order.
    Logistic(PalletLabel),
    Item(ItemLabel),
}

impl LabelRequest {
    pub fn kind(&self) -> LabelKind {
        match self {
            LabelRequest::Carton(_) => LabelKind::Carton,
            LabelRequest::Logistic(_) => LabelKind::Sscc,
            LabelRequest::Item(_) => LabelKind::Item,
        }
    }

    pub fn layout(&self, stock: Stock, dpi: Dpi) -> Result<Template, LabelError> {
        match self {
            LabelRequest::Carton(l) => l.layout(stock, dpi),
            LabelRequest::Logistic(l) => l.layout(stock, dpi),
            LabelRequest::Item(l) => l.layout(stock, dpi),
        }
    }
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
    let mut out = Vec::new();
    for event in events {
        match event {
            EventBody::Pack(pack) => {
                let Some(sscc) = &pack.carton else { continue };
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

    fn pack(lines: Vec<StockLine>) -> EventBody {
        EventBody::Pack(Pack {
            order: OrderNumber::new("SO-1").unwrap(),
            carton: Some("095060001000000029".into()),
            lines,
            from: loc("PACK-1"),
            to: loc("SHIP-1"),
            weight_grams: None,
        })
    }

    #[test]
    fn a_closed_carton_of_one_item_gets_a_carton_label_and_a_mixed_one_its_sscc() {
        let fake = world();
        let labels = labels_for(&[pack(vec![line("2001", 6, Some("L1"))])], &fake).unwrap();
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
            &[pack(vec![line("1002", 2, None), line("1003", 1, None)])],
            &fake,
        )
        .unwrap();
        assert!(
            matches!(&mixed[..], [LabelRequest::Logistic(l)] if l.ship_to == ["ORDER SO-1"]),
            "{mixed:?}"
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
