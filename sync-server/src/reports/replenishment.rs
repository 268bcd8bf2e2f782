//! Replenishment per item of a warehouse: one set-based query gathers each item's demand
//! windows, stock position and lead time from the summaries; [`policy::decide`] picks the
//! zone and the order; a run writes zone changes and suggested purchase orders.
//! Also ABC/XYZ classification, which reads the same daily aggregates.

use serde_json::{Value, json};
use sqlx::{PgConnection, Row};

use super::ReportError;
use super::classify::{abc_classes, weekly_cv, xyz_class};
use super::policy::{Decision, DemandInputs, Zone, decide};
use super::refresh::{rolling_guard, rolling_key, rolling_moved, rolling_ready};
use super::settings::ReportSettings;
use super::table::round;

/// The unit cost of an item for valuation, from its totals `t` and supply terms `s`:
/// the weighted average of its receipts, receipts without a price on their document line
/// counted at the standard cost (or, lacking one, at the average of the priced ones);
/// the standard cost when nothing was received.
pub(crate) const UNIT_COST_SQL: &str = "(CASE WHEN t.received_qty > 0
      AND (t.received_priced_qty > 0 OR s.standard_cost IS NOT NULL)
    THEN (t.received_priced_value + (t.received_qty - t.received_priced_qty)
          * COALESCE(s.standard_cost, t.received_priced_value / NULLIF(t.received_priced_qty, 0)))
         / t.received_qty
    ELSE s.standard_cost END)";

/// One item's replenishment picture.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemReplenishment {
    pub item: String,
    pub supplier: Option<String>,
    pub available: i64,
    pub on_order: i64,
    pub inputs: DemandInputs,
    pub decision: Decision,
    pub previous_zone: Option<Zone>,
}

