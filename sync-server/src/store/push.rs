//! `apply_push_batch`: takes a device's events exactly once.
//!
//! A batch is applied in as few transactions as is safe: one transaction per chunk of at
//! most [`MAX_CHUNK`] events. Each chunk's transaction locks the device (an advisory lock:
//! concurrent pushes of one device serialise), locks every balance the chunk's new events
//! will move — advisory locks first (see `lock_ahead`), then the rows, the sorted union in
//! one statement, before anything else is written — then,
//! event by event in `device_seq` order, stores the event whole with its result and applies
//! its effects, and finally advances `last_seq` once; all committed together. A seq at or
//! below `last_seq` is a retry and gets the stored result; the first seq above
//! `last_seq + 1` stops the batch (a gap). Events are taken in `device_seq` order whatever
//! order the batch lists them in, and a seq listed twice is answered once.
//!
//! Any failure rolls the whole chunk back. The chunk is then retried in halves (down to one
//! event per transaction, the old behaviour); at one event per transaction a deadlock,
//! serialisation failure or unique violation is retried up to [`MAX_ATTEMPTS`] times and
//! any other error is returned, with the events before it committed.
//!
//! An event that cannot be decoded (unsupported version, unknown kind, malformed or invalid
//! payload) or that names an item or location the warehouse does not know is stored,
//! answered `rejected`, quarantined with a conflict, and `last_seq` still advances: a
//! poison event never blocks the ones behind it.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use dockhand_app::domain::{DeviceSeq, DocumentKind, Event, EventBody, RawEvent, WarehouseCode};
use dockhand_app::protocol::{Change, EventOutcome, EventResult, SeqGap};
use sqlx::{PgConnection, Row};
use tracing::Instrument;
use uuid::Uuid;

use super::conflicts::{NewConflict, open_conflict};
use super::ledger::{self, BalanceKey, LedgerRow};
use super::{AuthedDevice, CatalogKind, KnownCatalog, Store, StoreError, StoreResult, lot_key};

/// How often a one-event transaction is retried after a deadlock or serialisation failure.
const MAX_ATTEMPTS: u32 = 5;

/// The most events one transaction applies (keeps transactions, and the pull barrier they
/// hold back, short).
const MAX_CHUNK: usize = 500;

/// What a push achieved.
#[derive(Debug, Clone)]
pub struct PushBatch {
    /// One result per distinct `device_seq` taken, lowest first.
    pub results: Vec<EventResult>,
    pub last_applied_seq: DeviceSeq,
    /// Set when the batch stopped at a gap.
    pub gap: Option<SeqGap>,
    /// The transaction that last applied this device's events (`last_applied_seq` and every
    /// seq below it committed at or before it); `None` before the device's first event.
    pub commit_txid: Option<u64>,
}

/// What a transaction already holds while it applies events one after another.
#[derive(Debug, Default)]
struct Held {
    /// Balances locked by this transaction, with their current quantities.
    qty: BTreeMap<BalanceKey, i64>,
    /// Locked balances with no count at or after any of the transaction's events: a
    /// movement on them alone cannot be inside a count (a new count needs the balance's
    /// lock, which this transaction holds).
    uncounted: BTreeSet<BalanceKey>,
    /// Events applied but not yet written to `events` (written at the end of the chunk,
    /// or before anything reads `events`).
    pending: Vec<PendingEvent>,
    /// Ledger rows and balance movements applied to `qty` but not yet written (written at
    /// the end of the chunk, or before anything reads the ledger).
    stock: ledger::PendingStock,
    /// Lots received by the chunk's events, with the first expiry given (written with the
    /// stock).
    lots: BTreeMap<(String, String), Option<NaiveDate>>,
    /// The locked balances that pick tasks hold reservations on, learned once per chunk
    /// after the balance locks (which reservation imports also take); `None`: look each
    /// one up.
    reserved: Option<BTreeSet<BalanceKey>>,
}

