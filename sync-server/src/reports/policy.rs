//! Replenishment decisions as pure functions: the zone an item is in and what to order, from
//! its demand history, stock position and lead time. No I/O; `replenishment.rs` feeds it.
//!
//! Velocity policy (the default): `v` = units shipped in the last `velocity_days` ÷
//! `velocity_days`; red line = `v × L` (stock that lasts one lead time `L`), yellow line =
//! `v × L × (1 + yellow_factor)`. Position below the red line (or none left) is red, below
//! the yellow line yellow, else green. Yellow and red suggest ordering what was shipped in
//! the last `order_days`.
//!
//! Reorder-point policy: `d` = mean daily demand and `σd` its standard deviation over the
//! `velocity_days` window (days without sales count as 0), `L`/`σL` the lead time's mean and
//! standard deviation. Safety stock `SS = z × √(L·σd² + d²·σL²)`, reorder point
//! `ROP = d·L + SS`. Position below `SS` is red, below `ROP` yellow; the order brings the
//! position up to `ROP + d × order_days`.

use serde::Serialize;

use super::settings::{Policy, ReportSettings};

/// Replenishment zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Zone {
    Green,
    Yellow,
    Red,
}

impl Zone {
    pub fn as_str(self) -> &'static str {
        match self {
            Zone::Green => "green",
            Zone::Yellow => "yellow",
            Zone::Red => "red",
        }
    }

    pub fn parse(text: &str) -> Option<Zone> {
        match text {
            "green" => Some(Zone::Green),
            "yellow" => Some(Zone::Yellow),
            "red" => Some(Zone::Red),
            _ => None,
        }
    }

    /// Weight in the constraint-health number: green 1, yellow ½, red 0.
    pub fn health_score(self) -> f64 {
        match self {
            Zone::Green => 1.0,
            Zone::Yellow => 0.5,
            Zone::Red => 0.0,
        }
    }
}

/// What the decision needs to know about one item in one warehouse.
#[derive(Debug, Clone, PartialEq)]
pub struct DemandInputs {
    /// Units shipped in the velocity window.
    pub sold_in_velocity_window: i64,
    /// Σ (units shipped per day)² over the velocity window's days.
    pub daily_sum_of_squares: f64,
    /// Units shipped in the order window.
    pub sold_in_order_window: i64,
    /// Available stock plus what open POs still bring.
    pub position: i64,
    pub lead_time_days: f64,
    pub lead_time_std_days: f64,
}

/// The decision for one item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    /// Units per day.
    pub velocity: f64,
    pub daily_std: f64,
    pub zone: Zone,
    /// Velocity policy: red and yellow lines; reorder-point policy: safety stock and ROP.
    pub red_line: f64,
    pub yellow_line: f64,
    /// Days the position lasts at this velocity (`None` without sales).
    pub cover_days: Option<f64>,
    /// Units to order now (0 when green).
    pub suggested_qty: i64,
}

/// The zone and the order for `inputs` under `settings.policy`.
pub fn decide(inputs: &DemandInputs, settings: &ReportSettings) -> Decision {
    let days = f64::from(settings.velocity_days.max(1));
    let velocity = inputs.sold_in_velocity_window as f64 / days;
    let variance = (inputs.daily_sum_of_squares / days - velocity * velocity).max(0.0);
    let daily_std = variance.sqrt();
    let position = inputs.position as f64;
    let lead = inputs.lead_time_days.max(0.0);
    let (red_line, yellow_line) = match settings.policy {
        Policy::Velocity => {
            let red = velocity * lead;
            (red, red * (1.0 + settings.yellow_factor))
        }
        Policy::ReorderPoint => {
            let safety = settings.service_z
                * (lead * variance
                    + velocity * velocity * inputs.lead_time_std_days * inputs.lead_time_std_days)
                    .sqrt();
            (safety, velocity * lead + safety)
        }
    };
    let zone = if velocity <= 0.0 {
        Zone::Green
    } else if position <= 0.0 || position < red_line {
        Zone::Red
    } else if position < yellow_line {
        Zone::Yellow
    } else {
        Zone::Green
    };
    let suggested_qty = match (zone, settings.policy) {
        (Zone::Green, _) => 0,
        (_, Policy::Velocity) => inputs.sold_in_order_window.max(0),
        (_, Policy::ReorderPoint) => {
            let up_to = yellow_line + velocity * f64::from(settings.order_days);
            (up_to - position).ceil().max(1.0) as i64
        }
    };
    Decision {
        velocity,
        daily_std,
        zone,
        red_line,
        yellow_line,
        cover_days: (velocity > 0.0).then(|| position / velocity),
        suggested_qty,
    }
}

