//! Local projections: the catalog (with its GTIN index), locations, balances as last pulled
//! plus the effects of events the server has not reflected yet, and open tasks.
//!
//! The `put_*` functions take a plain connection so a pull page can apply every kind of
//! change inside one transaction; the `Journal` methods wrap them for single use.

use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Serialize;

use super::{Journal, JournalError};
use crate::domain::{
    DeviceSeq, Gtin, Item, Location, LocationCode, LocationKind, RawEvent, Sku, StockEffect,
    StockStatus,
};
use crate::protocol::BalanceRecord;

/// An item found by a scanned GTIN, with the pack the GTIN stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogHit {
    pub item: Item,
    pub uom: String,
    pub base_units: u32,
}

/// Stock the device believes is at a location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OnHandRow {
    pub item: Sku,
    pub location: LocationCode,
    pub lot: Option<String>,
    pub status: StockStatus,
    pub qty: i64,
}

pub(super) fn json_err(what: &str, e: serde_json::Error) -> JournalError {
    JournalError::Inconsistent(format!("{what} stored in the journal is not valid: {e}"))
}

pub(super) fn put_items(conn: &Connection, items: &[Item]) -> Result<(), JournalError> {
    let mut put_item = conn.prepare_cached(
        "INSERT INTO catalog_items (sku, name, body) VALUES (?1, ?2, ?3)
         ON CONFLICT (sku) DO UPDATE SET name = excluded.name, body = excluded.body",
    )?;
    let mut drop_gtins = conn.prepare_cached("DELETE FROM catalog_gtins WHERE sku = ?1")?;
    let mut put_gtin = conn.prepare_cached(
        "INSERT OR REPLACE INTO catalog_gtins (gtin, sku, uom, base_units) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for item in items {
        let body = serde_json::to_string(item).map_err(|e| json_err("item", e))?;
        put_item.execute(params![item.sku.as_str(), item.name, body])?;
        drop_gtins.execute(params![item.sku.as_str()])?;
        for gtin in &item.gtins {
            put_gtin.execute(params![gtin.as_str(), item.sku.as_str(), "EA", 1])?;
        }
        for pack in &item.packs {
            if let Some(gtin) = &pack.gtin {
                put_gtin.execute(params![
                    gtin.as_str(),
                    item.sku.as_str(),
                    pack.code,
                    i64::from(pack.base_units)
                ])?;
            }
        }
    }
    Ok(())
}