impl Held {
    /// Writes everything the chunk has applied so far: events first (evidence and the
    /// stream join the ledger to them), then lots (the balance changes devices pull carry
    /// their lot's expiry from the register), then the ledger and balances. Checks that the
    /// balances written hold what the chunk computed from its locked quantities.
    async fn flush(
        &mut self,
        conn: &mut PgConnection,
        warehouse: &WarehouseCode,
    ) -> StoreResult<()> {
        flush_events(conn, warehouse, &mut self.pending).await?;
        if !self.lots.is_empty() {
            let lots = std::mem::take(&mut self.lots);
            let (keys, expiries): (Vec<_>, Vec<_>) = lots.into_iter().unzip();
            let (skus, lots): (Vec<String>, Vec<String>) = keys.into_iter().unzip();
            sqlx::query(
                "INSERT INTO lots (warehouse, sku, lot, expiry)
                 SELECT $1, l.sku, l.lot, l.expiry
                 FROM unnest($2::text[], $3::text[], $4::date[]) AS l(sku, lot, expiry)
                 ORDER BY l.sku, l.lot
                 ON CONFLICT (warehouse, sku, lot)
                 DO UPDATE SET expiry = COALESCE(lots.expiry, EXCLUDED.expiry)",
            )
            .bind(warehouse.as_str())
            .bind(skus)
            .bind(lots)
            .bind(expiries)
            .execute(&mut *conn)
            .await?;
        }
        let after = self.stock.flush(conn, warehouse).await?;
        for (key, qty) in &after {
            if key.status == ledger::DISCREPANCY {
                continue;
            }
            match self.qty.get(key) {
                Some(expected) if expected == qty => {}
                expected => {
                    return Err(StoreError::Corrupt(format!(
                        "balance {key:?} is {qty} after the chunk's writes, expected {expected:?}"
                    )));
                }
            }
        }
        Ok(())
    }
}

/// An `events` row to write.
#[derive(Debug)]
struct PendingEvent {
    event_id: Uuid,
    device_id: Uuid,
    seq: i64,
    kind: String,
    v: i32,
    occurred_at: DateTime<Utc>,
    body: serde_json::Value,
    result: serde_json::Value,
}

/// Writes the pending `events` rows (with their results) in one statement.
async fn flush_events(
    conn: &mut PgConnection,
    warehouse: &WarehouseCode,
    pending: &mut Vec<PendingEvent>,
) -> StoreResult<()> {
    if pending.is_empty() {
        return Ok(());
    }
    let rows = std::mem::take(pending);
    sqlx::query(
        "INSERT INTO events (event_id, device_id, device_seq, warehouse, kind, v, occurred_at,
                             body, result)
         SELECT e.event_id, e.device_id, e.seq, $1, e.kind, e.v, e.occurred_at, j.doc->'body',
                j.doc->'result'
         FROM unnest($2::uuid[], $3::uuid[], $4::int8[], $5::text[], $6::int4[],
                     $7::timestamptz[])
              WITH ORDINALITY AS e(event_id, device_id, seq, kind, v, occurred_at, ord)
         JOIN jsonb_array_elements($8::jsonb) WITH ORDINALITY AS j(doc, ord) USING (ord)
         ORDER BY ord",
    )
    .bind(warehouse.as_str())
    .bind(rows.iter().map(|r| r.event_id).collect::<Vec<_>>())
    .bind(rows.iter().map(|r| r.device_id).collect::<Vec<_>>())
    .bind(rows.iter().map(|r| r.seq).collect::<Vec<_>>())
    .bind(rows.iter().map(|r| r.kind.clone()).collect::<Vec<_>>())
    .bind(rows.iter().map(|r| r.v).collect::<Vec<_>>())
    .bind(rows.iter().map(|r| r.occurred_at).collect::<Vec<_>>())
    .bind(serde_json::Value::Array(
        rows.into_iter()
            .map(|r| serde_json::json!({ "body": r.body, "result": r.result }))
            .collect(),
    ))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// What one chunk's transaction took.
