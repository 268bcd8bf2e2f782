//! The stock effects of an event: which balances it moves, by how much.
//!
//! One definition used by the device's on-hand projection and by the server's ledger, so
//! the two can never disagree on what a pick or a move does.

use serde::{Deserialize, Serialize};

use super::{EventBody, LocationCode, LotCode, Sku, StockLine, StockStatus};

/// One signed change to one balance.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct StockEffect {
    pub item: Sku,
    pub location: LocationCode,
    pub lot: Option<LotCode>,
    pub status: StockStatus,
    pub delta: i64,
}

fn effect(
    line: &StockLine,
    location: &LocationCode,
    status: StockStatus,
    sign: i64,
) -> StockEffect {
    StockEffect {
        item: line.item.clone(),
        location: location.clone(),
        lot: line.lot.clone(),
        status,
        delta: sign * line.qty.units(),
    }
}

impl EventBody {
    /// The balances this fact changes. Counts change nothing by themselves (the server turns
    /// their variance into an adjustment); closing a receipt moves no stock.
    pub fn stock_effects(&self) -> Vec<StockEffect> {
        let mut out = Vec::with_capacity(2);
        match self {
            EventBody::Receive(r) => out.push(effect(&r.line, &r.to, r.status, 1)),
            EventBody::Putaway(p) => {
                out.push(effect(&p.line, &p.from, p.status, -1));
                out.push(effect(&p.line, &p.to, p.status, 1));
            }
            EventBody::Move(m) => {
                out.push(effect(&m.line, &m.from, m.status, -1));
                out.push(effect(&m.line, &m.to, m.status, 1));
            }
            EventBody::Pick(p) => {
                if !p.line.qty.is_zero() {
                    out.push(effect(&p.line, &p.from, StockStatus::Available, -1));
                    out.push(effect(&p.line, &p.to, StockStatus::Allocated, 1));
                }
            }
            EventBody::Pack(p) => {
                for line in &p.lines {
                    out.push(effect(line, &p.from, StockStatus::Allocated, -1));
                    out.push(effect(line, &p.to, StockStatus::Allocated, 1));
                }
            }
            EventBody::Ship(s) => {
                for line in &s.lines {
                    out.push(effect(line, &s.from, StockStatus::Allocated, -1));
                }
            }
            EventBody::Count(_) | EventBody::ReceiptClosed(_) | EventBody::SsccAllocated(_) => {}
            EventBody::Adjust(a) => out.push(StockEffect {
                item: a.item.clone(),
                location: a.location.clone(),
                lot: a.lot.clone(),
                status: a.status,
                delta: a.delta,
            }),
            EventBody::StatusChange(s) => {
                out.push(effect(&s.line, &s.location, s.from_status, -1));
                out.push(effect(&s.line, &s.location, s.to_status, 1));
            }
            EventBody::QualityDecision(q) => {
                let to = q.decision.resulting_status();
                if to != q.from_status {
                    out.push(effect(&q.line, &q.location, q.from_status, -1));
                    out.push(effect(&q.line, &q.location, to, 1));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Move, Pick, Qty};

    fn line(qty: i64) -> StockLine {
        StockLine {
            item: Sku::new("1002").unwrap(),
            qty: Qty::new(qty).unwrap(),
            lot: None,
            expiry: None,
            serials: vec![],
        }
    }

    #[test]
    fn moves_and_picks_conserve_units() {
        let a = LocationCode::new("A-1").unwrap();
        let b = LocationCode::new("TOTE-1").unwrap();
        let bodies = [
            EventBody::Move(Move {
                line: line(3),
                from: a.clone(),
                to: b.clone(),
                status: StockStatus::Available,
            }),
            EventBody::Pick(Pick {
                task: None,
                order: None,
                line: line(2),
                from: a.clone(),
                to: b.clone(),
                short: None,
                fefo_override: None,
            }),
        ];
        for body in bodies {
            let effects = body.stock_effects();
            assert_eq!(effects.iter().map(|e| e.delta).sum::<i64>(), 0, "{body:?}");
            assert_eq!(effects[0].location, a);
        }
        let pick = EventBody::Pick(Pick {
            task: None,
            order: None,
            line: line(2),
            from: a,
            to: b,
            short: None,
            fefo_override: None,
        });
        let effects = pick.stock_effects();
        assert_eq!(
            (effects[0].status, effects[0].delta),
            (StockStatus::Available, -2)
        );
        assert_eq!(
            (effects[1].status, effects[1].delta),
            (StockStatus::Allocated, 2)
        );
    }
}
