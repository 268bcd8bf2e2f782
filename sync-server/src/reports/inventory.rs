//! Inventory reports: on-hand by location and status, valuation (FIFO and weighted
//! average), turns by item, category or location, dead stock aging, shrinkage from cycle
//! counts. Live stock comes from `balances`; history from the refreshed summaries.
//! On-hand everywhere means every status except the server-only `discrepancy` bucket.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use sqlx::{PgConnection, Row};

use super::ReportError;
use super::refresh::{rolling_guard, rolling_key, rolling_moved, rolling_ready};
use super::replenishment::{UNIT_COST_SQL, WindowSource};
use super::settings::{ReportSettings, TurnsBy};
use super::table::round;

/// Rows and notes of one report.
pub type Rows = (Vec<&'static str>, Vec<Vec<Value>>, Vec<String>);

pub async fn on_hand(conn: &mut PgConnection, warehouse: &str) -> Result<Rows, ReportError> {
    let sql = format!(
        "WITH cost AS (
             SELECT t.item, {UNIT_COST_SQL} AS unit_cost
             FROM report_item_totals t
             LEFT JOIN item_supply s ON s.warehouse = t.warehouse AND s.sku = t.item
             WHERE t.warehouse = $1)
         SELECT b.location, loc.zone, b.status, count(DISTINCT b.item) AS items,
                sum(b.qty)::bigint AS units,
                sum(b.qty * COALESCE(c.unit_cost, s.standard_cost))::float8 AS value,
                count(*) FILTER (WHERE c.unit_cost IS NULL AND s.standard_cost IS NULL) AS uncosted
         FROM balances b
         LEFT JOIN locations loc ON loc.warehouse = b.warehouse AND loc.code = b.location
         LEFT JOIN cost c ON c.item = b.item
         LEFT JOIN item_supply s ON s.warehouse = b.warehouse AND s.sku = b.item
         WHERE b.warehouse = $1 AND b.status <> 'discrepancy' AND b.qty <> 0
         GROUP BY b.location, loc.zone, b.status
         ORDER BY b.location, b.status"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(warehouse)
        .fetch_all(&mut *conn)
        .await?;
    let (mut units, mut value, mut uncosted) = (0i64, 0f64, 0i64);
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let u: i64 = row.try_get("units")?;
        let v: Option<f64> = row.try_get("value")?;
        units += u;
        value += v.unwrap_or(0.0);
        uncosted += row.try_get::<i64, _>("uncosted")?;
        out.push(vec![
            json!(row.try_get::<String, _>("location")?),
            json!(row.try_get::<Option<String>, _>("zone")?),
            json!(row.try_get::<String, _>("status")?),
            json!(row.try_get::<i64, _>("items")?),
            json!(u),
            v.map_or(Value::Null, |v| round(v, 2)),
        ]);
    }
    let mut notes = vec![format!(
        "total: {units} units, value {value:.2} at weighted average cost"
    )];
    if uncosted > 0 {
        notes.push(format!(
            "{uncosted} balance(s) have no cost (no priced receipt, no standard cost) and count as 0"
        ));
    }
    Ok((
        vec!["location", "zone", "status", "items", "units", "value"],
        out,
        notes,
    ))
}

