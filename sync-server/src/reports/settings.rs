//! What a report or a run is asked: windows, thresholds and policy, from query parameters
//! (`GET /v1/reports/...?velocity_days=30`) or CLI flags (`--velocity-days 30`) — one struct
//! serves both — validated into [`ReportSettings`] with the documented defaults.

use chrono::NaiveDate;
use serde::Deserialize;

use super::ReportError;

/// Replenishment policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Policy {
    /// Zones from sales velocity × lead time; order the last `order_days` of sales.
    Velocity,
    /// Reorder point = demand over lead time + safety stock from demand and lead-time
    /// variability; order up to the reorder point plus `order_days` of demand.
    ReorderPoint,
}

impl Policy {
    pub fn as_str(self) -> &'static str {
        match self {
            Policy::Velocity => "velocity",
            Policy::ReorderPoint => "reorder_point",
        }
    }
}

/// How turns are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum TurnsBy {
    Item,
    Category,
    Location,
}

/// Optional parameters, as sent; unknown names are refused so a typo is not silently
/// ignored.
#[derive(Debug, Clone, Default, Deserialize, clap::Args)]
#[serde(deny_unknown_fields)]
pub struct ReportParams {
    /// Warehouse (API: must be the device's own; CLI: required).
    #[arg(long)]
    #[serde(default)]
    pub warehouse: Option<String>,
    /// Output format: json or csv (API), table, csv or json (CLI).
    #[arg(long)]
    #[serde(default)]
    pub format: Option<String>,
    /// The day the report is computed for (YYYY-MM-DD, UTC; default today).
    #[arg(long)]
    #[serde(default)]
    pub as_of: Option<NaiveDate>,
    /// Days of sales that give the velocity (default 60).
    #[arg(long)]
    #[serde(default)]
    pub velocity_days: Option<u32>,
    /// Days of sales a suggested order covers (default 45).
    #[arg(long)]
    #[serde(default)]
    pub order_days: Option<u32>,
    /// Lead time of items whose supplier has none (default 14 days).
    #[arg(long)]
    #[serde(default)]
    pub default_lead_time_days: Option<u32>,
    /// Yellow zone width, in lead times above the red line (default 1.0).
    #[arg(long)]
    #[serde(default)]
    pub yellow_factor: Option<f64>,
    #[arg(long, value_enum)]
    #[serde(default)]
    pub policy: Option<Policy>,
    /// Safety factor z of the reorder-point policy (default 1.65 ≈ 95 % service).
    #[arg(long)]
    #[serde(default)]
    pub service_z: Option<f64>,
    /// Days of sales ABC/XYZ look at, in whole weeks (default 91 = 13 weeks).
    #[arg(long)]
    #[serde(default)]
    pub class_days: Option<u32>,
    /// Turns window (default 90 days).
    #[arg(long)]
    #[serde(default)]
    pub turns_days: Option<u32>,
    /// Annual turns below which a category raises an alert (default 4).
    #[arg(long)]
    #[serde(default)]
    pub turns_target: Option<f64>,
    #[arg(long, value_enum)]
    #[serde(default)]
    pub by: Option<TurnsBy>,
    /// Days without a sale after which stock is dead (default 90).
    #[arg(long)]
    #[serde(default)]
    pub dead_days: Option<u32>,
    /// Counts the shrinkage report and alert look at (default 30 days).
    #[arg(long)]
    #[serde(default)]
    pub shrink_days: Option<u32>,
    /// Shrinkage of one count, in % of the expected quantity, that raises an alert (default 5).
    #[arg(long)]
    #[serde(default)]
    pub shrink_alert_pct: Option<f64>,
    /// Days past its due date an open ASN/PO raises an alert (default 15).
    #[arg(long)]
    #[serde(default)]
    pub supplier_delay_days: Option<u32>,
    /// Documents the supplier scorecard looks at, by order date (default 365 days).
    #[arg(long)]
    #[serde(default)]
    pub supplier_days: Option<u32>,
}

/// Longest window accepted: two years of history.
pub const MAX_WINDOW_DAYS: u32 = 730;

/// Validated settings with defaults filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportSettings {
    pub as_of: NaiveDate,
    pub velocity_days: u32,
    pub order_days: u32,
    pub default_lead_time_days: u32,
    pub yellow_factor: f64,
    pub policy: Policy,
    pub service_z: f64,
    pub class_days: u32,
    /// Cumulative value share (%) that ends class A, and class B.
    pub abc_a_pct: f64,
    pub abc_b_pct: f64,
    /// Coefficient of variation of weekly demand that ends class X, and class Y.
    pub xyz_x_cv: f64,
    pub xyz_y_cv: f64,
    pub turns_days: u32,
    pub turns_target: f64,
    pub by: TurnsBy,
    pub dead_days: u32,
    pub shrink_days: u32,
    pub shrink_alert_pct: f64,
    pub supplier_delay_days: u32,
    pub supplier_days: u32,
    /// Share of items, by velocity, whose stockout is an alert.
    pub top_velocity_share: f64,
    /// Compute every window from the daily summary and walk the FIFO layers, even where
    /// the refresh's rolling sums and stored FIFO values would serve (to compare the two;
    /// not a request parameter).
    pub daily_only: bool,
}

