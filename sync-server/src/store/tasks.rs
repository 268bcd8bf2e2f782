//! Pick tasks and the stock they reserve (leases). Importing a task reserves, per line, what
//! the bin has that no other open task has reserved; a pick against a task consumes its
//! reservation and closes the task when every line is done. Other movements out of a bin
//! that take stock reserved for tasks are recorded (physical facts) with a
//! `reservation_broken` conflict, so planned work does not end up in conflicts unseen.

use dockhand_app::domain::{OrderNumber, Qty, TaskId, WarehouseCode};
use dockhand_app::protocol::{Change, PickTaskLine, PickTaskRecord};
use serde::{Deserialize, Serialize};
use sqlx::{PgConnection, Row};

use super::ledger::{self, BalanceKey};
use super::{Store, StoreError, StoreResult, lot_key};

/// A line that could reserve less than it asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShortReservation {
    pub task: TaskId,
    pub line_no: u32,
    pub asked: i64,
    pub reserved: i64,
}

/// What a pick-task import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PickTaskImportSummary {
    pub upserted: u64,
    pub short: Vec<ShortReservation>,
}

fn key_of(line: &PickTaskLine) -> BalanceKey {
    BalanceKey {
        item: line.item.as_str().to_owned(),
        location: line.location.as_str().to_owned(),
        lot: lot_key(line.lot.as_ref()),
        status: "available".to_owned(),
    }
}

/// Reservations of open tasks other than `except_task` still outstanding on `key`.
pub(crate) async fn outstanding_reservations(
    conn: &mut PgConnection,
    warehouse: &WarehouseCode,
    key: &BalanceKey,
    except_task: Option<&str>,
) -> StoreResult<i64> {
    let outstanding: i64 = sqlx::query_scalar(
        "SELECT COALESCE(SUM(l.reserved - l.picked), 0)::int8
         FROM pick_task_lines l JOIN pick_tasks t USING (warehouse, task)
         WHERE l.warehouse = $1 AND l.sku = $2 AND l.location = $3 AND l.lot = $4
           AND t.state = 'open' AND l.reserved > l.picked
           AND ($5::text IS NULL OR l.task <> $5)",
    )
    .bind(warehouse.as_str())
    .bind(&key.item)
    .bind(&key.location)
    .bind(&key.lot)
    .bind(except_task)
    .fetch_one(&mut *conn)
    .await?;
    Ok(outstanding)
}

/// Which of `keys` (balances the caller has locked) open pick tasks hold reservations on.
pub(crate) async fn reserved_keys<'a>(
    conn: &mut PgConnection,
    warehouse: &WarehouseCode,
    keys: impl Iterator<Item = &'a BalanceKey>,
) -> StoreResult<std::collections::BTreeSet<BalanceKey>> {
    let mut items = Vec::new();
    let mut locations = Vec::new();
    let mut lots = Vec::new();
    for key in keys.filter(|k| k.status == "available") {
        items.push(key.item.clone());
        locations.push(key.location.clone());
        lots.push(key.lot.clone());
    }
    if items.is_empty() {
        return Ok(Default::default());
    }
    let rows = sqlx::query(
        "SELECT DISTINCT l.sku, l.location, l.lot
         FROM unnest($2::text[], $3::text[], $4::text[]) AS k(sku, location, lot)
         JOIN pick_task_lines l
           ON l.warehouse = $1 AND l.sku = k.sku AND l.location = k.location AND l.lot = k.lot
         JOIN pick_tasks t ON t.warehouse = l.warehouse AND t.task = l.task
         WHERE t.state = 'open' AND l.reserved > l.picked",
    )
    .bind(warehouse.as_str())
    .bind(items)
    .bind(locations)
    .bind(lots)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(BalanceKey {
                item: row.try_get("sku")?,
                location: row.try_get("location")?,
                lot: row.try_get("lot")?,
                status: "available".to_owned(),
            })
        })
        .collect()
}

