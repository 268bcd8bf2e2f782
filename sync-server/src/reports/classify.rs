//! ABC (value) and XYZ (demand variability) classification, pure.
//!
//! ABC: items sorted by the value they shipped in the window (units × unit cost), largest
//! first; an item is A while the cumulative share *before* it is below `a_pct` (so the item
//! that crosses 80 % is still A), B while below `b_pct`, else C. Items that shipped nothing
//! are C.
//!
//! XYZ: coefficient of variation `σ/μ` of weekly shipped units over the window's whole weeks
//! (weeks without sales count as 0; population σ). X up to `x_cv`, Y up to `y_cv`, Z above —
//! or no demand at all.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Abc {
    A,
    B,
    C,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Xyz {
    X,
    Y,
    Z,
}

impl Abc {
    pub fn as_str(self) -> &'static str {
        match self {
            Abc::A => "A",
            Abc::B => "B",
            Abc::C => "C",
        }
    }
}

impl Xyz {
    pub fn as_str(self) -> &'static str {
        match self {
            Xyz::X => "X",
            Xyz::Y => "Y",
            Xyz::Z => "Z",
        }
    }
}

/// ABC class of each value, in the order given. Ties keep the given order.
pub fn abc_classes(values: &[f64], a_pct: f64, b_pct: f64) -> Vec<Abc> {
    let total: f64 = values.iter().filter(|v| **v > 0.0).sum();
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[b].total_cmp(&values[a]).then(a.cmp(&b)));
    let mut out = vec![Abc::C; values.len()];
    let mut before = 0.0;
    for i in order {
        let v = values[i];
        if v <= 0.0 || total <= 0.0 {
            continue;
        }
        let share = 100.0 * before / total;
        out[i] = if share < a_pct {
            Abc::A
        } else if share < b_pct {
            Abc::B
        } else {
            Abc::C
        };
        before += v;
    }
    out
}

/// Coefficient of variation of weekly demand from its sum and sum of squares over `weeks`.
pub fn weekly_cv(total: f64, sum_of_squares: f64, weeks: u32) -> Option<f64> {
    if weeks == 0 || total <= 0.0 {
        return None;
    }
    let n = f64::from(weeks);
    let mean = total / n;
    let variance = (sum_of_squares / n - mean * mean).max(0.0);
    Some(variance.sqrt() / mean)
}

pub fn xyz_class(cv: Option<f64>, x_cv: f64, y_cv: f64) -> Xyz {
    match cv {
        Some(cv) if cv <= x_cv => Xyz::X,
        Some(cv) if cv <= y_cv => Xyz::Y,
        _ => Xyz::Z,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn abc_puts_the_item_crossing_the_threshold_in_the_higher_class() {
        // Total 100: 70 (A, 0 before), 15 (A: 70 % before), 10 (B: 85 % before),
        // 4 (B: 95 %? no — 95 % before → C), 1 (C), 0 (C).
        let classes = abc_classes(&[10.0, 70.0, 4.0, 15.0, 1.0, 0.0], 80.0, 95.0);
        assert_eq!(
            classes,
            vec![Abc::B, Abc::A, Abc::C, Abc::A, Abc::C, Abc::C]
        );
        assert_eq!(abc_classes(&[0.0, 0.0], 80.0, 95.0), vec![Abc::C, Abc::C]);
    }

    #[test]
    fn xyz_from_weekly_variation() {
        // Steady 10 a week for 4 weeks: cv 0 → X.
        assert_eq!(xyz_class(weekly_cv(40.0, 400.0, 4), 0.5, 1.0), Xyz::X);
        // 20, 0, 20, 0: mean 10, σ 10, cv 1 → Y.
        let cv = weekly_cv(40.0, 800.0, 4).unwrap();
        assert!((cv - 1.0).abs() < 1e-12);
        assert_eq!(xyz_class(Some(cv), 0.5, 1.0), Xyz::Y);
        // 40, 0, 0, 0: cv √3 → Z; nothing sold → Z.
        assert_eq!(xyz_class(weekly_cv(40.0, 1600.0, 4), 0.5, 1.0), Xyz::Z);
        assert_eq!(xyz_class(weekly_cv(0.0, 0.0, 4), 0.5, 1.0), Xyz::Z);
    }
}