struct Chunk {
    /// One result per event taken, in order (a prefix of the chunk).
    results: Vec<EventResult>,
    /// The device's `last_seq` after the chunk (set when any result was given).
    last_seq: Option<i64>,
    gap: Option<SeqGap>,
    /// The chunk's transaction id, when it applied new events.
    txid: Option<u64>,
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
        let mut commit_txid = None;
        let mut pos = 0;
        let mut chunk_size = MAX_CHUNK;
        let mut attempt = 1;
        while pos < events.len() {
            let end = (pos + chunk_size).min(events.len());
            let chunk = &events[pos..end];
            let span = tracing::info_span!(
                "push_chunk",
                device = %device.device_id,
                first_seq = chunk[0].header.device_seq.get(),
                events = chunk.len(),
            );
            match self.push_chunk(device, chunk).instrument(span).await {
                Ok(done) => {
                    pos += done.results.len();
                    results.extend(done.results);
                    if done.last_seq.is_some() {
                        last_seq = done.last_seq;
                    }
                    if done.txid.is_some() {
                        commit_txid = done.txid;
                    }
                    attempt = 1;
                    if done.gap.is_some() {
                        gap = done.gap;
                        break;
                    }
                }
                // The whole chunk rolled back: run it again in smaller transactions, which
                // also isolates an event that fails (it ends up alone, as before batching).
                Err(e) if chunk.len() > 1 => {
                    tracing::warn!(
                        events = chunk.len(),
                        error = %e,
                        "push chunk failed; retrying it in smaller transactions"
                    );
                    if e.is_retryable() {
                        crate::metrics::METRICS.transaction_retries.inc();
                    }
                    chunk_size = chunk.len() / 2;
                }
                Err(e) if e.is_retryable() && attempt < MAX_ATTEMPTS => {
                    tracing::warn!(attempt, error = %e, "retrying event after a transient failure");
                    crate::metrics::METRICS.transaction_retries.inc();
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
        let (last, commit_txid) = match (last_seq, commit_txid) {
            (Some(last), Some(txid)) if gap.is_none() && queued.is_none() => (last, Some(txid)),
            _ => {
                let row = sqlx::query(
                    "UPDATE device_sync SET queued_reported = COALESCE($2, queued_reported)
                     WHERE device_id = $1 RETURNING last_seq, last_push_txid::text AS txid",
                )
                .bind(device.device_id.as_uuid())
                .bind(queued.and_then(|q| i64::try_from(q).ok()))
                .fetch_one(&self.pool)
                .await?;
                let txid = row
                    .try_get::<Option<String>, _>("txid")?
                    .map(super::pull::parse_xid)
                    .transpose()?;
                (row.try_get("last_seq")?, txid)
            }
        };
        Ok(PushBatch {
            results,
            last_applied_seq: DeviceSeq(u64::try_from(last).unwrap_or(0)),
            gap,
            commit_txid,
        })
    }

    /// One transaction over `events` (sorted, distinct seqs): answers replays, applies the
    /// contiguous run of new events, stops at a gap, advances `last_seq` once, commits.
    async fn push_chunk(&self, device: &AuthedDevice, events: &[RawEvent]) -> StoreResult<Chunk> {
        let device_id = device.device_id.as_uuid();
        let warehouse = &device.warehouse;
        let ids: Vec<Uuid> = events.iter().map(|e| e.header.event_id.as_uuid()).collect();
        let mut tx = self.pool.begin().await?;
        // Concurrent pushes of one device serialise on a transaction-scoped advisory lock,
        // not on a row lock: a row lock would give this transaction its id (`txid`, the
        // pull's order) before it waits, and a transaction that waits for its locks after
        // taking its id may write a balance after one with a later id wrote it — devices
        // pulling in txid order would then keep the older value. The id is assigned at the
        // first balance lock below instead.
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1::text, 0))")
            .bind(format!("device\u{1f}{device_id}"))
            .execute(&mut *tx)
            .await?;
        // Read after the lock: the previous holder's commit is visible. Also learn which of
        // the chunk's event ids are already taken (a concurrent taker makes an insert fail:
        // the chunk is retried and then sees it).
        let row = sqlx::query(
            "SELECT s.last_seq,
                    ARRAY(SELECT e.event_id FROM events e WHERE e.event_id = ANY($2)) AS used
             FROM device_sync s WHERE s.device_id = $1",
        )
        .bind(device_id)
        .bind(&ids)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| {
            StoreError::NotFound(format!("device {} is not enrolled", device.device_id))
        })?;
        let start_seq: i64 = row.try_get("last_seq")?;
        // The set-based statements take their key lists as arrays: a generic plan guesses
        // their length and may scan whole tables (the balances update did, at every event);
        // plans made for the actual arrays use the keys' indexes.
        sqlx::query("SET LOCAL plan_cache_mode = force_custom_plan")
            .execute(&mut *tx)
            .await?;
        let mut used: HashSet<Uuid> = row.try_get::<Vec<Uuid>, _>("used")?.into_iter().collect();