pub async fn valuation(
    conn: &mut PgConnection,
    warehouse: &str,
    settings: &ReportSettings,
) -> Result<Rows, ReportError> {
    // Each item's FIFO value is the one the refresh stored while the live on-hand and the
    // received total still match it (`v`); the layers are walked only for the others (`w`:
    // its one-time filter skips the walk where `v` matched).
    let sql = format!(
        "WITH onhand AS (
             SELECT item, sum(qty)::bigint AS qty FROM balances
             WHERE warehouse = $1 AND status <> 'discrepancy'
             GROUP BY item HAVING sum(qty) > 0),
         base AS (
             SELECT o.item, o.qty, COALESCE(t.received_qty, 0) AS received_qty,
                    s.standard_cost, {UNIT_COST_SQL} AS wac
             FROM onhand o
             LEFT JOIN report_item_totals t ON t.warehouse = $1 AND t.item = o.item
             LEFT JOIN item_supply s ON s.warehouse = $1 AND s.sku = o.item)
         SELECT b.item, b.qty, b.wac::float8 AS wac, v.item IS NOT NULL AS stored,
                COALESCE(CASE WHEN v.item IS NOT NULL THEN v.layered_qty
                              ELSE f.layered_qty END, 0)::bigint AS layered_qty,
                COALESCE(CASE WHEN v.item IS NOT NULL
                              THEN v.priced_value
                                   + COALESCE(v.unpriced_qty * COALESCE(b.standard_cost, b.wac), 0)
                              ELSE f.layered_value END, 0)::float8 AS layered_value,
                COALESCE(b.standard_cost, b.wac)::float8 AS unlayered_cost
         FROM base b
         LEFT JOIN report_item_fifo v
           ON NOT $2::bool AND v.warehouse = $1 AND v.item = b.item
          AND v.on_hand = b.qty AND v.received_qty = b.received_qty
         LEFT JOIN LATERAL (
             SELECT sum(LEAST(l.qty, l.cum_qty - GREATEST(b.received_qty - b.qty, 0))) AS layered_qty,
                    sum(LEAST(l.qty, l.cum_qty - GREATEST(b.received_qty - b.qty, 0))
                        * COALESCE(l.unit_cost, b.standard_cost, b.wac)) AS layered_value
             FROM report_receipt_layers l
             WHERE v.item IS NULL AND l.warehouse = $1 AND l.item = b.item
               AND l.cum_qty > GREATEST(b.received_qty - b.qty, 0)) f ON true
         ORDER BY b.item"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(warehouse)
        .bind(settings.daily_only)
        .fetch_all(&mut *conn)
        .await?;
    let mut walked = 0usize;
    let (mut total_fifo, mut total_wac, mut uncosted) = (0f64, 0f64, 0usize);
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let qty: i64 = row.try_get("qty")?;
        let wac: Option<f64> = row.try_get("wac")?;
        let layered_qty: i64 = row.try_get("layered_qty")?;
        let layered_value: f64 = row.try_get("layered_value")?;
        let unlayered_cost: Option<f64> = row.try_get("unlayered_cost")?;
        if !row.try_get::<bool, _>("stored")? {
            walked += 1;
        }
        let unlayered = (qty - layered_qty).max(0);
        let fifo = layered_value + unlayered as f64 * unlayered_cost.unwrap_or(0.0);
        let wac_value = qty as f64 * wac.unwrap_or(0.0);
        if wac.is_none() && unlayered_cost.is_none() {
            uncosted += 1;
        }
        total_fifo += fifo;
        total_wac += wac_value;
        out.push(vec![
            json!(row.try_get::<String, _>("item")?),
            json!(qty),
            json!(layered_qty.min(qty)),
            round(fifo, 2),
            wac.map_or(Value::Null, |w| round(w, 4)),
            round(wac_value, 2),
        ]);
    }
    let mut notes = vec![format!(
        "total: FIFO {total_fifo:.2}, weighted average {total_wac:.2}"
    )];
    if uncosted > 0 {
        notes.push(format!("{uncosted} item(s) have no cost and count as 0"));
    }
    notes.push(
        "FIFO: on-hand valued at its most recent receipts' costs; units beyond the receipts \
         on record at the standard cost"
            .to_owned(),
    );
    notes.push(format!(
        "FIFO layer values stored by the refresh used for {} item(s); layers walked for {walked}",
        out.len() - walked
    ));
    Ok((
        vec![
            "item",
            "on_hand",
            "fifo_layered_units",
            "fifo_value",
            "wac_unit_cost",
            "wac_value",
        ],
        out,
        notes,
    ))
}

/// Shipped (or, by location, picked and shipped) units over the window ÷ average on-hand
/// `(start + end) / 2`, annualised by `365 / turns_days`.
pub fn annual_turns(out_units: i64, start: i64, end: i64, days: u32) -> Option<f64> {
    let average = (start + end) as f64 / 2.0;
    (average > 0.0).then(|| out_units as f64 / average * 365.0 / f64::from(days.max(1)))
}

