//! One simulated device's shift: a stream of realistic operations chosen from what the
//! device itself knows, with a stretch offline in the middle.

use std::time::Duration;

use super::{SimCatalog, SimConfig, SimError};
use crate::domain::{
    CountRecord, EventBody, LocationCode, Move, OperatorId, Pick, Putaway, Qty, Receive, Ship,
    StockLine, StockStatus,
};
use crate::journal::{EventDraft, Journal};
use crate::sync::round::RoundOptions;
use crate::sync::{SyncClient, sync_round};

/// Everything one device needs to work its shift.
#[derive(Debug, Clone)]
pub struct ShiftPlan {
    pub device: usize,
    pub events: usize,
    pub offline_from: usize,
    pub offline_until: usize,
    pub sync_every: usize,
    pub batch_size: usize,
    pub shift_start: chrono::DateTime<chrono::Utc>,
    pub shift: chrono::Duration,
    pub seed: u64,
    pub catalog: SimCatalog,
}

impl ShiftPlan {
    pub fn for_device(config: &SimConfig, device: usize, catalog: &SimCatalog) -> Self {
        let events = config.events_per_device;
        let offline = (events as f64 * config.offline_fraction.clamp(0.0, 1.0)).round() as usize;
        let offline_from = (events - offline) / 2;
        Self {
            device,
            events,
            offline_from,
            offline_until: offline_from + offline,
            sync_every: config.sync_every.max(1),
            batch_size: config.batch_size,
            shift_start: config.shift_start,
            shift: config.shift,
            seed: config
                .seed
                .wrapping_mul(0x9E37_79B9_7F4A_7C15)
                .wrapping_add(device as u64 + 1),
            catalog: catalog.clone(),
        }
    }
}

/// xorshift64*: small, seeded, good enough to choose operations.
struct SimRng(u64);

impl SimRng {
    fn below(&mut self, bound: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % bound.max(1)
    }
}

fn qty(units: i64) -> Qty {
    Qty::new(units).unwrap_or(Qty::ZERO)
}

fn line(item: &crate::domain::Sku, units: i64) -> StockLine {
    StockLine {
        item: item.clone(),
        qty: qty(units),
        lot: None,
        expiry: None,
        serials: vec![],
    }
}

/// Works the shift and returns the journal and how many in-shift syncs failed.
pub async fn run_shift(mut journal: Journal, plan: ShiftPlan) -> Result<(Journal, u64), SimError> {
    let mut rng = SimRng(plan.seed | 1);
    let operator = OperatorId::new(format!("sim-{}", plan.device))
        .map_err(crate::journal::JournalError::from)?;
    let tote = SimCatalog::tote(plan.device);
    let client = match journal.credentials()? {
        Some((url, token)) => Some(SyncClient::new(&url, &token, Duration::from_secs(30))?),
        None => None,
    };
    let options = RoundOptions {
        batch_size: plan.batch_size,
        ..RoundOptions::default()
    };
    let mut recorded = 0usize;
    let mut since_sync = 0usize;
    let mut errors = 0u64;
    while recorded < plan.events {
        let at = plan.shift_start
            + chrono::Duration::milliseconds(
                (plan.shift.num_milliseconds() as f64 * recorded as f64 / plan.events as f64)
                    as i64,
            );
        let bodies = next_operation(&journal, &plan, &mut rng, &tote)?;
        let drafts: Vec<EventDraft> = bodies
            .into_iter()
            .map(|body| EventDraft {
                operator: operator.clone(),
                occurred_at: Some(at),
                scan: None,
                body,
            })
            .collect();
        recorded += drafts.len();
        since_sync += drafts.len();
        journal.record_batch(drafts)?;

        // Offline from just after `offline_from` events through `offline_until`: a fully
        // offline shift never syncs, not even after its last event.
        let offline = recorded > plan.offline_from && recorded <= plan.offline_until;
        if !offline && since_sync >= plan.sync_every {
            since_sync = 0;
            if let Some(client) = &client
                && sync_round(&mut journal, client, options).await.is_err()
            {
                errors += 1;
            }
        }
    }
    Ok((journal, errors))
}

/// Chooses one operation from what this device believes is where.
fn next_operation(
    journal: &Journal,
    plan: &ShiftPlan,
    rng: &mut SimRng,
    tote: &LocationCode,
) -> Result<Vec<EventBody>, SimError> {
    let catalog = &plan.catalog;
    let bin = &catalog.bins[rng.below(catalog.bins.len())];
    let roll = rng.below(100);
    if roll < 65 {
        let stock = journal.on_hand_at(bin)?;
        let available: Vec<_> = stock
            .iter()
            .filter(|r| r.status == StockStatus::Available && r.qty > 0)
            .collect();
        if let Some(row) = available.get(rng.below(available.len().max(1))) {
            let take = (1 + rng.below(3) as i64).min(row.qty);
            return Ok(vec![match roll {
                0..=39 => EventBody::Pick(Pick {
                    task: None,
                    order: None,
                    line: line(&row.item, take),
                    from: bin.clone(),
                    to: tote.clone(),
                    short: None,
                    fefo_override: None,
                }),
                40..=49 => {
                    let mut to = &catalog.bins[rng.below(catalog.bins.len())];
                    if to == bin {
                        to = &catalog.dock;
                    }
                    EventBody::Move(Move {
                        line: line(&row.item, take),
                        from: bin.clone(),
                        to: to.clone(),
                        status: StockStatus::Available,
                    })
                }
                _ => EventBody::Count(CountRecord {
                    location: bin.clone(),
                    item: row.item.clone(),
                    lot: None,
                    counted: qty(row.qty),
                    status: StockStatus::Available,
                    serials: vec![],
                    cursor: journal.pull_cursor()?,
                    recount_of: None,
                }),
            }]);
        }
    }
    if roll < 75 {
        // Ship what this device has picked.
        let picked: Vec<_> = journal
            .on_hand_at(tote)?
            .into_iter()
            .filter(|r| r.status == StockStatus::Allocated && r.qty > 0)
            .collect();
        if let Some(row) = picked.first() {
            return Ok(vec![EventBody::Ship(Ship {
                order: None,
                carton: None,
                lines: vec![line(&row.item, row.qty)],
                from: tote.clone(),
            })]);
        }
    }
    // Receive at the dock and put away into the chosen bin.
    let item = &catalog.items[rng.below(catalog.items.len())].sku;
    let units = 1 + rng.below(12) as i64;
    Ok(vec![
        EventBody::Receive(Receive {
            document: None,
            line: line(item, units),
            to: catalog.dock.clone(),
            status: StockStatus::Available,
            gtin: None,
            pack: None,
            sscc: None,
        }),
        EventBody::Putaway(Putaway {
            line: line(item, units),
            from: catalog.dock.clone(),
            to: bin.clone(),
            status: StockStatus::Available,
            suggested: None,
            override_reason: None,
        }),
    ])
}
