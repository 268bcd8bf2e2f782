//! Exception alerts: what a run finds wrong, kept in `alerts` with one open alert per
//! (warehouse, kind, subject). A run opens the ones it finds that are not open yet and
//! closes the open ones it no longer finds, in the caller's transaction.
//!
//! Kinds:
//! - `supplier_delay`: an open ASN/PO still owed units more than `supplier_delay_days`
//!   after its due date (subject `po/NUMBER` or `asn/NUMBER`);
//! - `top_item_stockout`: an item among the top `top_velocity_share` of selling items by
//!   velocity with no available stock (subject: the SKU);
//! - `low_turns`: a category whose annual turns over `turns_days` are below `turns_target`
//!   (subject `category/NAME`);
//! - `count_shrinkage`: a count of the last `shrink_days` that found fewer units than the
//!   ledger expected by more than `shrink_alert_pct` % (subject: the count's event id).

use serde::Serialize;
use serde_json::{Value, json};
use sqlx::{PgConnection, Row};

use super::ReportError;
use super::inventory::{Rows, annual_turns, turns_inputs};
use super::replenishment::ItemReplenishment;
use super::settings::{ReportSettings, TurnsBy};
use super::table::round;

pub const ALERT_KINDS: [&str; 4] = [
    "supplier_delay",
    "top_item_stockout",
    "low_turns",
    "count_shrinkage",
];

/// An exception found by a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertCandidate {
    pub kind: &'static str,
    pub subject: String,
    pub message: String,
    pub payload: Value,
}

/// What a run did to the alerts.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AlertWrites {
    pub found: u64,
    pub opened: u64,
    pub closed: u64,
}

/// The items among the top `share` of selling items (velocity > 0) that have nothing
/// available. Ties in velocity are broken by SKU.
pub fn top_item_stockouts(
    plan: &[ItemReplenishment],
    share: f64,
) -> Vec<(&ItemReplenishment, usize)> {
    let mut selling: Vec<&ItemReplenishment> =
        plan.iter().filter(|r| r.decision.velocity > 0.0).collect();
    selling.sort_by(|a, b| {
        b.decision
            .velocity
            .total_cmp(&a.decision.velocity)
            .then_with(|| a.item.cmp(&b.item))
    });
    let top = (selling.len() as f64 * share).ceil() as usize;
    selling
        .into_iter()
        .take(top)
        .enumerate()
        .filter(|(_, r)| r.available <= 0)
        .map(|(rank, r)| (r, rank + 1))
        .collect()
}

