//! `apply_push_batch`: takes a device's events exactly once.
//!
//! Each event runs in its own transaction, which locks the device's `device_sync` row
//! (concurrent pushes of one device serialise), stores the event whole with its result,
//! applies its effects and advances `last_seq` — all committed together. A seq at or below
//! `last_seq` is a retry and gets the stored result; the first seq above `last_seq + 1`
//! stops the batch (a gap). Events are taken in `device_seq` order whatever order the batch
//! lists them in, and a seq listed twice is answered once.
//!
//! An event that cannot be decoded (unsupported version, unknown kind, malformed or invalid
//! payload) or that names an item or location the warehouse does not know is stored,
//! answered `rejected`, quarantined with a conflict, and `last_seq` still advances: a
//! poison event never blocks the ones behind it.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use dockhand_app::domain::{DeviceSeq, DocumentKind, Event, EventBody, RawEvent, WarehouseCode};
use dockhand_app::protocol::{Change, EventOutcome, EventResult, SeqGap};
use sqlx::{PgConnection, Row};
use tracing::Instrument;
use uuid::Uuid;

use super::conflicts::{NewConflict, open_conflict};
use super::ledger::{self, BalanceKey, LedgerRow};
use super::{AuthedDevice, CatalogKind, KnownCatalog, Store, StoreError, StoreResult, lot_key};

/// How often an event's transaction is retried after a deadlock or serialisation failure.
const MAX_ATTEMPTS: u32 = 5;

/// What a push achieved.
#[derive(Debug, Clone)]
pub struct PushBatch {
    /// One result per distinct `device_seq` taken, lowest first.
    pub results: Vec<EventResult>,
    pub last_applied_seq: DeviceSeq,
    /// Set when the batch stopped at a gap.
    pub gap: Option<SeqGap>,
}

enum Step {
    Answered(EventResult, i64),
    Gap(SeqGap),
}

impl Store {
    /// Applies a device's batch. The caller has checked that every event belongs to
    /// `device` (its id and warehouse). `queued` is how many events the device says it
    /// still holds after this batch (sync health).
    pub async fn apply_push_batch(
        &self,
        device: &AuthedDevice,
        mut events: Vec<RawEvent>,
        queued: Option<u64>,
    ) -> StoreResult<PushBatch> {
        events.sort_by_key(|e| e.header.device_seq);
        events.dedup_by_key(|e| e.header.device_seq);
        let mut results = Vec::with_capacity(events.len());
        let mut gap = None;
        let mut last_seq = None;
        for raw in &events {
            let span = tracing::info_span!(
                "push_event",
                device = %device.device_id,
                seq = raw.header.device_seq.get(),
                event = %raw.header.event_id,
            );
            match self
                .push_one_with_retry(device, raw)
                .instrument(span)
                .await?
            {
                Step::Answered(result, last) => {
                    results.push(result);
                    last_seq = Some(last);
                }
                Step::Gap(g) => {
                    gap = Some(g);
                    break;
                }
            }
        }
        let last = match last_seq {
            Some(last) if gap.is_none() && queued.is_none() => last,
            _ => {
                let row = sqlx::query(
                    "UPDATE device_sync SET queued_reported = COALESCE($2, queued_reported)
                     WHERE device_id = $1 RETURNING last_seq",
                )
                .bind(device.device_id.as_uuid())
                .bind(queued.and_then(|q| i64::try_from(q).ok()))
                .fetch_one(&self.pool)
                .await?;
                row.try_get("last_seq")?
            }
        };
        Ok(PushBatch {
            results,
            last_applied_seq: DeviceSeq(u64::try_from(last).unwrap_or(0)),
            gap,
        })
    }

