//! A laid-out label as data: fields at positions (millimetres from the top-left corner) with
//! their fonts and barcodes, for one stock and resolution. [`super::zpl`] turns it into ZPL;
//! tests and the independent check read [`Template::symbols`] to learn what each barcode
//! must decode to.
//!
//! Owns the shapes; it must not know what a pallet or a bin is (that is
//! [`super::kinds`]).

use serde::Serialize;

use super::LabelError;
use super::code128::{self, Code128Plan};
use super::stock::{Dpi, Stock};
use crate::barcode::{Element, ElementString};

/// Horizontal alignment of a text block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Align {
    Left,
    Center,
}

/// What one field draws.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FieldContent {
    /// One line of text in the printer's scalable font, clipped to `width_mm`.
    Text {
        text: String,
        height_mm: f32,
        width_mm: f32,
        align: Align,
    },
    /// A filled box; a thin one is a rule.
    Box { width_mm: f32, height_mm: f32 },
    /// GS1-128: FNC1 first and after every variable-length value that is not last.
    Gs1_128 {
        elements: ElementString,
        module_dots: u32,
        height_mm: f32,
    },
    /// GS1 DataMatrix (ECC 200 with a leading FNC1).
    Gs1DataMatrix {
        elements: ElementString,
        module_dots: u32,
    },
    /// Plain Code 128 (not GS1), e.g. a location code.
    Code128 {
        data: String,
        module_dots: u32,
        height_mm: f32,
    },
    /// QR Code, error correction level Q.
    Qr { data: String, module_dots: u32 },
}

/// A field and where it goes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Field {
    pub x_mm: f32,
    pub y_mm: f32,
    #[serde(flatten)]
    pub content: FieldContent,
}

/// A label ready to print on `stock` at `dpi`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Template {
    pub kind: &'static str,
    pub stock: Stock,
    pub dpi: Dpi,
    pub fields: Vec<Field>,
}

/// What a barcode on the label must decode to: the AIM symbology identifier and the data
/// (GS1 data as an element string with GS separators).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExpectedSymbol {
    pub symbology: &'static str,
    pub data: String,
    /// The bracketed form printed under a GS1 symbol (empty for other symbols).
    pub human_readable: String,
}

impl Template {
    /// Every barcode on the label, top to bottom, with what it means.
    pub fn symbols(&self) -> Vec<ExpectedSymbol> {
        self.fields
            .iter()
            .filter_map(|f| match &f.content {
                FieldContent::Gs1_128 { elements, .. } => Some(ExpectedSymbol {
                    symbology: "]C1",
                    data: elements.to_element_string(),
                    human_readable: elements.to_bracketed(),
                }),
                FieldContent::Gs1DataMatrix { elements, .. } => Some(ExpectedSymbol {
                    symbology: "]d2",
                    data: elements.to_element_string(),
                    human_readable: elements.to_bracketed(),
                }),
                FieldContent::Code128 { data, .. } => Some(ExpectedSymbol {
                    symbology: "]C0",
                    data: data.clone(),
                    human_readable: String::new(),
                }),
                FieldContent::Qr { data, .. } => Some(ExpectedSymbol {
                    symbology: "]Q1",
                    data: data.clone(),
                    human_readable: String::new(),
                }),
                FieldContent::Text { .. } | FieldContent::Box { .. } => None,
            })
            .collect()
    }

    /// Every text line, top to bottom (for previews and tests).
    pub fn texts(&self) -> Vec<&str> {
        self.fields
            .iter()
            .filter_map(|f| match &f.content {
                FieldContent::Text { text, .. } => Some(text.as_str()),
                _ => None,
            })
            .collect()
    }
}