pub(super) fn put_locations(conn: &Connection, locations: &[Location]) -> Result<(), JournalError> {
    let mut stmt = conn.prepare_cached(
        "INSERT OR REPLACE INTO locations (code, warehouse, kind, pick_sequence, body)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for location in locations {
        let body = serde_json::to_string(location).map_err(|e| json_err("location", e))?;
        let kind = serde_json::to_value(location.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        stmt.execute(params![
            location.code.as_str(),
            location.warehouse.as_str(),
            kind,
            location.pick_sequence,
            body
        ])?;
    }
    Ok(())
}

/// Stores the server's figure for each balance, unless the stored one is newer: a record
/// whose version is below the stored version arrived out of commit order and is ignored
/// (version 0, unknown, always applies). A versioned zero keeps its row (qty 0) so an older
/// record cannot bring the stock back; an unversioned zero removes the row, as it always did.
pub(super) fn put_server_balances(
    conn: &Connection,
    balances: &[BalanceRecord],
) -> Result<(), JournalError> {
    let mut put = conn.prepare_cached(
        "INSERT INTO server_balances (location, item, lot, status, expiry, qty, version)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (location, item, lot, status) DO UPDATE
         SET expiry = excluded.expiry, qty = excluded.qty, version = excluded.version
         WHERE excluded.version = 0 OR excluded.version >= server_balances.version",
    )?;
    let mut remove = conn.prepare_cached(
        "DELETE FROM server_balances WHERE location = ?1 AND item = ?2 AND lot = ?3 AND status = ?4",
    )?;
    for b in balances {
        let lot = b.lot.as_ref().map_or("", |l| l.as_str());
        if b.qty == 0 && b.version == 0 {
            remove.execute(params![
                b.location.as_str(),
                b.item.as_str(),
                lot,
                b.status.as_str()
            ])?;
        } else {
            // SQLite integers are signed; no balance is changed 2^63 times.
            let version = i64::try_from(b.version).map_err(|_| {
                JournalError::Inconsistent(format!(
                    "the server sent balance version {} for {} at {}, beyond what a device stores",
                    b.version, b.item, b.location
                ))
            })?;
            put.execute(params![
                b.location.as_str(),
                b.item.as_str(),
                lot,
                b.status.as_str(),
                b.expiry.map(|d| d.to_string()),
                b.qty,
                version
            ])?;
        }
    }
    Ok(())
}

pub(super) fn put_task(
    conn: &Connection,
    kind: &str,
    task_id: &str,
    state: &str,
    sscc: Option<&str>,
    body: &serde_json::Value,
) -> Result<(), JournalError> {
    conn.prepare_cached(
        "INSERT OR REPLACE INTO tasks (kind, task_id, state, sscc, body) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![kind, task_id, state, sscc, body.to_string()])?;
    Ok(())
}

/// One on-hand row from its stored text columns (`lot` '' means none).
fn on_hand_row(
    location: String,
    item: String,
    lot: String,
    status: String,
    qty: i64,
) -> Result<OnHandRow, JournalError> {
    Ok(OnHandRow {
        item: Sku::new(item)?,
        location: LocationCode::new(location)?,
        lot: (!lot.is_empty()).then_some(lot),
        status: status
            .parse()
            .map_err(|e| JournalError::Inconsistent(format!("{e}")))?,
        qty,
    })
}

/// Adds (`sign` = 1) or removes (`sign` = -1) events' effects to the per-balance local
/// deltas, inside the caller's transaction.
pub(super) fn add_local_effects(
    tx: &Transaction<'_>,
    effects: &[StockEffect],
    sign: i64,
) -> Result<(), JournalError> {
    let mut upsert = tx.prepare_cached(
        "INSERT INTO local_deltas (location, item, lot, status, delta) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (location, item, lot, status) DO UPDATE SET delta = delta + excluded.delta",
    )?;
    for effect in effects {
        upsert.execute(params![
            effect.location.as_str(),
            effect.item.as_str(),
            effect.lot.as_ref().map_or("", |l| l.as_str()),
            effect.status.as_str(),
            sign * effect.delta,
        ])?;
    }
    Ok(())
}

impl Journal {
    /// Inserts or replaces items (and their GTINs) in one transaction.
    pub fn upsert_items(&mut self, items: &[Item]) -> Result<(), JournalError> {
        let tx = self.conn.transaction()?;
        put_items(&tx, items)?;
        tx.commit()?;
        Ok(())
    }

    /// The item a GTIN belongs to, and which pack of it.
    pub fn item_by_gtin(&self, gtin: &Gtin) -> Result<Option<CatalogHit>, JournalError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT i.body, g.uom, g.base_units FROM catalog_gtins g
             JOIN catalog_items i ON i.sku = g.sku WHERE g.gtin = ?1",
        )?;
        let row = stmt
            .query_row(params![gtin.as_str()], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            })
            .optional()?;
        row.map(|(body, uom, base_units)| {
            Ok(CatalogHit {
                item: serde_json::from_str(&body).map_err(|e| json_err("item", e))?,
                uom,
                base_units: u32::try_from(base_units).unwrap_or(1),
            })
        })
        .transpose()
    }

    pub fn item_by_sku(&self, sku: &Sku) -> Result<Option<Item>, JournalError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT body FROM catalog_items WHERE sku = ?1")?;
        let body: Option<String> = stmt
            .query_row(params![sku.as_str()], |r| r.get(0))
            .optional()?;
        body.map(|b| serde_json::from_str(&b).map_err(|e| json_err("item", e)))
            .transpose()
    }

    pub fn upsert_locations(&mut self, locations: &[Location]) -> Result<(), JournalError> {
        let tx = self.conn.transaction()?;
        put_locations(&tx, locations)?;
        tx.commit()?;
        Ok(())
    }

    pub fn location(&self, code: &LocationCode) -> Result<Option<Location>, JournalError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT body FROM locations WHERE code = ?1")?;
        let body: Option<String> = stmt
            .query_row(params![code.as_str()], |r| r.get(0))
            .optional()?;
        body.map(|b| serde_json::from_str(&b).map_err(|e| json_err("location", e)))
            .transpose()
    }

    /// Codes of the locations of one kind (docks, pack stations…), in walking order.
    pub fn location_codes_of_kind(
        &self,
        kind: LocationKind,
    ) -> Result<Vec<LocationCode>, JournalError> {
        let kind = serde_json::to_value(kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        let mut stmt = self.conn.prepare_cached(
            "SELECT code FROM locations WHERE kind = ?1 ORDER BY pick_sequence, code",
        )?;
        let rows = stmt.query_map(params![kind], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for row in rows {
            out.push(LocationCode::new(row?)?);
        }
        Ok(out)
    }

    /// Replaces balances with the server's figures.
    pub fn upsert_server_balances(
        &mut self,
        balances: &[BalanceRecord],
    ) -> Result<(), JournalError> {
        let tx = self.conn.transaction()?;
        put_server_balances(&tx, balances)?;
        tx.commit()?;
        Ok(())
    }

    /// Stock at a location as this device knows it: the server's last balance plus the
    /// effects of this device's events the server has not reflected yet. Zero rows omitted.
    pub fn on_hand_at(&self, location: &LocationCode) -> Result<Vec<OnHandRow>, JournalError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT item, lot, status, SUM(qty) FROM (
                 SELECT item, lot, status, qty FROM server_balances WHERE location = ?1
                 UNION ALL
                 SELECT item, lot, status, delta FROM local_deltas WHERE location = ?1
             ) GROUP BY item, lot, status HAVING SUM(qty) <> 0 ORDER BY item, lot, status",
        )?;
        let rows = stmt.query_map(params![location.as_str()], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
            ))
        })?;
        rows.map(|row| {
            let (item, lot, status, qty) = row?;
            on_hand_row(location.as_str().to_owned(), item, lot, status, qty)
        })
        .collect()
    }

    /// Every balance as this device knows it (server figures plus unreflected local effects),
    /// zero rows omitted, ordered by location, item, lot, status.
    pub fn on_hand_all(&self) -> Result<Vec<OnHandRow>, JournalError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT location, item, lot, status, SUM(qty) FROM (
                 SELECT location, item, lot, status, qty FROM server_balances
                 UNION ALL
                 SELECT location, item, lot, status, delta FROM local_deltas
             ) GROUP BY location, item, lot, status HAVING SUM(qty) <> 0
             ORDER BY location, item, lot, status",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, i64>(4)?,
            ))
        })?;
        rows.map(|row| {
            let (location, item, lot, status, qty) = row?;
            on_hand_row(location, item, lot, status, qty)
        })
        .collect()
    }

    /// Stores an open task (a pick task or an inbound document) as JSON.
    pub fn upsert_task(
        &mut self,
        kind: &str,
        task_id: &str,
        state: &str,
        sscc: Option<&str>,
        body: &serde_json::Value,
    ) -> Result<(), JournalError> {
        put_task(&self.conn, kind, task_id, state, sscc, body)
    }

    /// Open tasks of a kind, as stored.
    pub fn open_tasks(&self, kind: &str) -> Result<Vec<serde_json::Value>, JournalError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT body FROM tasks WHERE kind = ?1 AND state = 'open' ORDER BY task_id",
        )?;
        let rows = stmt.query_map(params![kind], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for row in rows {
            out.push(serde_json::from_str(&row?).map_err(|e| json_err("task", e))?);
        }
        Ok(out)
    }

    /// Called after a complete pull (the last page said `has_more: false`) whose barrier was
    /// `barrier`: the effects of acknowledged events leave the local deltas (the server's
    /// figures now carry them, or, for a rejected event, the server's truth replaces them) —
    /// but only for events whose server transaction is below the barrier (see
    /// `push_commits`); the rest wait for a later pull. `None` (an older server) reflects
    /// every acknowledged event. One transaction. Returns the reflected watermark.
    pub fn reflect_acknowledged_effects(
        &mut self,
        barrier: Option<u64>,
    ) -> Result<DeviceSeq, JournalError> {
        let tx = self.conn.transaction()?;
        let (reflected, mut acked): (i64, i64) =
            tx.query_row("SELECT reflected_seq, acked_seq FROM device", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
        if let Some(barrier) = barrier {
            let barrier = barrier.min(i64::MAX as u64) as i64;
            // Events up to a commit below the barrier are in the pulled balances; the first
            // commit at or above it holds back its events and every later one.
            let unseen: Option<i64> = tx.query_row(
                "SELECT MIN(last_seq) FROM push_commits WHERE last_seq > ?1 AND txid >= ?2",
                params![reflected, barrier],
                |r| r.get(0),
            )?;
            if unseen.is_some() {
                let seen: Option<i64> = tx.query_row(
                    "SELECT MAX(last_seq) FROM push_commits WHERE txid < ?1 AND last_seq < ?2",
                    params![barrier, unseen],
                    |r| r.get(0),
                )?;
                acked = acked.min(seen.unwrap_or(reflected).max(reflected));
            }
        }
        tx.execute(
            "DELETE FROM push_commits WHERE last_seq <= ?1",
            params![acked.max(reflected)],
        )?;
        if acked > reflected {
            let bodies: Vec<(i64, String)> = {
                let mut stmt = tx.prepare_cached(
                    "SELECT device_seq, body FROM events WHERE device_seq > ?1 AND device_seq <= ?2",
                )?;
                let rows =
                    stmt.query_map(params![reflected, acked], |r| Ok((r.get(0)?, r.get(1)?)))?;
                rows.collect::<Result<_, _>>()?
            };
            for (seq, body) in bodies {
                let raw: RawEvent = serde_json::from_str(&body)
                    .map_err(|e| json_err(&format!("event {seq}"), e))?;
                let event = raw.decode()?;
                add_local_effects(&tx, &event.body.stock_effects(), -1)?;
            }
            tx.execute("DELETE FROM local_deltas WHERE delta = 0", [])?;
            tx.execute(
                "UPDATE device SET reflected_seq = ?1 WHERE id = 1",
                params![acked],
            )?;
        }
        tx.commit()?;
        Ok(DeviceSeq(acked.max(reflected) as u64))
    }
}
