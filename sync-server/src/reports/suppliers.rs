//! Supplier scorecards from ASNs/POs: on-time delivery, fill rate and lead time.
//!
//! Per supplier, over documents ordered in the last `supplier_days`:
//! - on time: share of documents with a due date whose first receipt came on or before it;
//!   documents past due and not received yet count as late;
//! - fill rate: units received ÷ units expected, over documents that are closed or past due;
//! - lead time: first receipt − order time (`ordered_at`, else the import time), mean and
//!   population standard deviation in days.

use serde_json::{Value, json};
use sqlx::{PgConnection, Row};

use super::ReportError;
use super::inventory::Rows;
use super::settings::ReportSettings;
use super::table::round;

pub async fn scorecards(
    conn: &mut PgConnection,
    warehouse: &str,
    settings: &ReportSettings,
) -> Result<Rows, ReportError> {
    let rows = sqlx::query(
        "WITH docs AS (
             SELECT d.supplier, d.state, COALESCE(d.ordered_at, d.created_at) AS ordered_at,
                    d.expected_at, r.first_received_at,
                    COALESCE(d.expected_at < (($2::date + 1)::timestamp AT TIME ZONE 'UTC'), false) AS due,
                    (SELECT COALESCE(sum(expected), 0) FROM inbound_lines l
                     WHERE l.warehouse = d.warehouse AND l.kind = d.kind AND l.number = d.number)::bigint AS expected,
                    (SELECT COALESCE(sum(received), 0) FROM inbound_lines l
                     WHERE l.warehouse = d.warehouse AND l.kind = d.kind AND l.number = d.number)::bigint AS received
             FROM inbound_documents d
             LEFT JOIN report_document_receipts r USING (warehouse, kind, number)
             WHERE d.warehouse = $1 AND d.supplier IS NOT NULL
               AND COALESCE(d.ordered_at, d.created_at) >= (($2::date - $3::int + 1)::timestamp AT TIME ZONE 'UTC')
               AND COALESCE(d.ordered_at, d.created_at) < (($2::date + 1)::timestamp AT TIME ZONE 'UTC'))
         SELECT supplier, count(*) AS documents,
                count(*) FILTER (WHERE first_received_at IS NOT NULL) AS received_documents,
                count(*) FILTER (WHERE expected_at IS NOT NULL AND first_received_at <= expected_at) AS on_time,
                count(*) FILTER (WHERE expected_at IS NOT NULL AND (first_received_at IS NOT NULL OR due)) AS on_time_base,
                COALESCE(sum(expected) FILTER (WHERE state = 'closed' OR due), 0)::bigint AS due_expected,
                COALESCE(sum(received) FILTER (WHERE state = 'closed' OR due), 0)::bigint AS due_received,
                avg(EXTRACT(EPOCH FROM first_received_at - ordered_at)::float8 / 86400) AS lead_mean,
                stddev_pop(EXTRACT(EPOCH FROM first_received_at - ordered_at)::float8 / 86400) AS lead_std
         FROM docs GROUP BY supplier ORDER BY supplier",
    )
    .bind(warehouse)
    .bind(settings.as_of)
    .bind(settings.supplier_days as i32)
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let on_time: i64 = row.try_get("on_time")?;
        let base: i64 = row.try_get("on_time_base")?;
        let expected: i64 = row.try_get("due_expected")?;
        let received: i64 = row.try_get("due_received")?;
        let pct = |n: i64, d: i64| {
            if d > 0 {
                round(100.0 * n as f64 / d as f64, 1)
            } else {
                Value::Null
            }
        };
        let lead_mean: Option<f64> = row.try_get("lead_mean")?;
        let lead_std: Option<f64> = row.try_get("lead_std")?;
        out.push(vec![
            json!(row.try_get::<String, _>("supplier")?),
            json!(row.try_get::<i64, _>("documents")?),
            json!(row.try_get::<i64, _>("received_documents")?),
            pct(on_time, base),
            pct(received, expected),
            lead_mean.map_or(Value::Null, |v| round(v, 1)),
            lead_std.map_or(Value::Null, |v| round(v, 1)),
        ]);
    }
    Ok((
        vec![
            "supplier",
            "documents",
            "received_documents",
            "on_time_pct",
            "fill_rate_pct",
            "lead_time_days",
            "lead_time_std_days",
        ],
        out,
        vec![format!(
            "documents ordered in the last {} days; on time = first receipt by the due date \
             (past due and unreceived = late); fill rate over closed or past-due documents",
            settings.supplier_days
        )],
    ))
}
