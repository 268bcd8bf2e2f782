//! What the sync tests compare: the facts devices recorded, and what the server's ledger and
//! event store hold for a warehouse.

use std::collections::BTreeMap;

use dockhand_app::domain::{DeviceSeq, RawEvent};
use dockhand_app::journal::Journal;
use dockhand_sync_server::Store;
use sqlx::Row;

/// (item, location, lot).
pub type Place = (String, String, String);

/// Σ of the stock effects of `events` per place, across statuses: what the server's ledger
/// must hold (shortfalls move between statuses of a place, never out of it).
pub fn facts_of_events<'a>(events: impl IntoIterator<Item = &'a RawEvent>) -> BTreeMap<Place, i64> {
    let mut sum = BTreeMap::new();
    for event in events {
        let event = event.clone().decode().unwrap();
        for e in event.body.stock_effects() {
            let lot = e.lot.map(|l| l.to_string()).unwrap_or_default();
            *sum.entry((e.item.to_string(), e.location.to_string(), lot))
                .or_insert(0) += e.delta;
        }
    }
    sum.retain(|_, v| *v != 0);
    sum
}

/// [`facts_of_events`] over every event in the journals.
pub fn facts_of_journals(journals: &[&Journal]) -> BTreeMap<Place, i64> {
    let events: Vec<RawEvent> = journals
        .iter()
        .flat_map(|j| j.raw_events_after(DeviceSeq(0), usize::MAX >> 1).unwrap())
        .collect();
    facts_of_events(&events)
}

/// The server's ledger per place, leaving out count adjustments (`count`, `count_rebase`):
/// those are the server's reading of counts, not device facts.
pub async fn ledger_by_place(store: &Store, warehouse: &str) -> BTreeMap<Place, i64> {
    sqlx::query(
        "SELECT item, location, lot, SUM(delta)::BIGINT FROM ledger
         WHERE warehouse = $1 AND cause NOT IN ('count', 'count_rebase')
         GROUP BY item, location, lot HAVING SUM(delta) <> 0",
    )
    .bind(warehouse)
    .fetch_all(store.pool())
    .await
    .unwrap()
    .into_iter()
    .map(|r| ((r.get(0), r.get(1), r.get(2)), r.get::<i64, _>(3)))
    .collect()
}

/// How many events the server stores for the warehouse.
pub async fn stored_events(store: &Store, warehouse: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM events WHERE warehouse = $1")
        .bind(warehouse)
        .fetch_one(store.pool())
        .await
        .unwrap()
}