/// Turns inputs by location, from the daily location summary (no rolling sums).
const LOCATION_TURNS_SQL: &str = "WITH mv AS (
                 SELECT location,
                        COALESCE(sum(out_units) FILTER (WHERE day <= $2::date), 0)::bigint AS out_units,
                        COALESCE(sum(net) FILTER (WHERE day <= $2::date), 0)::bigint AS net_window,
                        COALESCE(sum(net) FILTER (WHERE day > $2::date), 0)::bigint AS net_after
                 FROM report_location_daily
                 WHERE warehouse = $1 AND day > $2::date - $3::int
                 GROUP BY location),
             onhand AS (
                 SELECT location, sum(qty)::bigint AS qty FROM balances
                 WHERE warehouse = $1 AND status <> 'discrepancy' GROUP BY location)
             SELECT COALESCE(mv.location, o.location) AS grp,
                    COALESCE(mv.out_units, 0) AS out_units,
                    COALESCE(o.qty, 0) - COALESCE(mv.net_after, 0) AS end_qty,
                    COALESCE(o.qty, 0) - COALESCE(mv.net_after, 0) - COALESCE(mv.net_window, 0) AS start_qty,
                    false AS rolling
             FROM mv FULL JOIN onhand o ON o.location = mv.location";

/// (group, out units, start on-hand, end on-hand) per group, and where the item windows
/// came from (by location: always the daily summary).
pub async fn turns_inputs(
    conn: &mut PgConnection,
    warehouse: &str,
    settings: &ReportSettings,
    by: TurnsBy,
) -> Result<(Vec<(String, i64, i64, i64)>, WindowSource), ReportError> {
    let may_roll =
        !settings.daily_only && settings.turns_days == super::refresh::rolling_windows().turns_days;
    let mut rolling =
        by != TurnsBy::Location && rolling_ready(conn, settings.as_of, may_roll).await?;
    let rows = loop {
        let (movement, flag) = if rolling {
            (
                "SELECT item, turns_shipped AS out_units, turns_net AS net_window, net_after
                 FROM report_item_rolling WHERE warehouse = $1 AND turns_rows > 0",
                rolling_guard("$2", "$5"),
            )
        } else {
            (
                "SELECT item,
                        COALESCE(sum(shipped) FILTER (WHERE day <= $2::date), 0)::bigint AS out_units,
                        COALESCE(sum(net) FILTER (WHERE day <= $2::date), 0)::bigint AS net_window,
                        COALESCE(sum(net) FILTER (WHERE day > $2::date), 0)::bigint AS net_after
                 FROM report_item_daily
                 WHERE warehouse = $1 AND day > $2::date - $3::int
                 GROUP BY item",
                "false".to_owned(),
            )
        };
        let item_sql = format!(
            "WITH mv AS ({movement}),
             onhand AS (
                 SELECT item, sum(qty)::bigint AS qty FROM balances
                 WHERE warehouse = $1 AND status <> 'discrepancy' GROUP BY item)
             SELECT CASE WHEN $4 THEN COALESCE(i.category, '(none)') ELSE i.sku END AS grp,
                    sum(COALESCE(mv.out_units, 0))::bigint AS out_units,
                    sum(COALESCE(o.qty, 0) - COALESCE(mv.net_after, 0))::bigint AS end_qty,
                    sum(COALESCE(o.qty, 0) - COALESCE(mv.net_after, 0)
                        - COALESCE(mv.net_window, 0))::bigint AS start_qty,
                    {flag} AS rolling
             FROM items i
             LEFT JOIN mv ON mv.item = i.sku
             LEFT JOIN onhand o ON o.item = i.sku
             WHERE i.warehouse = $1 AND (mv.item IS NOT NULL OR o.qty <> 0)
             GROUP BY grp"
        );
        let sql = match by {
            TurnsBy::Item | TurnsBy::Category => item_sql.as_str(),
            TurnsBy::Location => LOCATION_TURNS_SQL,
        };
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(warehouse)
            .bind(settings.as_of)
            .bind(settings.turns_days as i32);
        if by != TurnsBy::Location {
            query = query.bind(by == TurnsBy::Category).bind(rolling_key());
        }
        let rows = query.fetch_all(&mut *conn).await?;
        if rolling_moved(rolling, &rows) {
            rolling = false;
            continue;
        }
        break rows;
    };
    let mut source = WindowSource::from_flag(false);
    let mut grouped: BTreeMap<String, (i64, i64, i64)> = BTreeMap::new();
    for row in rows {
        source = WindowSource::from_flag(row.try_get("rolling")?);
        let entry = grouped.entry(row.try_get("grp")?).or_default();
        entry.0 += row.try_get::<i64, _>("out_units")?;
        entry.1 += row.try_get::<i64, _>("start_qty")?;
        entry.2 += row.try_get::<i64, _>("end_qty")?;
    }
    let groups = grouped
        .into_iter()
        .map(|(g, (out, start, end))| (g, out, start, end))
        .collect();
    Ok((groups, source))
}