impl ReportSettings {
    /// The defaults, as of `today`.
    pub fn defaults(today: NaiveDate) -> ReportSettings {
        ReportSettings {
            as_of: today,
            velocity_days: 60,
            order_days: 45,
            default_lead_time_days: 14,
            yellow_factor: 1.0,
            policy: Policy::Velocity,
            service_z: 1.65,
            class_days: 91,
            abc_a_pct: 80.0,
            abc_b_pct: 95.0,
            xyz_x_cv: 0.5,
            xyz_y_cv: 1.0,
            turns_days: 90,
            turns_target: 4.0,
            by: TurnsBy::Item,
            dead_days: 90,
            shrink_days: 30,
            shrink_alert_pct: 5.0,
            supplier_delay_days: 15,
            supplier_days: 365,
            top_velocity_share: 0.2,
            daily_only: false,
        }
    }

    /// Defaults overridden by `params`; every window must be 1 to 730 days.
    pub fn from_params(
        params: &ReportParams,
        today: NaiveDate,
    ) -> Result<ReportSettings, ReportError> {
        let mut s = ReportSettings::defaults(today);
        let window = |name: &str, value: Option<u32>, default: u32, min: u32| {
            let v = value.unwrap_or(default);
            if v < min || v > MAX_WINDOW_DAYS {
                Err(ReportError::Invalid(format!(
                    "{name} must be between {min} and {MAX_WINDOW_DAYS} days, got {v}"
                )))
            } else {
                Ok(v)
            }
        };
        s.velocity_days = window("velocity_days", params.velocity_days, s.velocity_days, 1)?;
        s.order_days = window("order_days", params.order_days, s.order_days, 1)?;
        s.default_lead_time_days = window(
            "default_lead_time_days",
            params.default_lead_time_days,
            s.default_lead_time_days,
            0,
        )?;
        s.class_days = window("class_days", params.class_days, s.class_days, 14)?;
        s.turns_days = window("turns_days", params.turns_days, s.turns_days, 1)?;
        s.dead_days = window("dead_days", params.dead_days, s.dead_days, 1)?;
        s.shrink_days = window("shrink_days", params.shrink_days, s.shrink_days, 1)?;
        s.supplier_delay_days = window(
            "supplier_delay_days",
            params.supplier_delay_days,
            s.supplier_delay_days,
            0,
        )?;
        s.supplier_days = window("supplier_days", params.supplier_days, s.supplier_days, 1)?;
        let ratio = |name: &str, value: Option<f64>, default: f64, max: f64| {
            let v = value.unwrap_or(default);
            if v.is_finite() && (0.0..=max).contains(&v) {
                Ok(v)
            } else {
                Err(ReportError::Invalid(format!(
                    "{name} must be a number from 0 to {max}, got {v}"
                )))
            }
        };
        s.yellow_factor = ratio("yellow_factor", params.yellow_factor, s.yellow_factor, 10.0)?;
        s.service_z = ratio("service_z", params.service_z, s.service_z, 5.0)?;
        s.turns_target = ratio("turns_target", params.turns_target, s.turns_target, 1000.0)?;
        s.shrink_alert_pct = ratio(
            "shrink_alert_pct",
            params.shrink_alert_pct,
            s.shrink_alert_pct,
            100.0,
        )?;
        if let Some(as_of) = params.as_of {
            s.as_of = as_of;
        }
        if let Some(policy) = params.policy {
            s.policy = policy;
        }
        if let Some(by) = params.by {
            s.by = by;
        }
        Ok(s)
    }

    /// Whole weeks in the classification window.
    pub fn class_weeks(&self) -> u32 {
        self.class_days / 7
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 29).unwrap()
    }

    #[test]
    fn defaults_are_the_documented_windows() {
        let s = ReportSettings::from_params(&ReportParams::default(), today()).unwrap();
        assert_eq!((s.velocity_days, s.order_days), (60, 45));
        assert_eq!(s.supplier_delay_days, 15);
        assert_eq!(s.class_weeks(), 13);
    }

    #[test]
    fn bad_windows_are_refused_with_their_name() {
        let params = ReportParams {
            velocity_days: Some(0),
            ..ReportParams::default()
        };
        let err = ReportSettings::from_params(&params, today()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "velocity_days must be between 1 and 730 days, got 0"
        );
        let params = ReportParams {
            yellow_factor: Some(f64::NAN),
            ..ReportParams::default()
        };
        assert!(ReportSettings::from_params(&params, today()).is_err());
    }
}