/// Constraint health of a warehouse, 0–100: the demand-weighted zone score
/// `100 × Σ vᵢ·scoreᵢ / Σ vᵢ` (green 1, yellow ½, red 0). 100 when nothing sells.
pub fn constraint_health<'a>(decisions: impl IntoIterator<Item = &'a Decision>) -> f64 {
    let (mut weighted, mut total) = (0.0, 0.0);
    for d in decisions {
        weighted += d.velocity * d.zone.health_score();
        total += d.velocity;
    }
    if total > 0.0 {
        100.0 * weighted / total
    } else {
        100.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn settings(policy: Policy) -> ReportSettings {
        let mut s = ReportSettings::defaults(NaiveDate::from_ymd_opt(2026, 11, 29).unwrap());
        s.policy = policy;
        s
    }

    fn inputs(sold_60: i64, sold_45: i64, position: i64, lead: f64) -> DemandInputs {
        DemandInputs {
            sold_in_velocity_window: sold_60,
            // Every day the same: no variance.
            daily_sum_of_squares: (sold_60 as f64 / 60.0).powi(2) * 60.0,
            sold_in_order_window: sold_45,
            position,
            lead_time_days: lead,
            lead_time_std_days: 0.0,
        }
    }

    #[test]
    fn velocity_zones_follow_lead_time_cover() {
        let s = settings(Policy::Velocity);
        // 2/day, lead 10 days: red below 20, yellow below 40.
        let d = decide(&inputs(120, 90, 41, 10.0), &s);
        assert_eq!((d.velocity, d.zone, d.suggested_qty), (2.0, Zone::Green, 0));
        let d = decide(&inputs(120, 90, 30, 10.0), &s);
        assert_eq!((d.zone, d.suggested_qty), (Zone::Yellow, 90));
        assert_eq!(d.cover_days, Some(15.0));
        let d = decide(&inputs(120, 90, 19, 10.0), &s);
        assert_eq!((d.zone, d.suggested_qty), (Zone::Red, 90));
        let d = decide(&inputs(0, 0, 0, 10.0), &s);
        assert_eq!((d.zone, d.cover_days), (Zone::Green, None));
    }

    #[test]
    fn reorder_point_uses_demand_and_lead_time_variability() {
        let s = settings(Policy::ReorderPoint);
        // 60 days: 30 days of 4 units, 30 of 0 → d = 2, σd = 2; L = 9, σL = 2.
        let inputs = DemandInputs {
            sold_in_velocity_window: 120,
            daily_sum_of_squares: 30.0 * 16.0,
            sold_in_order_window: 90,
            position: 25,
            lead_time_days: 9.0,
            lead_time_std_days: 2.0,
        };
        let d = decide(&inputs, &s);
        // SS = 1.65 × √(9·4 + 4·4) = 1.65 × √52; ROP = 18 + SS.
        let ss = 1.65 * 52f64.sqrt();
        assert!((d.red_line - ss).abs() < 1e-9);
        assert!((d.yellow_line - (18.0 + ss)).abs() < 1e-9);
        assert_eq!(d.zone, Zone::Yellow);
        // SS ≈ 11.9 ≤ 25 < ROP ≈ 29.9. Order up to ROP + 45 days × 2 ≈ 119.9: 95 units.
        assert_eq!(d.suggested_qty, 95);
        assert_eq!(d.suggested_qty, (18.0 + ss + 90.0 - 25.0_f64).ceil() as i64);
    }

    #[test]
    fn health_weights_zones_by_velocity() {
        let s = settings(Policy::Velocity);
        let fast_red = decide(&inputs(600, 450, 0, 10.0), &s); // 10/day, red
        let slow_green = decide(&inputs(60, 45, 1000, 10.0), &s); // 1/day, green
        let h = constraint_health([&fast_red, &slow_green]);
        assert!((h - 100.0 / 11.0).abs() < 1e-9, "{h}");
        assert_eq!(constraint_health([]), 100.0);
    }
}