pub async fn turns(
    conn: &mut PgConnection,
    warehouse: &str,
    settings: &ReportSettings,
) -> Result<Rows, ReportError> {
    let by = settings.by;
    let (groups, source) = turns_inputs(conn, warehouse, settings, by).await?;
    let rows = groups
        .into_iter()
        .map(|(group, out, start, end)| {
            vec![
                json!(group),
                json!(out),
                json!(start),
                json!(end),
                round((start + end) as f64 / 2.0, 1),
                annual_turns(out, start, end, settings.turns_days)
                    .map_or(Value::Null, |t| round(t, 2)),
            ]
        })
        .collect();
    let group = match by {
        TurnsBy::Item => "item",
        TurnsBy::Category => "category",
        TurnsBy::Location => "location",
    };
    Ok((
        vec![
            group,
            "out_units",
            "start_on_hand",
            "end_on_hand",
            "average_on_hand",
            "annual_turns",
        ],
        rows,
        vec![
            format!(
                "turns = units out in the last {} days / average on-hand, × 365 / {}; out = \
                 shipped (by location: picked or shipped out of it)",
                settings.turns_days, settings.turns_days
            ),
            source.note(settings.as_of),
        ],
    ))
}

/// Age bucket of stock that last sold `age` days ago.
pub fn age_bucket(age: i64) -> &'static str {
    match age {
        ..=89 => "0-89",
        90..=179 => "90-179",
        180..=364 => "180-364",
        _ => "365+",
    }
}

pub async fn dead_stock(
    conn: &mut PgConnection,
    warehouse: &str,
    settings: &ReportSettings,
) -> Result<Rows, ReportError> {
    let sql = format!(
        "WITH onhand AS (
             SELECT item, sum(qty)::bigint AS qty FROM balances
             WHERE warehouse = $1 AND status <> 'discrepancy'
             GROUP BY item HAVING sum(qty) > 0)
         SELECT o.item, i.category, o.qty, t.last_shipped_on, t.last_received_on,
                $2::date - COALESCE(t.last_shipped_on, t.first_movement_on) AS age_days,
                {UNIT_COST_SQL}::float8 AS unit_cost
         FROM onhand o
         JOIN report_item_totals t ON t.warehouse = $1 AND t.item = o.item
         LEFT JOIN items i ON i.warehouse = $1 AND i.sku = o.item
         LEFT JOIN item_supply s ON s.warehouse = $1 AND s.sku = o.item
         WHERE $2::date - COALESCE(t.last_shipped_on, t.first_movement_on) >= $3::int
         ORDER BY age_days DESC, o.item"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(warehouse)
        .bind(settings.as_of)
        .bind(settings.dead_days as i32)
        .fetch_all(&mut *conn)
        .await?;
    let mut total = 0f64;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let qty: i64 = row.try_get("qty")?;
        let age: i32 = row.try_get("age_days")?;
        let cost: Option<f64> = row.try_get("unit_cost")?;
        let value = qty as f64 * cost.unwrap_or(0.0);
        total += value;
        out.push(vec![
            json!(row.try_get::<String, _>("item")?),
            json!(row.try_get::<Option<String>, _>("category")?),
            json!(qty),
            json!(row.try_get::<Option<chrono::NaiveDate>, _>("last_shipped_on")?),
            json!(row.try_get::<Option<chrono::NaiveDate>, _>("last_received_on")?),
            json!(age),
            json!(age_bucket(i64::from(age))),
            round(value, 2),
        ]);
    }
    Ok((
        vec![
            "item",
            "category",
            "on_hand",
            "last_shipped_on",
            "last_received_on",
            "age_days",
            "age_bucket",
            "value",
        ],
        out,
        vec![format!(
            "dead stock: on hand and not shipped for {} days or more (never shipped: age from \
             its first movement); total value {total:.2}",
            settings.dead_days
        )],
    ))
}