/// What is left of `task`'s reservation on `key`.
pub(crate) async fn remaining_reservation(
    conn: &mut PgConnection,
    warehouse: &WarehouseCode,
    key: &BalanceKey,
    task: &str,
) -> StoreResult<i64> {
    let remaining: i64 = sqlx::query_scalar(
        "SELECT COALESCE(SUM(GREATEST(l.reserved - l.picked, 0)), 0)::int8
         FROM pick_task_lines l JOIN pick_tasks t USING (warehouse, task)
         WHERE l.warehouse = $1 AND l.task = $2 AND l.sku = $3 AND l.location = $4
           AND l.lot = $5 AND t.state = 'open'",
    )
    .bind(warehouse.as_str())
    .bind(task)
    .bind(&key.item)
    .bind(&key.location)
    .bind(&key.lot)
    .fetch_one(&mut *conn)
    .await?;
    Ok(remaining)
}

/// Records a pick of `qty` on `key` against `task`; closes the task when every line is
/// picked. Returns the changes devices should see.
pub(crate) async fn consume_reservation(
    conn: &mut PgConnection,
    warehouse: &WarehouseCode,
    key: &BalanceKey,
    task: &str,
    qty: i64,
) -> StoreResult<Vec<Change>> {
    let updated = sqlx::query(
        "UPDATE pick_task_lines SET picked = picked + $6
         WHERE warehouse = $1 AND task = $2 AND line_no = (
             SELECT line_no FROM pick_task_lines
             WHERE warehouse = $1 AND task = $2 AND sku = $3 AND location = $4 AND lot = $5
             ORDER BY (picked < reserved) DESC, line_no LIMIT 1)
         RETURNING line_no",
    )
    .bind(warehouse.as_str())
    .bind(task)
    .bind(&key.item)
    .bind(&key.location)
    .bind(&key.lot)
    .bind(qty)
    .fetch_optional(&mut *conn)
    .await?;
    if updated.is_none() {
        return Ok(vec![]);
    }
    let closed = sqlx::query(
        "UPDATE pick_tasks SET state = 'closed'
         WHERE warehouse = $1 AND task = $2 AND state = 'open'
           AND NOT EXISTS (SELECT 1 FROM pick_task_lines
                           WHERE warehouse = $1 AND task = $2 AND picked < reserved)
         RETURNING task",
    )
    .bind(warehouse.as_str())
    .bind(task)
    .fetch_optional(&mut *conn)
    .await?;
    match closed {
        Some(_) => Ok(vec![Change::PickTaskClosed {
            task: TaskId::new(task).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        }]),
        None => Ok(vec![]),
    }
}

impl Store {
    /// Creates pick tasks and reserves their stock. A task id already used is refused.
    pub async fn import_pick_tasks(
        &self,
        warehouse: &WarehouseCode,
        tasks: &[PickTaskRecord],
    ) -> StoreResult<PickTaskImportSummary> {
        let mut tx = self.pool.begin().await?;
        let keys: Vec<BalanceKey> = tasks
            .iter()
            .flat_map(|t| t.lines.iter().map(key_of))
            .collect();
        // The bins' balances are locked first (lock order), so reservations and picks of the
        // same bin serialise.
        let locked = ledger::lock_balances(&mut tx, warehouse, keys).await?;
        let mut summary = PickTaskImportSummary::default();
        let mut changes = Vec::new();
        for task in tasks {
            let inserted = sqlx::query(
                "INSERT INTO pick_tasks (warehouse, task, order_number, mode, zone)
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            )
            .bind(warehouse.as_str())
            .bind(task.task.as_str())
            .bind(task.order.as_ref().map(OrderNumber::as_str))
            .bind(&task.mode)
            .bind(&task.zone)
            .execute(&mut *tx)
            .await?;
            if inserted.rows_affected() == 0 {
                return Err(StoreError::StateConflict(format!(
                    "pick task {} already exists in {warehouse}",
                    task.task
                )));
            }
            let mut lines = Vec::with_capacity(task.lines.len());
            for line in &task.lines {
                let key = key_of(line);
                let balance = locked.get(&key).copied().unwrap_or(0);
                // Includes the lines of this import inserted above (same transaction).
                let outstanding = outstanding_reservations(&mut tx, warehouse, &key, None).await?;
                let free = (balance - outstanding).max(0);
                let reserved = line.qty.units().min(free);
                sqlx::query(
                    "INSERT INTO pick_task_lines (warehouse, task, line_no, sku, location, lot,
                                                  order_number, reserved)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(warehouse.as_str())
                .bind(task.task.as_str())
                .bind(i32::try_from(line.line_no).unwrap_or(i32::MAX))
                .bind(&key.item)
                .bind(&key.location)
                .bind(&key.lot)
                .bind(line.order.as_ref().map(OrderNumber::as_str))
                .bind(reserved)
                .execute(&mut *tx)
                .await?;
                if reserved < line.qty.units() {
                    summary.short.push(ShortReservation {
                        task: task.task.clone(),
                        line_no: line.line_no,
                        asked: line.qty.units(),
                        reserved,
                    });
                }
                lines.push(PickTaskLine {
                    qty: Qty::new(reserved).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    ..line.clone()
                });
            }
            changes.push(Change::PickTask(PickTaskRecord {
                lines,
                ..task.clone()
            }));
            summary.upserted += 1;
        }
        super::pull::record_changes(&mut tx, warehouse, &changes).await?;
        tx.commit().await?;
        Ok(summary)
    }
}