        // The contiguous run of new events, decoded once to learn the balances they move.
        let mut run: Vec<Event> = Vec::new();
        let mut next = start_seq + 1;
        let mut run_ids: HashSet<Uuid> = HashSet::new();
        for raw in events {
            let Ok(seq) = i64::try_from(raw.header.device_seq.get()) else {
                break;
            };
            if seq <= start_seq {
                continue;
            }
            if seq != next {
                break;
            }
            next += 1;
            let id = raw.header.event_id.as_uuid();
            // A reused id is not applied (duplicate_event_id): it moves nothing.
            if !used.contains(&id) && run_ids.insert(id) {
                // One that does not decode is quarantined: it moves nothing either.
                run.extend(raw.clone().decode().ok());
            }
        }
        let held_keys = self.balance_keys_of(&mut tx, warehouse, &run).await?;
        let documents = documents_of(&run);
        // Before this transaction takes its id: wait for every other push that moves the
        // same balances or documents (advisory locks, see `lock_ahead`).
        lock_ahead(&mut tx, warehouse, &held_keys, &documents).await?;
        // Lock order: the device, then every balance of the chunk, sorted, at once.
        let mut held = Held {
            qty: ledger::lock_balances(&mut tx, warehouse, held_keys).await?,
            ..Held::default()
        };
        // Then the inbound documents the run receives against or closes, sorted (documents
        // come after balances in the lock order; their changes are pulled too).
        lock_documents(&mut tx, warehouse, &documents).await?;
        if run.iter().any(|e| matches!(e.body, EventBody::Pick(_))) {
            held.reserved =
                Some(super::tasks::reserved_keys(&mut tx, warehouse, held.qty.keys()).await?);
        }
        // Which locked balances no count can absorb a movement of (counts the chunk itself
        // writes would change that: then every event looks its counts up).
        let earliest = run.iter().map(|e| e.header.occurred_at).min();
        let counts_in_run = run.iter().any(|e| matches!(e.body, EventBody::Count(_)));
        if let (Some(earliest), false) = (earliest, counts_in_run) {
            held.uncounted = uncounted_keys(&mut tx, warehouse, &held.qty, earliest).await?;
        }