pub async fn find_alerts(
    conn: &mut PgConnection,
    warehouse: &str,
    settings: &ReportSettings,
    plan: &[ItemReplenishment],
) -> Result<Vec<AlertCandidate>, ReportError> {
    let mut found = Vec::new();
    let late = sqlx::query(
        "SELECT d.kind, d.number, d.supplier, d.expected_at,
                $2::date - (d.expected_at AT TIME ZONE 'UTC')::date AS days_late,
                sum(GREATEST(l.expected - l.received, 0))::bigint AS outstanding
         FROM inbound_documents d JOIN inbound_lines l USING (warehouse, kind, number)
         WHERE d.warehouse = $1 AND d.state = 'open' AND d.expected_at IS NOT NULL
           AND $2::date - (d.expected_at AT TIME ZONE 'UTC')::date > $3::int
         GROUP BY d.kind, d.number, d.supplier, d.expected_at
         HAVING sum(GREATEST(l.expected - l.received, 0)) > 0
         ORDER BY d.kind, d.number",
    )
    .bind(warehouse)
    .bind(settings.as_of)
    .bind(settings.supplier_delay_days as i32)
    .fetch_all(&mut *conn)
    .await?;
    for row in late {
        let kind: String = row.try_get("kind")?;
        let number: String = row.try_get("number")?;
        let supplier: Option<String> = row.try_get("supplier")?;
        let days: i32 = row.try_get("days_late")?;
        let outstanding: i64 = row.try_get("outstanding")?;
        found.push(AlertCandidate {
            kind: "supplier_delay",
            subject: format!("{kind}/{number}"),
            message: format!(
                "{} {number} from {} is {days} days late with {outstanding} units outstanding",
                kind.to_uppercase(),
                supplier.as_deref().unwrap_or("an unnamed supplier")
            ),
            payload: json!({
                "document_kind": kind, "number": number, "supplier": supplier,
                "expected_at": row.try_get::<chrono::DateTime<chrono::Utc>, _>("expected_at")?,
                "days_late": days, "outstanding_units": outstanding,
            }),
        });
    }
    for (r, rank) in top_item_stockouts(plan, settings.top_velocity_share) {
        found.push(AlertCandidate {
            kind: "top_item_stockout",
            subject: r.item.clone(),
            message: format!(
                "{} is out of stock; it is the #{rank} seller ({:.2} units/day)",
                r.item, r.decision.velocity
            ),
            payload: json!({
                "item": r.item, "velocity_per_day": round(r.decision.velocity, 4),
                "velocity_rank": rank, "available": r.available, "on_order": r.on_order,
                "supplier": r.supplier,
            }),
        });
    }
    let (categories, _) = turns_inputs(conn, warehouse, settings, TurnsBy::Category).await?;
    for (category, out, start, end) in categories {
        let Some(turns) = annual_turns(out, start, end, settings.turns_days) else {
            continue;
        };
        if turns < settings.turns_target {
            found.push(AlertCandidate {
                kind: "low_turns",
                subject: format!("category/{category}"),
                message: format!(
                    "category {category} turns {turns:.2} times a year, below the target of {}",
                    settings.turns_target
                ),
                payload: json!({
                    "category": category, "annual_turns": round(turns, 2),
                    "target": settings.turns_target, "out_units": out,
                    "average_on_hand": round((start + end) as f64 / 2.0, 1),
                    "window_days": settings.turns_days,
                }),
            });
        }
    }
    let shrink = sqlx::query(
        "SELECT event_id, item, location, lot, counted, ledger_as_of, variance, occurred_at
         FROM counts
         WHERE warehouse = $1 AND variance < 0 AND ledger_as_of > 0
           AND (-variance)::float8 * 100 / ledger_as_of > $4
           AND occurred_at >= (($2::date - $3::int + 1)::timestamp AT TIME ZONE 'UTC')
           AND occurred_at < (($2::date + 1)::timestamp AT TIME ZONE 'UTC')
         ORDER BY occurred_at",
    )
    .bind(warehouse)
    .bind(settings.as_of)
    .bind(settings.shrink_days as i32)
    .bind(settings.shrink_alert_pct)
    .fetch_all(&mut *conn)
    .await?;
    for row in shrink {
        let event_id: uuid::Uuid = row.try_get("event_id")?;
        let item: String = row.try_get("item")?;
        let location: String = row.try_get("location")?;
        let expected: i64 = row.try_get("ledger_as_of")?;
        let variance: i64 = row.try_get("variance")?;
        let pct = -100.0 * variance as f64 / expected as f64;
        found.push(AlertCandidate {
            kind: "count_shrinkage",
            subject: event_id.to_string(),
            message: format!(
                "count of {item} in {location} found {} of {expected} expected ({pct:.1} % short)",
                row.try_get::<i64, _>("counted")?
            ),
            payload: json!({
                "count_event_id": event_id, "item": item, "location": location,
                "lot": row.try_get::<String, _>("lot")?,
                "counted": row.try_get::<i64, _>("counted")?, "expected": expected,
                "variance": variance, "shrink_pct": round(pct, 2),
                "occurred_at": row.try_get::<chrono::DateTime<chrono::Utc>, _>("occurred_at")?,
            }),
        });
    }
    Ok(found)
}