pub async fn shrinkage(
    conn: &mut PgConnection,
    warehouse: &str,
    settings: &ReportSettings,
) -> Result<Rows, ReportError> {
    let sql = format!(
        "SELECT c.item, i.category, count(*) AS counts, sum(c.counted)::bigint AS counted,
                sum(c.ledger_as_of)::bigint AS expected,
                COALESCE(sum(-c.variance) FILTER (WHERE c.variance < 0), 0)::bigint AS lost,
                COALESCE(sum(c.variance) FILTER (WHERE c.variance > 0), 0)::bigint AS found,
                {UNIT_COST_SQL}::float8 AS unit_cost
         FROM counts c
         LEFT JOIN items i ON i.warehouse = c.warehouse AND i.sku = c.item
         LEFT JOIN report_item_totals t ON t.warehouse = c.warehouse AND t.item = c.item
         LEFT JOIN item_supply s ON s.warehouse = c.warehouse AND s.sku = c.item
         WHERE c.warehouse = $1
           AND c.occurred_at >= (($2::date - $3::int + 1)::timestamp AT TIME ZONE 'UTC')
           AND c.occurred_at < (($2::date + 1)::timestamp AT TIME ZONE 'UTC')
         GROUP BY c.item, i.category, t.received_qty, t.received_priced_qty,
                  t.received_priced_value, s.standard_cost
         ORDER BY c.item"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(warehouse)
        .bind(settings.as_of)
        .bind(settings.shrink_days as i32)
        .fetch_all(&mut *conn)
        .await?;
    let (mut lost_total, mut expected_total, mut value_total) = (0i64, 0i64, 0f64);
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let expected: i64 = row.try_get("expected")?;
        let lost: i64 = row.try_get("lost")?;
        let found: i64 = row.try_get("found")?;
        let net = lost - found;
        let cost: Option<f64> = row.try_get("unit_cost")?;
        let value = net as f64 * cost.unwrap_or(0.0);
        lost_total += net;
        expected_total += expected;
        value_total += value;
        out.push(vec![
            json!(row.try_get::<String, _>("item")?),
            json!(row.try_get::<Option<String>, _>("category")?),
            json!(row.try_get::<i64, _>("counts")?),
            json!(row.try_get::<i64, _>("counted")?),
            json!(expected),
            json!(lost),
            json!(found),
            json!(net),
            if expected > 0 {
                round(100.0 * net as f64 / expected as f64, 2)
            } else {
                Value::Null
            },
            round(value, 2),
        ]);
    }
    let rate = if expected_total > 0 {
        format!("{:.2} %", 100.0 * lost_total as f64 / expected_total as f64)
    } else {
        "n/a".to_owned()
    };
    Ok((
        vec![
            "item",
            "category",
            "counts",
            "counted",
            "expected",
            "lost",
            "found",
            "net_shrink",
            "shrink_pct",
            "shrink_value",
        ],
        out,
        vec![format!(
            "counts of the last {} days: net shrink {lost_total} units ({rate} of expected), \
             value {value_total:.2}; expected = the ledger as of each count",
            settings.shrink_days
        )],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn turns_annualise_over_average_stock() {
        // 90 units out of an average of 45 in 90 days: 2 per quarter → 8.11 a year.
        let t = annual_turns(90, 40, 50, 90).unwrap();
        assert!((t - 2.0 * 365.0 / 90.0).abs() < 1e-9);
        assert_eq!(annual_turns(5, 0, 0, 90), None);
        assert_eq!(age_bucket(95), "90-179");
        assert_eq!(age_bucket(400), "365+");
    }
}