        let mut results = Vec::with_capacity(events.len());
        let mut gap = None;
        let mut last_seq = start_seq;
        let mut taken = (0i64, 0i64, 0i64);
        for raw in events {
            let seq = i64::try_from(raw.header.device_seq.get()).map_err(|_| {
                StoreError::Invalid(format!("device_seq {} is too large", raw.header.device_seq))
            })?;
            if seq <= last_seq {
                results.push(stored_answer(&mut tx, device, raw, seq).await?);
                continue;
            }
            if seq > last_seq + 1 {
                gap = Some(SeqGap {
                    expected_seq: DeviceSeq(u64::try_from(last_seq + 1).unwrap_or(1)),
                    got_seq: raw.header.device_seq,
                });
                break;
            }
            let span = tracing::info_span!(
                "push_event",
                device = %device.device_id,
                seq = raw.header.device_seq.get(),
                event = %raw.header.event_id,
            );
            let result = self
                .take_event(&mut tx, device, raw, seq, &mut used, &mut held)
                .instrument(span)
                .await?;
            match &result.outcome {
                EventOutcome::Applied => taken.0 += 1,
                EventOutcome::AppliedWithConflict { .. } => taken.1 += 1,
                EventOutcome::Rejected { .. } => taken.2 += 1,
            }
            results.push(result);
            last_seq = seq;
        }
        held.flush(&mut tx, warehouse).await?;
        let mut txid = None;
        if last_seq > start_seq {
            let row = sqlx::query(
                "UPDATE device_sync SET last_seq = $2, last_push_at = now(),
                        events_applied = events_applied + $3,
                        events_conflict = events_conflict + $4,
                        events_rejected = events_rejected + $5,
                        last_push_txid = pg_current_xact_id()
                 WHERE device_id = $1
                 RETURNING last_push_txid::text AS txid",
            )
            .bind(device_id)
            .bind(last_seq)
            .bind(taken.0)
            .bind(taken.1)
            .bind(taken.2)
            .fetch_one(&mut *tx)
            .await?;
            txid = Some(super::pull::parse_xid(row.try_get("txid")?)?);
        }
        tx.commit().await?;
        for result in &results {
            let seq = i64::try_from(result.device_seq.get()).unwrap_or(i64::MAX);
            if seq > start_seq {
                crate::metrics::METRICS.record_outcome(&result.outcome);
            }
        }
        Ok(Chunk {
            last_seq: (!results.is_empty()).then_some(last_seq),
            results,
            gap,
            txid,
        })
    }

    /// The balances the decoded events of `run` will move (and count), restricted to items
    /// and locations the warehouse knows (an event naming an unknown one is quarantined and
    /// moves nothing). Learns the catalog codes of the whole run in one query.
    async fn balance_keys_of(
        &self,
        conn: &mut PgConnection,
        warehouse: &WarehouseCode,
        run: &[Event],
    ) -> StoreResult<BTreeSet<BalanceKey>> {
        let mut keys: BTreeSet<BalanceKey> = BTreeSet::new();
        for event in run {
            keys.extend(event_keys(event));
        }
        let mut items: BTreeSet<&str> = BTreeSet::new();
        let mut locations: BTreeSet<&str> = BTreeSet::new();
        for key in &keys {
            if !self.catalog.knows(warehouse, CatalogKind::Item, &key.item) {
                items.insert(&key.item);
            }
            if !self
                .catalog
                .knows(warehouse, CatalogKind::Location, &key.location)
            {
                locations.insert(&key.location);
            }
        }
        if !items.is_empty() || !locations.is_empty() {
            let rows = sqlx::query(
                "SELECT 'item' AS what, s AS code FROM unnest($2::text[]) s
                 WHERE EXISTS (SELECT 1 FROM items i WHERE i.warehouse = $1 AND i.sku = s)
                 UNION ALL
                 SELECT 'location', s FROM unnest($3::text[]) s
                 WHERE EXISTS (SELECT 1 FROM locations l WHERE l.warehouse = $1 AND l.code = s)",
            )
            .bind(warehouse.as_str())
            .bind(items.iter().copied().collect::<Vec<_>>())
            .bind(locations.iter().copied().collect::<Vec<_>>())
            .fetch_all(&mut *conn)
            .await?;
            for row in rows {
                let what: String = row.try_get("what")?;
                let code: String = row.try_get("code")?;
                let kind = if what == "item" {
                    CatalogKind::Item
                } else {
                    CatalogKind::Location
                };
                self.catalog.learn(warehouse, kind, &code);
            }
        }
        // An event with any unknown code moves nothing at all.
        let mut known: BTreeSet<BalanceKey> = BTreeSet::new();
        for event in run {
            let event_keys = event_keys(event);
            let all_known = event_keys.iter().all(|k| {
                self.catalog.knows(warehouse, CatalogKind::Item, &k.item)
                    && self
                        .catalog
                        .knows(warehouse, CatalogKind::Location, &k.location)
            });
            if all_known {
                known.extend(event_keys);
            }
        }
        Ok(known)
    }

    /// Takes the new event `raw` (its seq is `last_seq + 1`) in the chunk's transaction:
    /// applies it (or answers a reused id) and stores it with its result.
    async fn take_event(
        &self,
        tx: &mut PgConnection,
        device: &AuthedDevice,
        raw: &RawEvent,
        seq: i64,
        used: &mut HashSet<Uuid>,
        held: &mut Held,
    ) -> StoreResult<EventResult> {
        let body = serde_json::to_value(raw)
            .map_err(|e| StoreError::Invalid(format!("event does not serialise: {e}")))?;
        let stored = used.insert(raw.header.event_id.as_uuid());
        let outcome = if stored {
            apply_event(tx, &device.warehouse, raw, &body, &self.catalog, held).await?
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
            let id = open_conflict(tx, &device.warehouse, &conflict).await?;
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
        if stored {
            let json = serde_json::to_value(&result)
                .map_err(|e| StoreError::Corrupt(format!("result does not serialise: {e}")))?;
            // The event, whole, with its result: written with the chunk's others, before
            // anything reads `events` (evidence joins the ledger to it).
            held.pending.push(PendingEvent {
                event_id: raw.header.event_id.as_uuid(),
                device_id: device.device_id.as_uuid(),
                seq,
                kind: raw.kind.clone(),
                v: i32::from(raw.v),
                occurred_at: raw.header.occurred_at,
                body,
                result: json,
            });
        }
        Ok(result)
    }
}