/// Opens the alerts not open yet, closes open ones of these kinds no longer found.
pub async fn write_alerts(
    conn: &mut PgConnection,
    warehouse: &str,
    found: &[AlertCandidate],
) -> Result<AlertWrites, ReportError> {
    let kinds: Vec<String> = found.iter().map(|a| a.kind.to_owned()).collect();
    let subjects: Vec<String> = found.iter().map(|a| a.subject.clone()).collect();
    let messages: Vec<String> = found.iter().map(|a| a.message.clone()).collect();
    let payloads = Value::Array(found.iter().map(|a| a.payload.clone()).collect());
    // `NOT IN` rather than `NOT EXISTS`: the planner takes the unnested arrays for a few
    // rows and, as an anti join, loops over them for every open alert (6,000 open and found
    // alerts took 5 s); `NOT IN` keeps them in one hashed subplan (10 ms). Neither side has
    // NULLs.
    let closed = sqlx::query(
        "UPDATE alerts SET closed_at = now()
         WHERE warehouse = $1 AND closed_at IS NULL AND kind = ANY($4::text[])
           AND (kind, subject) NOT IN (
               SELECT f.kind, f.subject FROM unnest($2::text[], $3::text[]) AS f(kind, subject))",
    )
    .bind(warehouse)
    .bind(&kinds)
    .bind(&subjects)
    .bind(ALERT_KINDS.map(str::to_owned).to_vec())
    .execute(&mut *conn)
    .await?
    .rows_affected();
    let opened = sqlx::query(
        "INSERT INTO alerts (warehouse, kind, subject, message, payload)
         SELECT $1, f.kind, f.subject, f.message, j.payload
         FROM unnest($2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS f(kind, subject, message, ord)
         JOIN jsonb_array_elements($5::jsonb) WITH ORDINALITY AS j(payload, ord) USING (ord)
         ON CONFLICT (warehouse, kind, subject) WHERE closed_at IS NULL DO NOTHING",
    )
    .bind(warehouse)
    .bind(&kinds)
    .bind(&subjects)
    .bind(&messages)
    .bind(payloads)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(AlertWrites {
        found: found.len() as u64,
        opened,
        closed,
    })
}

/// Open alerts, newest first.
pub async fn open_alerts(conn: &mut PgConnection, warehouse: &str) -> Result<Rows, ReportError> {
    let rows = sqlx::query(
        "SELECT id, kind, subject, message, payload, created_at FROM alerts
         WHERE warehouse = $1 AND closed_at IS NULL ORDER BY created_at DESC, id DESC",
    )
    .bind(warehouse)
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        out.push(vec![
            json!(row.try_get::<i64, _>("id")?),
            json!(row.try_get::<String, _>("kind")?),
            json!(row.try_get::<String, _>("subject")?),
            json!(row.try_get::<String, _>("message")?),
            json!(row.try_get::<chrono::DateTime<chrono::Utc>, _>("created_at")?),
            row.try_get::<Value, _>("payload")?,
        ]);
    }
    Ok((
        vec!["id", "kind", "subject", "message", "created_at", "payload"],
        out,
        Vec::new(),
    ))
}

/// Open suggested purchase orders, newest first.
pub async fn open_suggestions(
    conn: &mut PgConnection,
    warehouse: &str,
) -> Result<Rows, ReportError> {
    let rows = sqlx::query(
        "SELECT id, item, supplier, qty, zone, policy, created_at FROM purchase_suggestions
         WHERE warehouse = $1 AND state = 'open' ORDER BY created_at DESC, id DESC",
    )
    .bind(warehouse)
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        out.push(vec![
            json!(row.try_get::<i64, _>("id")?),
            json!(row.try_get::<String, _>("item")?),
            json!(row.try_get::<Option<String>, _>("supplier")?),
            json!(row.try_get::<i64, _>("qty")?),
            json!(row.try_get::<String, _>("zone")?),
            json!(row.try_get::<String, _>("policy")?),
            json!(row.try_get::<chrono::DateTime<chrono::Utc>, _>("created_at")?),
        ]);
    }
    Ok((
        vec![
            "id",
            "item",
            "supplier",
            "qty",
            "zone",
            "policy",
            "created_at",
        ],
        out,
        Vec::new(),
    ))
}