/// Checks a movement's takings from available stock against the reservations of open pick
/// tasks, and consumes the reservation of the pick's own task. Returns the conflicts to
/// open; writes the task changes devices should see.
pub(crate) async fn check_reservations(
    conn: &mut PgConnection,
    warehouse: &WarehouseCode,
    event: &dockhand_app::domain::Event,
    rows: &[ledger::LedgerRow],
    locked: &std::collections::BTreeMap<BalanceKey, i64>,
    reserved: Option<&std::collections::BTreeSet<BalanceKey>>,
    body: &serde_json::Value,
) -> StoreResult<Vec<super::conflicts::NewConflict>> {
    let task = match &event.body {
        dockhand_app::domain::EventBody::Pick(p) => p.task.as_ref().map(TaskId::as_str),
        _ => None,
    };
    let mut net: std::collections::BTreeMap<&BalanceKey, i64> = Default::default();
    for row in rows.iter().filter(|r| r.key.status == "available") {
        *net.entry(&row.key).or_default() += row.delta;
    }
    let mut conflicts = Vec::new();
    let mut changes = Vec::new();
    for (key, delta) in net.into_iter().filter(|(_, d)| *d < 0) {
        let qty = -delta;
        let own = match task {
            Some(task) => {
                let own = remaining_reservation(conn, warehouse, key, task).await?;
                changes.extend(consume_reservation(conn, warehouse, key, task, qty).await?);
                own
            }
            None => 0,
        };
        if qty <= own {
            continue;
        }
        // A key no open task reserves (learned under the chunk's balance locks) has no
        // other reservation to break.
        let others = if reserved.is_some_and(|r| !r.contains(key)) {
            0
        } else {
            outstanding_reservations(conn, warehouse, key, task).await?
        };
        let before = locked.get(key).copied().unwrap_or(0);
        let after = (before - qty).max(0);
        if others > 0 && after < others {
            conflicts.push(super::conflicts::NewConflict {
                kind: "reservation_broken",
                event_id: Some(event.header.event_id.as_uuid()),
                device_id: Some(event.header.device_id.as_uuid()),
                message: format!(
                    "{} took {qty} {} from {}, leaving {after} for {others} reserved by pick tasks",
                    event.kind(),
                    key.item,
                    key.location
                ),
                evidence: serde_json::json!({
                    "event": body,
                    "key": key,
                    "balance_before": before,
                    "taken": qty,
                    "own_reservation": own,
                    "reserved_by_other_tasks": others,
                }),
            });
        }
    }
    super::pull::record_changes(conn, warehouse, &changes).await?;
    Ok(conflicts)
}