/// The answer to a seq at or below `last_seq`: the stored result, byte for byte.
async fn stored_answer(
    tx: &mut PgConnection,
    device: &AuthedDevice,
    raw: &RawEvent,
    seq: i64,
) -> StoreResult<EventResult> {
    let stored =
        sqlx::query("SELECT event_id, result FROM events WHERE device_id = $1 AND device_seq = $2")
            .bind(device.device_id.as_uuid())
            .bind(seq)
            .fetch_optional(&mut *tx)
            .await?;
    let outcome = match stored {
        Some(row) if row.try_get::<Uuid, _>("event_id")? == raw.header.event_id.as_uuid() => {
            let result: serde_json::Value = row.try_get("result")?;
            return serde_json::from_value(result)
                .map_err(|e| StoreError::Corrupt(format!("stored result of seq {seq}: {e}")));
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
                    reason: format!("device_seq {seq} was already used by a rejected event"),
                },
            }
        }
    };
    Ok(EventResult {
        device_seq: raw.header.device_seq,
        event_id: raw.header.event_id,
        outcome,
    })
}

/// Waits for, and takes, transaction-scoped advisory locks on the balances and documents a
/// chunk will write, sorted by lock id. A transaction gets its id (`txid`, the order in
/// which devices pull changes) at its first row lock; if it then waited for a row another
/// push holds, that push could have the later id yet write the row first, and devices
/// pulling in txid order would keep the older value. Pushes touching the same rows instead
/// queue here, before taking an id: a push that writes a row after another gets the later
/// id.
async fn lock_ahead(
    conn: &mut PgConnection,
    warehouse: &WarehouseCode,
    keys: &BTreeSet<BalanceKey>,
    documents: &BTreeSet<(&'static str, String)>,
) -> StoreResult<()> {
    let names: Vec<String> =
        keys.iter()
            .map(|k| {
                format!(
                    "balance\u{1f}{warehouse}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}",
                    k.item, k.location, k.lot, k.status
                )
            })
            .chain(documents.iter().map(|(kind, number)| {
                format!("document\u{1f}{warehouse}\u{1f}{kind}\u{1f}{number}")
            }))
            .collect();
    if names.is_empty() {
        return Ok(());
    }
    // Volatile functions in the select list run after the sort: the locks are taken in
    // lock-id order, so two pushes cannot deadlock here.
    sqlx::query(
        "SELECT pg_advisory_xact_lock(h)
         FROM (SELECT DISTINCT hashtextextended(n, 0) AS h FROM unnest($1::text[]) n) ids
         ORDER BY h",
    )
    .bind(names)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The ASNs/POs that `run` receives against or closes.
fn documents_of(run: &[Event]) -> BTreeSet<(&'static str, String)> {
    let mut documents: BTreeSet<(&'static str, String)> = BTreeSet::new();
    for event in run {
        let document = match &event.body {
            EventBody::Receive(r) => r.document.as_ref(),
            EventBody::ReceiptClosed(c) => Some(&c.document),
            _ => None,
        };
        let kind = match document.map(|d| d.kind) {
            Some(DocumentKind::Asn) => "asn",
            Some(DocumentKind::Po) => "po",
            _ => continue,
        };
        if let Some(document) = document {
            documents.insert((kind, document.number.clone()));
        }
    }
    documents
}

/// Locks `documents` in (kind, number) order.
async fn lock_documents(
    conn: &mut PgConnection,
    warehouse: &WarehouseCode,
    documents: &BTreeSet<(&'static str, String)>,
) -> StoreResult<()> {
    if documents.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "SELECT 1 FROM inbound_documents d
         JOIN unnest($2::text[], $3::text[]) AS k(kind, number)
           ON d.kind = k.kind AND d.number = k.number
         WHERE d.warehouse = $1
         ORDER BY d.kind, d.number FOR UPDATE OF d",
    )
    .bind(warehouse.as_str())
    .bind(documents.iter().map(|(k, _)| *k).collect::<Vec<_>>())
    .bind(documents.iter().map(|(_, n)| n.clone()).collect::<Vec<_>>())
    .fetch_all(&mut *conn)
    .await?;
    Ok(())
}

/// The keys of `locked` with no count at or after `earliest`.
async fn uncounted_keys(
    conn: &mut PgConnection,
    warehouse: &WarehouseCode,
    locked: &BTreeMap<BalanceKey, i64>,
    earliest: DateTime<Utc>,
) -> StoreResult<BTreeSet<BalanceKey>> {
    if locked.is_empty() {
        return Ok(BTreeSet::new());
    }
    let keys: Vec<&BalanceKey> = locked.keys().collect();
    let counted = sqlx::query(
        "SELECT DISTINCT c.item, c.location, c.lot, c.status
         FROM counts c
         JOIN unnest($2::text[], $3::text[], $4::text[], $5::text[]) AS k(item, location, lot, status)
           ON c.item = k.item AND c.location = k.location AND c.lot = k.lot AND c.status = k.status
         WHERE c.warehouse = $1 AND c.occurred_at >= $6",
    )
    .bind(warehouse.as_str())
    .bind(keys.iter().map(|k| k.item.clone()).collect::<Vec<_>>())
    .bind(keys.iter().map(|k| k.location.clone()).collect::<Vec<_>>())
    .bind(keys.iter().map(|k| k.lot.clone()).collect::<Vec<_>>())
    .bind(keys.iter().map(|k| k.status.clone()).collect::<Vec<_>>())
    .bind(earliest)
    .fetch_all(&mut *conn)
    .await?;
    let mut uncounted: BTreeSet<BalanceKey> = locked.keys().cloned().collect();
    for row in counted {
        uncounted.remove(&BalanceKey {
            item: row.try_get("item")?,
            location: row.try_get("location")?,
            lot: row.try_get("lot")?,
            status: row.try_get("status")?,
        });
    }
    Ok(uncounted)
}

/// Every balance `event` moves or counts.
fn event_keys(event: &Event) -> BTreeSet<BalanceKey> {
    let mut keys: BTreeSet<BalanceKey> = event
        .body
        .stock_effects()
        .iter()
        .map(BalanceKey::from_effect)
        .collect();
    if let Some(key) = count_key(event) {
        keys.insert(key);
    }
    keys
}

/// The balance a count asserts.
fn count_key(event: &Event) -> Option<BalanceKey> {
    match &event.body {
        EventBody::Count(c) => Some(BalanceKey {
            item: c.item.as_str().to_owned(),
            location: c.location.as_str().to_owned(),
            lot: lot_key(c.lot.as_ref()),
            status: c.status.as_str().to_owned(),
        }),
        _ => None,
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
    let mut held = Held::default();
    let outcome = apply_event(conn, warehouse, &raw, &body, catalog, &mut held).await?;
    held.flush(conn, warehouse).await?;
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
    held: &mut Held,
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
    let count_key = count_key(&event);
    let keys: BTreeSet<BalanceKey> = rows
        .iter()
        .map(|r| r.key.clone())
        .chain(count_key.clone())
        .collect();
    // Balances first (in key order), then documents and serials: one order for everyone.
    // A batch's transaction locked all of its balances up front (`held`, with their
    // current quantities); only a key it lacks is locked here.
    let locked: BTreeMap<BalanceKey, i64> = if keys.iter().all(|k| held.qty.contains_key(k)) {
        keys.iter().map(|k| (k.clone(), held.qty[k])).collect()
    } else {
        let locked = ledger::lock_balances(conn, warehouse, keys.iter().cloned()).await?;
        held.qty.extend(locked.clone());
        locked
    };

    conflicts.extend(check_receipt(conn, warehouse, &event, body).await?);
    conflicts.extend(check_serials(conn, warehouse, &event, body).await?);
    conflicts.extend(super::sscc::check_sscc_allocation(conn, warehouse, &event).await?);
    record_lot(&event, &mut held.lots);
    conflicts.extend(
        super::tasks::check_reservations(
            conn,
            warehouse,
            &event,
            &rows,
            &locked,
            held.reserved.as_ref(),
            body,
        )
        .await?,
    );

    if let (Some(key), EventBody::Count(count)) = (&count_key, &event.body) {
        // The count compares with the ledger: write what the chunk has applied so far.
        held.flush(conn, warehouse).await?;
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
    } else if !rows.iter().all(|r| held.uncounted.contains(&r.key)) {
        let (rebase, outdated) =
            absorb_into_later_counts(conn, warehouse, &event, &rows, body, false).await?;
        rows.extend(rebase);
        conflicts.extend(outdated);
    }

    let applied = ledger::plan_rows(rows, &locked)?;
    held.qty
        .extend(applied.after.iter().map(|(k, q)| (k.clone(), *q)));
    held.stock.add(event_id, applied.rows);
    if !applied.shortfalls.is_empty() {
        let kind = match &event.body {
            EventBody::Pick(_) => "pick_beyond_balance",
            EventBody::Move(_) | EventBody::Putaway(_) => "move_from_empty",
            _ => "stock_shortfall",
        };
        // The evidence reads the ledger (joined to `events`): write what is pending first.
        held.flush(conn, warehouse).await?;
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

/// A received lot joins the warehouse's lot register (with its expiry, first one wins),
/// written with the chunk's stock.
fn record_lot(event: &Event, lots: &mut BTreeMap<(String, String), Option<NaiveDate>>) {
    let EventBody::Receive(receive) = &event.body else {
        return;
    };
    let Some(lot) = &receive.line.lot else {
        return;
    };
    let expiry = lots
        .entry((
            receive.line.item.as_str().to_owned(),
            lot.as_str().to_owned(),
        ))
        .or_default();
    if expiry.is_none() {
        *expiry = receive.line.expiry;
    }
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