/// Orders elements for a GS1-128 symbol: fixed-length all-numeric AIs first, then
/// variable-length numeric ones, then the rest, each group in the given order. GS1 lets
/// elements appear in any order; this one keeps code C running longest and puts FNC1s
/// only where a variable-length value really ends.
pub fn gs1_symbol_order(elements: &[Element]) -> Result<ElementString, LabelError> {
    let numeric = |e: &Element| e.value.bytes().all(|b| b.is_ascii_digit());
    let fixed = |e: &Element| e.def().is_some_and(|d| d.predefined_length);
    let mut ordered: Vec<Element> = Vec::with_capacity(elements.len());
    ordered.extend(elements.iter().filter(|e| fixed(e) && numeric(e)).cloned());
    ordered.extend(elements.iter().filter(|e| !fixed(e) && numeric(e)).cloned());
    ordered.extend(elements.iter().filter(|e| !numeric(e)).cloned());
    Ok(ElementString::from_elements(ordered)?)
}

/// A GS1-128 symbol's plan (field data and width).
pub fn gs1_128_plan(elements: &ElementString) -> Result<Code128Plan, LabelError> {
    code128::plan(&code128::gs1_chars(&elements.to_element_string()))
}

/// Data codewords of an ECC 200 symbol in ASCII encodation: digit pairs take one, other
/// characters and FNC1 one each.
fn datamatrix_codewords(data: &[u8], leading_fnc1: bool) -> usize {
    let mut n = usize::from(leading_fnc1);
    let mut i = 0;
    while i < data.len() {
        if data[i].is_ascii_digit() && data.get(i + 1).is_some_and(u8::is_ascii_digit) {
            i += 2;
        } else {
            i += 1;
        }
        n += 1;
    }
    n
}

/// The side (in modules) of the smallest square ECC 200 symbol holding `codewords`.
pub fn datamatrix_side(data: &str) -> Result<u32, LabelError> {
    const SQUARES: [(u32, usize); 16] = [
        (10, 3),
        (12, 5),
        (14, 8),
        (16, 12),
        (18, 18),
        (20, 22),
        (22, 30),
        (24, 36),
        (26, 44),
        (32, 62),
        (36, 86),
        (40, 114),
        (44, 144),
        (48, 174),
        (52, 204),
        (64, 280),
    ];
    let codewords = datamatrix_codewords(data.as_bytes(), true);
    SQUARES
        .iter()
        .find(|(_, capacity)| *capacity >= codewords)
        .map(|(side, _)| *side)
        .ok_or_else(|| {
            LabelError::Data(format!(
                "{codewords} codewords are too many for one DataMatrix on a label"
            ))
        })
}

/// The side (in modules, without quiet zone) of a QR symbol at level Q holding `data` in
/// byte mode (an upper bound: the printer may pick a denser mode).
pub fn qr_side(data: &str) -> Result<u32, LabelError> {
    const BYTES_AT_Q: [usize; 10] = [11, 20, 32, 46, 60, 74, 86, 108, 130, 151];
    BYTES_AT_Q
        .iter()
        .position(|capacity| *capacity >= data.len())
        .map(|v| 17 + 4 * (v as u32 + 1))
        .ok_or_else(|| {
            LabelError::Data(format!(
                "{} characters are too many for a QR code on a label (at most 151)",
                data.len()
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_fixed_length_elements_go_first() {
        let es =
            ElementString::parse_bracketed("(10)ABC(37)12(02)09506000134352(15)271200").unwrap();
        let ordered = gs1_symbol_order(es.elements()).unwrap();
        assert_eq!(
            ordered.to_bracketed(),
            "(02)09506000134352(15)271200(37)12(10)ABC"
        );
        assert_eq!(
            ordered.to_element_string(),
            "0209506000134352152712003712\u{1d}10ABC"
        );
        // A lot that is all digits is numeric but variable: it gets its FNC1.
        let es = ElementString::parse_bracketed("(10)1010(01)09506000134352").unwrap();
        assert_eq!(
            gs1_symbol_order(es.elements()).unwrap().to_element_string(),
            "0109506000134352101010"
        );
    }

    #[test]
    fn symbol_sizes() {
        // FNC1 + 8 digit pairs = 9 codewords: 16 × 16.
        assert_eq!(datamatrix_side("0109506000134352").unwrap(), 16);
        assert_eq!(qr_side("WH1-A-03-2-B").unwrap(), 25);
        assert!(qr_side(&"x".repeat(200)).is_err());
    }
}