    async fn push_one_with_retry(
        &self,
        device: &AuthedDevice,
        raw: &RawEvent,
    ) -> StoreResult<Step> {
        let mut attempt = 1;
        loop {
            match self.push_one(device, raw).await {
                Err(e) if e.is_retryable() && attempt < MAX_ATTEMPTS => {
                    tracing::warn!(attempt, error = %e, "retrying event after a transient failure");
                    crate::metrics::METRICS.transaction_retries.inc();
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    async fn push_one(&self, device: &AuthedDevice, raw: &RawEvent) -> StoreResult<Step> {
        let seq = i64::try_from(raw.header.device_seq.get()).map_err(|_| {
            StoreError::Invalid(format!("device_seq {} is too large", raw.header.device_seq))
        })?;
        let mut tx = self.pool.begin().await?;
        // One round trip: lock the device's sync row, and learn whether the event id is
        // already taken (a concurrent taker makes the final insert fail and the retry see it).
        let row = sqlx::query(
            "SELECT s.last_seq, EXISTS (SELECT 1 FROM events e WHERE e.event_id = $2) AS used
             FROM device_sync s WHERE s.device_id = $1 FOR UPDATE OF s",
        )
        .bind(device.device_id.as_uuid())
        .bind(raw.header.event_id.as_uuid())
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| {
            StoreError::NotFound(format!("device {} is not enrolled", device.device_id))
        })?;
        let last_seq: i64 = row.try_get("last_seq")?;
        let event_id_used: bool = row.try_get("used")?;
        if seq <= last_seq {
            let stored = sqlx::query(
                "SELECT event_id, result FROM events WHERE device_id = $1 AND device_seq = $2",
            )
            .bind(device.device_id.as_uuid())
            .bind(seq)
            .fetch_optional(&mut *tx)
            .await?;
            let outcome = match stored {
                Some(row)
                    if row.try_get::<Uuid, _>("event_id")? == raw.header.event_id.as_uuid() =>
                {
                    let result: serde_json::Value = row.try_get("result")?;
                    let result: EventResult = serde_json::from_value(result).map_err(|e| {
                        StoreError::Corrupt(format!("stored result of seq {seq}: {e}"))
                    })?;
                    return Ok(Step::Answered(result, last_seq));
                }
                Some(row) => EventOutcome::Rejected {
                    conflict_id: None,
                    reason: format!(
                        "device_seq {seq} already holds event {}; this event was not applied \
                         (was the device's journal reset?)",
                        row.try_get::<Uuid, _>("event_id")?
                    ),
                },
                // Not stored: it reused another event's id. Its answer is in its conflict.
                None => {
                    let conflict = sqlx::query(
                        "SELECT id, message FROM conflicts
                         WHERE kind = 'duplicate_event_id' AND device_id = $1
                           AND (evidence->'event'->>'device_seq')::int8 = $2
                         ORDER BY id LIMIT 1",
                    )
                    .bind(device.device_id.as_uuid())
                    .bind(seq)
                    .fetch_optional(&mut *tx)
                    .await?;
                    match conflict {
                        Some(c) => EventOutcome::Rejected {
                            conflict_id: Some(c.try_get("id")?),
                            reason: c.try_get("message")?,
                        },
                        None => EventOutcome::Rejected {
                            conflict_id: None,
                            reason: format!(
                                "device_seq {seq} was already used by a rejected event"
                            ),
                        },
                    }
                }
            };
            return Ok(Step::Answered(
                EventResult {
                    device_seq: raw.header.device_seq,
                    event_id: raw.header.event_id,
                    outcome,
                },
                last_seq,
            ));
        }
        if seq > last_seq + 1 {
            return Ok(Step::Gap(SeqGap {
                expected_seq: DeviceSeq(u64::try_from(last_seq + 1).unwrap_or(1)),
                got_seq: raw.header.device_seq,
            }));
        }

        let body = serde_json::to_value(raw)
            .map_err(|e| StoreError::Invalid(format!("event does not serialise: {e}")))?;
        let stored = !event_id_used;
        let outcome = if stored {
            apply_event(&mut tx, &device.warehouse, raw, &body, &self.catalog).await?
        } else {
            let conflict = NewConflict {
                kind: "duplicate_event_id",
                event_id: None,
                device_id: Some(device.device_id.as_uuid()),
                message: format!(
                    "event id {} was already used by another event; device_seq {seq} was not applied",
                    raw.header.event_id
                ),
                evidence: serde_json::json!({ "event": body }),
            };
            let id = open_conflict(&mut tx, &device.warehouse, &conflict).await?;
            EventOutcome::Rejected {
                conflict_id: Some(id),
                reason: conflict.message,
            }
        };
        let result = EventResult {
            device_seq: raw.header.device_seq,
            event_id: raw.header.event_id,
            outcome,
        };
        let (applied, conflicted, rejected) = match &result.outcome {
            EventOutcome::Applied => (1, 0, 0),
            EventOutcome::AppliedWithConflict { .. } => (0, 1, 0),
            EventOutcome::Rejected { .. } => (0, 0, 1),
        };
        let json = serde_json::to_value(&result)
            .map_err(|e| StoreError::Corrupt(format!("result does not serialise: {e}")))?;
        // The event, whole, with its result, and the device's new last_seq: one statement.
        sqlx::query(
            "WITH stored AS (
                 INSERT INTO events (event_id, device_id, device_seq, warehouse, kind, v,
                                     occurred_at, body, result)
                 SELECT $3, $1, $2, $4, $5, $6, $7, $8, $9 WHERE $10
                 RETURNING 1)
             UPDATE device_sync SET last_seq = $2, last_push_at = now(),
                    events_applied = events_applied + $11, events_conflict = events_conflict + $12,
                    events_rejected = events_rejected + $13
             WHERE device_id = $1",
        )
        .bind(device.device_id.as_uuid())
        .bind(seq)
        .bind(raw.header.event_id.as_uuid())
        .bind(device.warehouse.as_str())
        .bind(&raw.kind)
        .bind(i32::from(raw.v))
        .bind(raw.header.occurred_at)
        .bind(&body)
        .bind(json)
        .bind(stored)
        .bind(applied)
        .bind(conflicted)
        .bind(rejected)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        crate::metrics::METRICS.record_outcome(&result.outcome);
        Ok(Step::Answered(result, seq))
    }
}

/// Applies the quarantined event `event_id` now (a supervisor accepted it, e.g. after the
/// missing item was imported). Returns its new outcome as JSON.
pub(crate) async fn reapply_quarantined(
    conn: &mut PgConnection,
    warehouse: &WarehouseCode,
    event_id: Uuid,
    catalog: &KnownCatalog,
) -> StoreResult<serde_json::Value> {
    let body: serde_json::Value =
        sqlx::query_scalar("SELECT body FROM events WHERE event_id = $1 AND warehouse = $2")
            .bind(event_id)
            .bind(warehouse.as_str())
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("event {event_id} is not stored")))?;
    let raw: RawEvent = serde_json::from_value(body.clone())
        .map_err(|e| StoreError::Corrupt(format!("stored event {event_id}: {e}")))?;
    let already: i64 = sqlx::query_scalar("SELECT count(*) FROM ledger WHERE event_id = $1")
        .bind(event_id)
        .fetch_one(&mut *conn)
        .await?;
    if already > 0 {
        return Err(StoreError::StateConflict(format!(
            "event {event_id} has already moved stock"
        )));
    }
    let outcome = apply_event(conn, warehouse, &raw, &body, catalog).await?;
    if let EventOutcome::Rejected { reason, .. } = &outcome {
        return Err(StoreError::StateConflict(format!(
            "event {event_id} still cannot be applied: {reason}"
        )));
    }
    serde_json::to_value(&outcome).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// Decodes, checks and applies one stored event in the caller's transaction.
async fn apply_event(
    conn: &mut PgConnection,
    warehouse: &WarehouseCode,
    raw: &RawEvent,
    body: &serde_json::Value,
    catalog: &KnownCatalog,
) -> StoreResult<EventOutcome> {
    let event_id = raw.header.event_id.as_uuid();
    let device_id = raw.header.device_id.as_uuid();
    let event = match raw.clone().decode() {
        Ok(event) => event,
        Err(e) => {
            let conflict = NewConflict {
                kind: "quarantined",
                event_id: Some(event_id),
                device_id: Some(device_id),
                message: format!("event {} was quarantined: {e}", raw.header.device_seq),
                evidence: serde_json::json!({
                    "reason": e.to_string(),
                    "v": raw.v,
                    "kind": raw.kind,
                    "event": body,
                }),
            };
            let id = open_conflict(conn, warehouse, &conflict).await?;
            return Ok(EventOutcome::Rejected {
                conflict_id: Some(id),
                reason: e.to_string(),
            });
        }
    };

    if let Some(conflict) = unknown_references(conn, warehouse, &event, body, catalog).await? {
        let id = open_conflict(conn, warehouse, &conflict).await?;
        return Ok(EventOutcome::Rejected {
            conflict_id: Some(id),
            reason: conflict.message,
        });
    }

    let occurred_at = event.header.occurred_at;
    let mut conflicts: Vec<NewConflict> = Vec::new();
    let mut rows: Vec<LedgerRow> = event
        .body
        .stock_effects()
        .iter()
        .map(|effect| LedgerRow {
            key: BalanceKey::from_effect(effect),
            delta: effect.delta,
            cause: event.kind().to_owned(),
            occurred_at,
        })
        .collect();
    let count_key = match &event.body {
        EventBody::Count(c) => Some(BalanceKey {
            item: c.item.as_str().to_owned(),
            location: c.location.as_str().to_owned(),
            lot: lot_key(c.lot.as_ref()),
            status: c.status.as_str().to_owned(),
        }),
        _ => None,
    };
    let keys: BTreeSet<BalanceKey> = rows
        .iter()
        .map(|r| r.key.clone())
        .chain(count_key.clone())
        .collect();
    // Balances first (in key order), then documents and serials: one order for everyone.
    let locked = ledger::lock_balances(conn, warehouse, keys.iter().cloned()).await?;

    conflicts.extend(check_receipt(conn, warehouse, &event, body).await?);
    conflicts.extend(check_serials(conn, warehouse, &event, body).await?);
    record_lot(conn, warehouse, &event).await?;
    conflicts.extend(
        super::tasks::check_reservations(conn, warehouse, &event, &rows, &locked, body).await?,
    );

    if let (Some(key), EventBody::Count(count)) = (&count_key, &event.body) {
        let as_of = ledger::ledger_sum_as_of(conn, warehouse, key, occurred_at).await?;
        let variance = count.counted.units() - as_of;
        if variance != 0 {
            let adjustment = LedgerRow {
                key: key.clone(),
                delta: variance,
                cause: "count".to_owned(),
                occurred_at,
            };
            // A count synced after a later count of the same balance is, for that later
            // count, a late movement like any other.
            let (rebase, outdated) = absorb_into_later_counts(
                conn,
                warehouse,
                &event,
                std::slice::from_ref(&adjustment),
                body,
                true,
            )
            .await?;
            rows.push(adjustment);
            rows.extend(rebase);
            conflicts.extend(outdated);
        }
        sqlx::query(
            "INSERT INTO counts (event_id, warehouse, item, location, lot, status, occurred_at,
                                 counted, ledger_as_of, variance)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(event_id)
        .bind(warehouse.as_str())
        .bind(&key.item)
        .bind(&key.location)
        .bind(&key.lot)
        .bind(&key.status)
        .bind(occurred_at)
        .bind(count.counted.units())
        .bind(as_of)
        .bind(variance)
        .execute(&mut *conn)
        .await?;
    } else {
        let (rebase, outdated) =
            absorb_into_later_counts(conn, warehouse, &event, &rows, body, false).await?;
        rows.extend(rebase);
        conflicts.extend(outdated);
    }

    let applied = ledger::apply_rows(conn, warehouse, event_id, rows, &locked).await?;
    if !applied.shortfalls.is_empty() {
        let kind = match &event.body {
            EventBody::Pick(_) => "pick_beyond_balance",
            EventBody::Move(_) | EventBody::Putaway(_) => "move_from_empty",
            _ => "stock_shortfall",
        };
        let mut recent = Vec::new();
        for shortfall in &applied.shortfalls {
            recent.push(serde_json::json!({
                "key": shortfall.key,
                "movements": ledger::recent_movements(conn, warehouse, &shortfall.key, 10).await?,
            }));
        }
        let first = &applied.shortfalls[0];
        conflicts.push(NewConflict {
            kind,
            event_id: Some(event_id),
            device_id: Some(device_id),
            message: format!(
                "{} of {} {} at {} found {} recorded; {} unit(s) parked in discrepancy",
                event.kind(),
                first.requested,
                first.key.item,
                first.key.location,
                first.before,
                first.shortfall
            ),
            evidence: serde_json::json!({
                "event": body,
                "shortfalls": applied.shortfalls,
                "recent_movements": recent,
            }),
        });
    }

    if conflicts.is_empty() {
        return Ok(EventOutcome::Applied);
    }
    let mut ids = Vec::with_capacity(conflicts.len());
    for conflict in &conflicts {
        ids.push(open_conflict(conn, warehouse, conflict).await?);
    }
    let first = &conflicts[0];
    let mut message = first.message.clone();
    if ids.len() > 1 {
        let others: Vec<String> = ids[1..].iter().map(|id| id.to_string()).collect();
        message.push_str(&format!(" (also conflicts {})", others.join(", ")));
    }
    Ok(EventOutcome::AppliedWithConflict {
        conflict_id: ids[0],
        conflict_kind: first.kind.to_owned(),
        message,
    })
}

/// A conflict naming the items and locations of `event` that the warehouse does not know.
async fn unknown_references(
    conn: &mut PgConnection,
    warehouse: &WarehouseCode,
    event: &Event,
    body: &serde_json::Value,
    catalog: &KnownCatalog,
) -> StoreResult<Option<NewConflict>> {
    let mut items: BTreeSet<String> = BTreeSet::new();
    let mut locations: BTreeSet<String> = BTreeSet::new();
    for effect in event.body.stock_effects() {
        items.insert(effect.item.as_str().to_owned());
        locations.insert(effect.location.as_str().to_owned());
    }
    if let EventBody::Count(c) = &event.body {
        items.insert(c.item.as_str().to_owned());
        locations.insert(c.location.as_str().to_owned());
    }
    items.retain(|sku| !catalog.knows(warehouse, CatalogKind::Item, sku));
    locations.retain(|code| !catalog.knows(warehouse, CatalogKind::Location, code));
    if items.is_empty() && locations.is_empty() {
        return Ok(None);
    }
    let asked_items = items.clone();
    let asked_locations = locations.clone();
    let rows = sqlx::query(
        "SELECT 'item' AS what, s AS code FROM unnest($2::text[]) s
         WHERE NOT EXISTS (SELECT 1 FROM items i WHERE i.warehouse = $1 AND i.sku = s)
         UNION ALL
         SELECT 'location', s FROM unnest($3::text[]) s
         WHERE NOT EXISTS (SELECT 1 FROM locations l WHERE l.warehouse = $1 AND l.code = s)",
    )
    .bind(warehouse.as_str())
    .bind(items.into_iter().collect::<Vec<_>>())
    .bind(locations.into_iter().collect::<Vec<_>>())
    .fetch_all(&mut *conn)
    .await?;
    let mut missing_items = Vec::new();
    let mut missing_locations = Vec::new();
    for row in rows {
        let what: String = row.try_get("what")?;
        let code: String = row.try_get("code")?;
        if what == "item" {
            missing_items.push(code);
        } else {
            missing_locations.push(code);
        }
    }
    for sku in asked_items.iter().filter(|s| !missing_items.contains(s)) {
        catalog.learn(warehouse, CatalogKind::Item, sku);
    }
    for code in asked_locations
        .iter()
        .filter(|c| !missing_locations.contains(c))
    {
        catalog.learn(warehouse, CatalogKind::Location, code);
    }
    if missing_items.is_empty() && missing_locations.is_empty() {
        return Ok(None);
    }
    let (kind, message) = if let Some(item) = missing_items.first() {
        (
            "unknown_item",
            format!(
                "item {item} is not in warehouse {warehouse}'s catalog; the event is quarantined until it is imported"
            ),
        )
    } else {
        (
            "unknown_location",
            format!(
                "location {} is not in warehouse {warehouse}; the event is quarantined until it is imported",
                missing_locations[0]
            ),
        )
    };
    Ok(Some(NewConflict {
        kind,
        event_id: Some(event.header.event_id.as_uuid()),
        device_id: Some(event.header.device_id.as_uuid()),
        message,
        evidence: serde_json::json!({
            "unknown_items": missing_items,
            "unknown_locations": missing_locations,
            "event": body,
        }),
    }))
}

/// For every balance this (late) event moves, the earliest count at or after the event's
/// time already includes the event physically: the event's movement on that balance is
/// offset by a `count_rebase` row dated at the count, so the count's assertion still holds
/// and nothing is counted twice. The count is marked outdated and a conflict opened.
/// `strictly_after` (for a late count) leaves a count of the very same time alone.
async fn absorb_into_later_counts(
    conn: &mut PgConnection,
    warehouse: &WarehouseCode,
    event: &Event,
    rows: &[LedgerRow],
    body: &serde_json::Value,
    strictly_after: bool,
) -> StoreResult<(Vec<LedgerRow>, Vec<NewConflict>)> {
    let mut net: std::collections::BTreeMap<BalanceKey, i64> = Default::default();
    for row in rows {
        *net.entry(row.key.clone()).or_default() += row.delta;
    }
    net.retain(|_, delta| *delta != 0);
    if net.is_empty() {
        return Ok((vec![], vec![]));
    }
    let keys: Vec<&BalanceKey> = net.keys().collect();
    let found = sqlx::query(
        "SELECT DISTINCT ON (c.item, c.location, c.lot, c.status)
                c.item, c.location, c.lot, c.status, c.event_id, c.occurred_at, c.counted,
                c.variance
         FROM counts c
         JOIN unnest($2::text[], $3::text[], $4::text[], $5::text[]) AS k(item, location, lot, status)
           ON c.item = k.item AND c.location = k.location AND c.lot = k.lot AND c.status = k.status
         WHERE c.warehouse = $1 AND c.occurred_at >= $6 AND NOT ($7 AND c.occurred_at = $6)
         ORDER BY c.item, c.location, c.lot, c.status, c.occurred_at",
    )
    .bind(warehouse.as_str())
    .bind(keys.iter().map(|k| k.item.clone()).collect::<Vec<_>>())
    .bind(keys.iter().map(|k| k.location.clone()).collect::<Vec<_>>())
    .bind(keys.iter().map(|k| k.lot.clone()).collect::<Vec<_>>())
    .bind(keys.iter().map(|k| k.status.clone()).collect::<Vec<_>>())
    .bind(event.header.occurred_at)
    .bind(strictly_after)
    .fetch_all(&mut *conn)
    .await?;
    let mut rebase = Vec::new();
    let mut conflicts = Vec::new();
    for row in found {
        let key = BalanceKey {
            item: row.try_get("item")?,
            location: row.try_get("location")?,
            lot: row.try_get("lot")?,
            status: row.try_get("status")?,
        };
        let Some(&delta) = net.get(&key) else {
            continue;
        };
        let count_event: Uuid = row.try_get("event_id")?;
        let count_at: DateTime<Utc> = row.try_get("occurred_at")?;
        let variance: i64 = row.try_get("variance")?;
        rebase.push(LedgerRow {
            key: key.clone(),
            delta: -delta,
            cause: "count_rebase".to_owned(),
            occurred_at: count_at,
        });
        sqlx::query(
            "UPDATE counts SET outdated = true, ledger_as_of = ledger_as_of + $2,
                               variance = variance - $2
             WHERE event_id = $1",
        )
        .bind(count_event)
        .bind(delta)
        .execute(&mut *conn)
        .await?;
        conflicts.push(NewConflict {
            kind: "outdated_count",
            event_id: Some(event.header.event_id.as_uuid()),
            device_id: Some(event.header.device_id.as_uuid()),
            message: format!(
                "count of {} at {} ({count_at}) is outdated: a {} from {} synced after it; \
                 the count's variance is now {}",
                key.item,
                key.location,
                event.kind(),
                event.header.occurred_at,
                variance - delta
            ),
            evidence: serde_json::json!({
                "count_event_id": count_event,
                "count_occurred_at": count_at,
                "counted": row.try_get::<i64, _>("counted")?,
                "variance_before": variance,
                "variance_after": variance - delta,
                "late_event": body,
                "late_delta": delta,
                "key": key,
            }),
        });
    }
    Ok((rebase, conflicts))
}

/// Receipts against ASNs/POs: closed document, item not expected, over the expected
/// quantity beyond the document's tolerance; closing a document. Updates received
/// quantities and tells devices.
async fn check_receipt(
    conn: &mut PgConnection,
    warehouse: &WarehouseCode,
    event: &Event,
    body: &serde_json::Value,
) -> StoreResult<Vec<NewConflict>> {
    let event_id = Some(event.header.event_id.as_uuid());
    let device_id = Some(event.header.device_id.as_uuid());
    let (document, receipt) = match &event.body {
        EventBody::Receive(r) => match &r.document {
            Some(d) => (d, Some(r)),
            None => return Ok(vec![]),
        },
        EventBody::ReceiptClosed(c) => (&c.document, None),
        _ => return Ok(vec![]),
    };
    let kind = match document.kind {
        DocumentKind::Asn => "asn",
        DocumentKind::Po => "po",
        _ => return Ok(vec![]),
    };
    let doc = sqlx::query(
        "SELECT state, tolerance_pct FROM inbound_documents
         WHERE warehouse = $1 AND kind = $2 AND number = $3 FOR UPDATE",
    )
    .bind(warehouse.as_str())
    .bind(kind)
    .bind(&document.number)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(doc) = doc else {
        return Ok(vec![NewConflict {
            kind: "unknown_document",
            event_id,
            device_id,
            message: format!(
                "{kind} {} is not known in warehouse {warehouse}",
                document.number
            ),
            evidence: serde_json::json!({ "event": body }),
        }]);
    };
    let state: String = doc.try_get("state")?;
    let tolerance: i32 = doc.try_get("tolerance_pct")?;
    let mut conflicts = Vec::new();
    match receipt {
        None => {
            sqlx::query(
                "UPDATE inbound_documents SET state = 'closed', closed_at = now()
                 WHERE warehouse = $1 AND kind = $2 AND number = $3",
            )
            .bind(warehouse.as_str())
            .bind(kind)
            .bind(&document.number)
            .execute(&mut *conn)
            .await?;
        }
        Some(receive) => {
            if state == "closed" {
                conflicts.push(NewConflict {
                    kind: "receipt_against_closed_document",
                    event_id,
                    device_id,
                    message: format!(
                        "{} {} received against {kind} {}, which is closed",
                        receive.line.qty, receive.line.item, document.number
                    ),
                    evidence: serde_json::json!({ "event": body, "document_state": state }),
                });
            }
            let line = sqlx::query(
                "SELECT line_no, expected, received FROM inbound_lines
                 WHERE warehouse = $1 AND kind = $2 AND number = $3 AND sku = $4
                 ORDER BY (received < expected) DESC, line_no LIMIT 1 FOR UPDATE",
            )
            .bind(warehouse.as_str())
            .bind(kind)
            .bind(&document.number)
            .bind(receive.line.item.as_str())
            .fetch_optional(&mut *conn)
            .await?;
            match line {
                None => conflicts.push(NewConflict {
                    kind: "receipt_item_not_expected",
                    event_id,
                    device_id,
                    message: format!("{} is not on {kind} {}", receive.line.item, document.number),
                    evidence: serde_json::json!({ "event": body }),
                }),
                Some(line) => {
                    let line_no: i32 = line.try_get("line_no")?;
                    let expected: i64 = line.try_get("expected")?;
                    let received: i64 = line.try_get("received")?;
                    let now_received = received + receive.line.qty.units();
                    let allowed = expected + expected * i64::from(tolerance) / 100;
                    if now_received > allowed {
                        conflicts.push(NewConflict {
                            kind: "over_receipt",
                            event_id,
                            device_id,
                            message: format!(
                                "{now_received} {} received against {kind} {} line {line_no}, \
                                 which expects {expected} (tolerance {tolerance}%)",
                                receive.line.item, document.number
                            ),
                            evidence: serde_json::json!({
                                "event": body,
                                "line_no": line_no,
                                "expected": expected,
                                "received_before": received,
                                "received_after": now_received,
                                "tolerance_pct": tolerance,
                            }),
                        });
                    }
                    sqlx::query(
                        "UPDATE inbound_lines SET received = $5
                         WHERE warehouse = $1 AND kind = $2 AND number = $3 AND line_no = $4",
                    )
                    .bind(warehouse.as_str())
                    .bind(kind)
                    .bind(&document.number)
                    .bind(line_no)
                    .bind(now_received)
                    .execute(&mut *conn)
                    .await?;
                }
            }
        }
    }
    if let Some(record) =
        super::imports::inbound_document_record(conn, warehouse, kind, &document.number).await?
    {
        super::pull::record_changes(conn, warehouse, &[Change::InboundDocument(record)]).await?;
    }
    Ok(conflicts)
}

/// A received lot joins the warehouse's lot register (with its expiry, first one wins).
async fn record_lot(
    conn: &mut PgConnection,
    warehouse: &WarehouseCode,
    event: &Event,
) -> StoreResult<()> {
    let EventBody::Receive(receive) = &event.body else {
        return Ok(());
    };
    let Some(lot) = &receive.line.lot else {
        return Ok(());
    };
    sqlx::query(
        "INSERT INTO lots (warehouse, sku, lot, expiry) VALUES ($1, $2, $3, $4)
         ON CONFLICT (warehouse, sku, lot) DO UPDATE SET expiry = COALESCE(lots.expiry, EXCLUDED.expiry)",
    )
    .bind(warehouse.as_str())
    .bind(receive.line.item.as_str())
    .bind(lot.as_str())
    .bind(receive.line.expiry)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Serial numbers are unique while in stock: receiving one already in stock, or shipping
/// one that already left, is a `duplicate_serial` conflict.
async fn check_serials(
    conn: &mut PgConnection,
    warehouse: &WarehouseCode,
    event: &Event,
    body: &serde_json::Value,
) -> StoreResult<Vec<NewConflict>> {
    let event_id = event.header.event_id.as_uuid();
    let (lines, location, into_stock) = match &event.body {
        EventBody::Receive(r) => (vec![&r.line], Some(r.to.as_str()), true),
        EventBody::Ship(s) => (s.lines.iter().collect(), None, false),
        _ => return Ok(vec![]),
    };
    let mut conflicts = Vec::new();
    for line in lines {
        if line.serials.is_empty() {
            continue;
        }
        let mut serials: Vec<String> = line.serials.iter().map(|s| s.as_str().to_owned()).collect();
        serials.sort();
        let mut fresh: BTreeSet<String> = BTreeSet::new();
        if into_stock {
            let inserted: Vec<String> = sqlx::query_scalar(
                "INSERT INTO serials (warehouse, sku, serial, in_stock, location, last_event_id)
                 SELECT $1, $2, s, true, $3, $4 FROM unnest($5::text[]) s ORDER BY s
                 ON CONFLICT DO NOTHING RETURNING serial",
            )
            .bind(warehouse.as_str())
            .bind(line.item.as_str())
            .bind(location)
            .bind(event_id)
            .bind(&serials)
            .fetch_all(&mut *conn)
            .await?;
            fresh.extend(inserted);
        }
        let existing: Vec<String> = serials
            .iter()
            .filter(|s| !fresh.contains(*s))
            .cloned()
            .collect();
        if existing.is_empty() {
            continue;
        }
        let rows = sqlx::query(
            "SELECT serial, in_stock, last_event_id FROM serials
             WHERE warehouse = $1 AND sku = $2 AND serial = ANY($3) ORDER BY serial FOR UPDATE",
        )
        .bind(warehouse.as_str())
        .bind(line.item.as_str())
        .bind(&existing)
        .fetch_all(&mut *conn)
        .await?;
        let mut duplicates = Vec::new();
        for row in &rows {
            let in_stock: bool = row.try_get("in_stock")?;
            if in_stock == into_stock {
                duplicates.push(serde_json::json!({
                    "serial": row.try_get::<String, _>("serial")?,
                    "previous_event_id": row.try_get::<Uuid, _>("last_event_id")?,
                }));
            }
        }
        sqlx::query(
            "INSERT INTO serials (warehouse, sku, serial, in_stock, location, last_event_id)
             SELECT $1, $2, s, $3, $4, $5 FROM unnest($6::text[]) s ORDER BY s
             ON CONFLICT (warehouse, sku, serial) DO UPDATE
             SET in_stock = EXCLUDED.in_stock, location = EXCLUDED.location,
                 last_event_id = EXCLUDED.last_event_id",
        )
        .bind(warehouse.as_str())
        .bind(line.item.as_str())
        .bind(into_stock)
        .bind(location)
        .bind(event_id)
        .bind(&existing)
        .execute(&mut *conn)
        .await?;
        if !duplicates.is_empty() {
            let verb = if into_stock { "received" } else { "shipped" };
            conflicts.push(NewConflict {
                kind: "duplicate_serial",
                event_id: Some(event_id),
                device_id: Some(event.header.device_id.as_uuid()),
                message: format!(
                    "{} serial(s) of {} {verb} twice: {}",
                    duplicates.len(),
                    line.item,
                    duplicates
                        .iter()
                        .filter_map(|d| d["serial"].as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                evidence: serde_json::json!({ "event": body, "duplicates": duplicates }),
            });
        }
    }
    Ok(conflicts)
}