/// Every catalog item of `warehouse` with its decision, by SKU, and where its demand
/// windows came from.
pub async fn plan_items(
    conn: &mut PgConnection,
    warehouse: &str,
    settings: &ReportSettings,
) -> Result<(Vec<ItemReplenishment>, WindowSource), ReportError> {
    let defaults = super::refresh::rolling_windows();
    let may_roll = !settings.daily_only
        && settings.velocity_days == defaults.velocity_days
        && settings.order_days == defaults.order_days;
    let mut rolling = rolling_ready(conn, settings.as_of, may_roll).await?;
    let rows = loop {
        let (demand, flag) = if rolling {
            (
                "SELECT item, velocity_shipped AS sold_v, velocity_sumsq AS sumsq_v,
                        order_shipped AS sold_o
                 FROM report_item_rolling WHERE warehouse = $1",
                rolling_guard("$2", "$6"),
            )
        } else {
            (
                "SELECT item,
                        COALESCE(sum(shipped) FILTER (WHERE day > $2::date - $3::int), 0)::bigint AS sold_v,
                        COALESCE(sum(shipped::float8 * shipped) FILTER (WHERE day > $2::date - $3::int), 0) AS sumsq_v,
                        COALESCE(sum(shipped) FILTER (WHERE day > $2::date - $4::int), 0)::bigint AS sold_o
                 FROM report_item_daily
                 WHERE warehouse = $1 AND day > $2::date - GREATEST($3::int, $4::int) AND day <= $2::date
                 GROUP BY item",
                "false".to_owned(),
            )
        };
        let sql = format!(
            "WITH demand AS ({demand}),
         stock AS (
             SELECT item, sum(qty)::bigint AS available FROM balances
             WHERE warehouse = $1 AND status = 'available' GROUP BY item),
         on_order AS (
             SELECT l.sku AS item, sum(GREATEST(l.expected - l.received, 0))::bigint AS qty
             FROM inbound_lines l JOIN inbound_documents d USING (warehouse, kind, number)
             WHERE l.warehouse = $1 AND d.kind = 'po' AND d.state = 'open' GROUP BY l.sku),
         latest_supplier AS (
             SELECT DISTINCT ON (l.sku) l.sku AS item, d.supplier
             FROM inbound_lines l JOIN inbound_documents d USING (warehouse, kind, number)
             WHERE l.warehouse = $1 AND d.supplier IS NOT NULL
             ORDER BY l.sku, COALESCE(d.ordered_at, d.created_at) DESC),
         observed AS (
             SELECT d.supplier,
                    avg(EXTRACT(EPOCH FROM r.first_received_at - COALESCE(d.ordered_at, d.created_at))::float8 / 86400) AS mean_days,
                    stddev_pop(EXTRACT(EPOCH FROM r.first_received_at - COALESCE(d.ordered_at, d.created_at))::float8 / 86400) AS std_days
             FROM inbound_documents d JOIN report_document_receipts r USING (warehouse, kind, number)
             WHERE d.warehouse = $1 AND d.kind = 'po' AND d.supplier IS NOT NULL
             GROUP BY d.supplier),
         catalog AS (
             SELECT i.sku, COALESCE(s.supplier, ls.supplier) AS supplier, s.lead_time_days
             FROM items i
             LEFT JOIN item_supply s ON s.warehouse = i.warehouse AND s.sku = i.sku
             LEFT JOIN latest_supplier ls ON ls.item = i.sku
             WHERE i.warehouse = $1)
         SELECT c.sku, c.supplier,
                COALESCE(dm.sold_v, 0) AS sold_v, COALESCE(dm.sumsq_v, 0) AS sumsq_v,
                COALESCE(dm.sold_o, 0) AS sold_o,
                COALESCE(st.available, 0) AS available, COALESCE(oo.qty, 0) AS on_order,
                COALESCE(c.lead_time_days::float8, sp.lead_time_days::float8, ob.mean_days, $5::float8) AS lead,
                COALESCE(ob.std_days, 0) AS lead_std,
                rs.zone AS previous_zone, {flag} AS rolling
         FROM catalog c
         LEFT JOIN demand dm ON dm.item = c.sku
         LEFT JOIN stock st ON st.item = c.sku
         LEFT JOIN on_order oo ON oo.item = c.sku
         LEFT JOIN suppliers sp ON sp.warehouse = $1 AND sp.code = c.supplier
         LEFT JOIN observed ob ON ob.supplier = c.supplier
         LEFT JOIN replenishment_state rs ON rs.warehouse = $1 AND rs.item = c.sku
         ORDER BY c.sku"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(warehouse)
            .bind(settings.as_of)
            .bind(settings.velocity_days as i32)
            .bind(settings.order_days as i32)
            .bind(f64::from(settings.default_lead_time_days))
            .bind(rolling_key())
            .fetch_all(&mut *conn)
            .await?;
        if rolling_moved(rolling, &rows) {
            rolling = false;
            continue;
        }
        break rows;
    };
    let mut source = WindowSource::from_flag(false);
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        source = WindowSource::from_flag(row.try_get("rolling")?);
        let available: i64 = row.try_get("available")?;
        let on_order: i64 = row.try_get("on_order")?;
        let inputs = DemandInputs {
            sold_in_velocity_window: row.try_get("sold_v")?,
            daily_sum_of_squares: row.try_get("sumsq_v")?,
            sold_in_order_window: row.try_get("sold_o")?,
            position: available + on_order,
            lead_time_days: row.try_get("lead")?,
            lead_time_std_days: row.try_get("lead_std")?,
        };
        let decision = decide(&inputs, settings);
        let previous: Option<String> = row.try_get("previous_zone")?;
        out.push(ItemReplenishment {
            item: row.try_get("sku")?,
            supplier: row.try_get("supplier")?,
            available,
            on_order,
            inputs,
            decision,
            previous_zone: previous.as_deref().and_then(Zone::parse),
        });
    }
    Ok((out, source))
}

/// Where a report's window sums came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowSource {
    /// The per-item rolling sums the refresh keeps for the default windows.
    Rolling,
    /// The daily summary (custom windows or `as_of`, or rolling sums of another day).
    Daily,
}

impl WindowSource {
    pub(crate) fn from_flag(rolling: bool) -> WindowSource {
        if rolling {
            WindowSource::Rolling
        } else {
            WindowSource::Daily
        }
    }

    /// The note a report prints about it.
    pub fn note(self, as_of: chrono::NaiveDate) -> String {
        match self {
            WindowSource::Rolling => {
                format!("windows from the rolling per-item sums kept for {as_of}")
            }
            WindowSource::Daily => "windows from the daily summary".to_owned(),
        }
    }
}

pub const REPLENISHMENT_COLUMNS: [&str; 14] = [
    "item",
    "supplier",
    "zone",
    "velocity_per_day",
    "sold_velocity_window",
    "sold_order_window",
    "available",
    "on_order",
    "position",
    "lead_time_days",
    "red_line",
    "yellow_line",
    "cover_days",
    "suggested_qty",
];

