//! Label stock and print resolution: the physical facts a template is laid out for.
//!
//! Templates are written in millimetres; a [`Stock`] and a [`Dpi`] turn them into printer
//! dots. Zebra printers are 203 dpi (8 dots/mm) or 300 dpi (12 dots/mm).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::LabelError;

/// Print head resolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Dpi {
    #[default]
    #[serde(rename = "203")]
    D203,
    #[serde(rename = "300")]
    D300,
}

impl Dpi {
    /// Dots per millimetre, as ZPL counts them.
    pub fn dots_per_mm(self) -> u32 {
        match self {
            Dpi::D203 => 8,
            Dpi::D300 => 12,
        }
    }

    /// Millimetres to whole dots (rounded).
    pub fn dots(self, mm: f32) -> u32 {
        (mm * self.dots_per_mm() as f32).round().max(0.0) as u32
    }

    /// Whole dots back to millimetres.
    pub fn mm(self, dots: u32) -> f32 {
        dots as f32 / self.dots_per_mm() as f32
    }
}

impl FromStr for Dpi {
    type Err = LabelError;
    fn from_str(s: &str) -> Result<Dpi, LabelError> {
        match s.trim() {
            "203" => Ok(Dpi::D203),
            "300" => Ok(Dpi::D300),
            other => Err(LabelError::Setting(format!(
                "print resolution {other:?} is not supported; use 203 or 300 (dpi)"
            ))),
        }
    }
}

impl fmt::Display for Dpi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Dpi::D203 => f.write_str("203"),
            Dpi::D300 => f.write_str("300"),
        }
    }
}

/// The size of one label, width across the print head.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Stock {
    pub width_mm: f32,
    pub height_mm: f32,
}

impl Stock {
    /// 4 × 6 inch shipping stock (the GS1 logistic label's usual size).
    pub const FOUR_BY_SIX: Stock = Stock {
        width_mm: 101.6,
        height_mm: 152.4,
    };
    /// 4 × 2 inch stock for items, cartons and bins.
    pub const FOUR_BY_TWO: Stock = Stock {
        width_mm: 101.6,
        height_mm: 50.8,
    };

    /// The size as a person names it: "4 × 6 in", "4 × 2 in", else "100 × 150 mm".
    pub fn describe(&self) -> String {
        if *self == Stock::FOUR_BY_SIX {
            "4 × 6 in".into()
        } else if *self == Stock::FOUR_BY_TWO {
            "4 × 2 in".into()
        } else {
            format!("{:.0} × {:.0} mm", self.width_mm, self.height_mm)
        }
    }

    /// Whether there is room for the full layout (title blocks and every barcode) rather
    /// than the compact one.
    pub fn is_tall(&self) -> bool {
        self.height_mm >= 100.0
    }
}

impl FromStr for Stock {
    type Err = LabelError;
    /// `4x6`, `4x2` (inches) or `100x150mm`.
    fn from_str(s: &str) -> Result<Stock, LabelError> {
        let text = s.trim().to_ascii_lowercase();
        let (body, scale) = match text.strip_suffix("mm") {
            Some(body) => (body, 1.0),
            None => (text.strip_suffix("in").unwrap_or(&text), 25.4),
        };
        let bad = || {
            LabelError::Setting(format!(
                "label size {s:?} is not understood; write WIDTHxHEIGHT in inches (4x6, 4x2) or millimetres (100x150mm)"
            ))
        };
        let (w, h) = body.split_once('x').ok_or_else(bad)?;
        let w: f32 = w.trim().parse().map_err(|_| bad())?;
        let h: f32 = h.trim().parse().map_err(|_| bad())?;
        let stock = Stock {
            width_mm: w * scale,
            height_mm: h * scale,
        };
        if !(40.0..=170.0).contains(&stock.width_mm) || !(25.0..=400.0).contains(&stock.height_mm) {
            return Err(LabelError::Setting(format!(
                "label size {s:?} is outside what a 4-inch desktop or mobile printer takes (40–170 mm wide, 25–400 mm long)"
            )));
        }
        Ok(stock)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_in_inches_and_millimetres() {
        assert_eq!("4x6".parse::<Stock>().unwrap(), Stock::FOUR_BY_SIX);
        assert_eq!("4x2".parse::<Stock>().unwrap(), Stock::FOUR_BY_TWO);
        let mm: Stock = "100x150mm".parse().unwrap();
        assert_eq!((mm.width_mm, mm.height_mm), (100.0, 150.0));
        assert_eq!(
            "4by6".parse::<Stock>().unwrap_err().to_string(),
            "label setting: label size \"4by6\" is not understood; write WIDTHxHEIGHT in inches (4x6, 4x2) or millimetres (100x150mm)"
        );
        assert!("40x60".parse::<Stock>().is_err());
    }

    #[test]
    fn dots_follow_the_resolution() {
        assert_eq!(Dpi::D203.dots(101.6), 813);
        assert_eq!(Dpi::D300.dots(101.6), 1219);
        assert_eq!("300".parse::<Dpi>().unwrap(), Dpi::D300);
        assert_eq!(
            "600".parse::<Dpi>().unwrap_err().to_string(),
            "label setting: print resolution \"600\" is not supported; use 203 or 300 (dpi)"
        );
    }
}