pub fn replenishment_row(r: &ItemReplenishment) -> Vec<Value> {
    vec![
        json!(r.item),
        json!(r.supplier),
        json!(r.decision.zone.as_str()),
        round(r.decision.velocity, 4),
        json!(r.inputs.sold_in_velocity_window),
        json!(r.inputs.sold_in_order_window),
        json!(r.available),
        json!(r.on_order),
        json!(r.inputs.position),
        round(r.inputs.lead_time_days, 2),
        round(r.decision.red_line, 2),
        round(r.decision.yellow_line, 2),
        r.decision.cover_days.map_or(Value::Null, |c| round(c, 1)),
        json!(r.decision.suggested_qty),
    ]
}

/// What a replenishment run wrote.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct ReplenishmentWrites {
    pub zone_changes: u64,
    pub suggestions_created: u64,
    /// Open suggestions of items back in green.
    pub suggestions_closed: u64,
}

/// Stores zone changes and, for items that entered yellow or red (from green or from no
/// state), a suggested purchase order unless one is already open; closes the open
/// suggestions of items back in green.
pub async fn write_run(
    conn: &mut PgConnection,
    warehouse: &str,
    settings: &ReportSettings,
    plan: &[ItemReplenishment],
) -> Result<ReplenishmentWrites, ReportError> {
    let changed: Vec<&ItemReplenishment> = plan
        .iter()
        .filter(|r| r.previous_zone != Some(r.decision.zone))
        .collect();
    let zone_changes = sqlx::query(
        "INSERT INTO replenishment_state (warehouse, item, zone, since)
         SELECT $1, item, zone, now() FROM unnest($2::text[], $3::text[]) AS c(item, zone)
         ON CONFLICT (warehouse, item) DO UPDATE SET zone = EXCLUDED.zone, since = now()",
    )
    .bind(warehouse)
    .bind(changed.iter().map(|r| r.item.clone()).collect::<Vec<_>>())
    .bind(
        changed
            .iter()
            .map(|r| r.decision.zone.as_str().to_owned())
            .collect::<Vec<_>>(),
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    let entering: Vec<&ItemReplenishment> = changed
        .into_iter()
        .filter(|r| {
            r.decision.zone != Zone::Green
                && matches!(r.previous_zone, None | Some(Zone::Green))
                && r.decision.suggested_qty > 0
        })
        .collect();
    let details: Vec<Value> = entering
        .iter()
        .map(|r| {
            json!({
                "velocity_per_day": round(r.decision.velocity, 4),
                "sold_order_window": r.inputs.sold_in_order_window,
                "order_days": settings.order_days,
                "velocity_days": settings.velocity_days,
                "position": r.inputs.position,
                "lead_time_days": round(r.inputs.lead_time_days, 2),
                "red_line": round(r.decision.red_line, 2),
                "yellow_line": round(r.decision.yellow_line, 2),
            })
        })
        .collect();
    let suggestions_created = sqlx::query(
        "INSERT INTO purchase_suggestions (warehouse, item, supplier, qty, zone, policy, detail)
         SELECT $1, c.item, c.supplier, c.qty, c.zone, $6, j.detail
         FROM unnest($2::text[], $3::text[], $4::int8[], $5::text[])
              WITH ORDINALITY AS c(item, supplier, qty, zone, ord)
         JOIN jsonb_array_elements($7::jsonb) WITH ORDINALITY AS j(detail, ord) USING (ord)
         ON CONFLICT (warehouse, item) WHERE state = 'open' DO NOTHING",
    )
    .bind(warehouse)
    .bind(entering.iter().map(|r| r.item.clone()).collect::<Vec<_>>())
    .bind(
        entering
            .iter()
            .map(|r| r.supplier.clone())
            .collect::<Vec<_>>(),
    )
    .bind(
        entering
            .iter()
            .map(|r| r.decision.suggested_qty)
            .collect::<Vec<_>>(),
    )
    .bind(
        entering
            .iter()
            .map(|r| r.decision.zone.as_str().to_owned())
            .collect::<Vec<_>>(),
    )
    .bind(settings.policy.as_str())
    .bind(Value::Array(details))
    .execute(&mut *conn)
    .await?
    .rows_affected();
    let recovered: Vec<String> = plan
        .iter()
        .filter(|r| {
            r.decision.zone == Zone::Green && r.previous_zone.is_some_and(|z| z != Zone::Green)
        })
        .map(|r| r.item.clone())
        .collect();
    let suggestions_closed = sqlx::query(
        "UPDATE purchase_suggestions SET state = 'closed'
         WHERE warehouse = $1 AND state = 'open' AND item = ANY($2::text[])",
    )
    .bind(warehouse)
    .bind(&recovered)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(ReplenishmentWrites {
        zone_changes,
        suggestions_created,
        suggestions_closed,
    })
}

pub const ABC_XYZ_COLUMNS: [&str; 9] = [
    "item",
    "category",
    "abc",
    "xyz",
    "class",
    "shipped_units",
    "unit_cost",
    "shipped_value",
    "weekly_cv",
];

/// ABC by shipped value and XYZ by weekly demand variation over the class window.
pub async fn abc_xyz(
    conn: &mut PgConnection,
    warehouse: &str,
    settings: &ReportSettings,
) -> Result<(Vec<Vec<Value>>, WindowSource), ReportError> {
    let weeks = settings.class_weeks();
    let may_roll = !settings.daily_only && weeks == super::refresh::rolling_windows().class_weeks();
    let mut rolling = rolling_ready(conn, settings.as_of, may_roll).await?;
    let rows = loop {
        let (demand, flag) = if rolling {
            (
                "SELECT item, class_shipped::float8 AS total, class_weekly_sumsq AS sumsq
                 FROM report_item_rolling WHERE warehouse = $1",
                rolling_guard("$2", "$4"),
            )
        } else {
            (
                "SELECT item, sum(units) AS total, sum(units * units) AS sumsq
                 FROM (SELECT item, ($2::date - day) / 7 AS week, sum(shipped)::float8 AS units
                       FROM report_item_daily
                       WHERE warehouse = $1 AND day > $2::date - 7 * $3::int AND day <= $2::date
                       GROUP BY item, week) weekly
                 GROUP BY item",
                "false".to_owned(),
            )
        };
        let sql = format!(
            "WITH demand AS ({demand})
             SELECT i.sku, i.category, COALESCE(d.total, 0) AS total, COALESCE(d.sumsq, 0) AS sumsq,
                    {UNIT_COST_SQL}::float8 AS unit_cost, {flag} AS rolling
             FROM items i
             LEFT JOIN demand d ON d.item = i.sku
             LEFT JOIN report_item_totals t ON t.warehouse = i.warehouse AND t.item = i.sku
             LEFT JOIN item_supply s ON s.warehouse = i.warehouse AND s.sku = i.sku
             WHERE i.warehouse = $1
             ORDER BY i.sku"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(warehouse)
            .bind(settings.as_of)
            .bind(weeks as i32)
            .bind(rolling_key())
            .fetch_all(&mut *conn)
            .await?;
        if rolling_moved(rolling, &rows) {
            rolling = false;
            continue;
        }
        break rows;
    };
    let mut source = WindowSource::from_flag(false);
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        source = WindowSource::from_flag(row.try_get("rolling")?);
        let sku: String = row.try_get("sku")?;
        let category: Option<String> = row.try_get("category")?;
        let total: f64 = row.try_get("total")?;
        let sumsq: f64 = row.try_get("sumsq")?;
        let unit_cost: Option<f64> = row.try_get("unit_cost")?;
        items.push((sku, category, total, sumsq, unit_cost));
    }
    let values: Vec<f64> = items
        .iter()
        .map(|(_, _, total, _, cost)| total * cost.unwrap_or(0.0))
        .collect();
    let classes = abc_classes(&values, settings.abc_a_pct, settings.abc_b_pct);
    let rows = items
        .into_iter()
        .zip(classes)
        .zip(values)
        .map(|(((sku, category, total, sumsq, cost), abc), value)| {
            let cv = weekly_cv(total, sumsq, weeks);
            let xyz = xyz_class(cv, settings.xyz_x_cv, settings.xyz_y_cv);
            vec![
                json!(sku),
                json!(category),
                json!(abc.as_str()),
                json!(xyz.as_str()),
                json!(format!("{}{}", abc.as_str(), xyz.as_str())),
                json!(total as i64),
                cost.map_or(Value::Null, |c| round(c, 4)),
                round(value, 2),
                cv.map_or(Value::Null, |c| round(c, 4)),
            ]
        })
        .collect();
    Ok((rows, source))
}
