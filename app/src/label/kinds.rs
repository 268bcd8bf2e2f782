//! The four labels Dockhand prints, each as plain data (what a workflow or `dockhand-cli
//! label zpl --json` supplies) and a layout for any stock:
//!
//! - [`PalletLabel`]: the GS1 logistic label. Ship-from/ship-to at the top, the SSCC and
//!   the content in words in the middle, the content symbols (02)+(37), (10), (15)/(17),
//!   (310n)/(330n) above, and the SSCC symbol (00) at the bottom. On short stock only the
//!   SSCC symbol is printed.
//! - [`CartonLabel`]: (01) with (10)/(17)/(21) for a carton that is one trade item, or
//!   (02)+(37) when it holds more than one unit (GS1 forbids 01 with 37), in GS1-128 or
//!   one GS1 DataMatrix; an (00) symbol too when the carton has an SSCC.
//! - [`ItemLabel`]: (01)+(10)/(17)/(21) with the description and SKU.
//! - [`BinLabel`]: the location code as Code 128 and QR, and the path
//!   warehouse › zone › aisle › rack › shelf › bin in large type.
//!
//! Every value passes the barcode engine's AI checks ([`Element::new`]) and the label's
//! elements its pairing rules, so a label can only carry data a scanner will accept.

use serde::{Deserialize, Serialize};

use super::LabelError;
use super::layout::{MARGIN_MM, Sheet, cells, stack_gs1_128};
use super::stock::{Dpi, Stock};
use super::template::{Align, Template, gs1_symbol_order};
use crate::barcode::{Element, ElementString, PairingCheck};
use crate::domain::LocationPath;

/// Which symbol carries a carton's or item's GS1 data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gs1Symbol {
    #[default]
    Gs1_128,
    DataMatrix,
}

/// A pallet (logistic unit) label.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PalletLabel {
    /// The pallet's SSCC, 18 digits with its check digit.
    pub sscc: String,
    /// GTIN of the trade items on the pallet (AI 02), when it holds one kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// How many trade items (AI 37).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lot: Option<String>,
    /// YYMMDD (DD may be 00: end of the month).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub best_before: Option<String>,
    /// YYMMDD (DD may be 00).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiry: Option<String>,
    /// Net weight in kilograms as a decimal, e.g. `"512.5"` (AI 310n).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub net_kg: Option<String>,
    /// Gross weight in kilograms (AI 330n).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gross_kg: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ship_from: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ship_to: Vec<String>,
}

/// A shipping or inbound carton label.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CartonLabel {
    pub gtin: String,
    /// Units in the carton; more than one makes the label (02)+(37).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lot: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiry: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial: Option<String>,
    /// The carton's own SSCC, when it ships as a logistic unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sscc: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ship_to: Vec<String>,
    #[serde(default)]
    pub symbol: Gs1Symbol,
}

/// A label for one trade item (e.g. an inbound unit that arrived unlabelled).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemLabel {
    pub gtin: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lot: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiry: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    #[serde(default)]
    pub symbol: Gs1Symbol,
}

/// A shelf label for a storage location.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BinLabel {
    /// The code scanners read, e.g. `A-03-2-B`.
    pub code: String,
    pub warehouse: String,
    #[serde(flatten)]
    pub path: LocationPath,
}

fn element(ai: &str, value: &str, what: &str) -> Result<Element, LabelError> {
    Element::new(ai, value).map_err(|e| LabelError::Data(format!("{what}: {e}")))
}

/// A weight in kilograms as a decimal string → AI `{base}n` with n decimals (6 digits).
pub fn weight_element(base: &str, kg: &str, what: &str) -> Result<Element, LabelError> {
    let bad = |why: &str| LabelError::Data(format!("{what} {kg:?} {why}"));
    let (int, frac) = kg.trim().split_once('.').unwrap_or((kg.trim(), ""));
    if int.is_empty() && frac.is_empty()
        || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
    {
        return Err(bad("is not a weight in kilograms such as 512.5"));
    }
    if frac.len() > 5 {
        return Err(bad("has more than 5 decimals"));
    }
    let digits = format!("{}{frac}", int.trim_start_matches('0'));
    if digits.len() > 6 {
        return Err(bad(
            "has more than 6 digits; GS1 weights hold at most 999999 units",
        ));
    }
    let value = format!("{digits:0>6}");
    element(&format!("{base}{}", frac.len()), &value, what)
}

/// `YYMMDD` as `DD.MM.YY` for the text block (day 00 stays 00: end of month).
fn gs1_date_text(yymmdd: &str) -> String {
    match (yymmdd.get(0..2), yymmdd.get(2..4), yymmdd.get(4..6)) {
        (Some(y), Some(m), Some(d)) => format!("{d}.{m}.{y}"),
        _ => yymmdd.to_owned(),
    }
}

/// The weight an element stands for, for the text block.
fn weight_text(e: &Element) -> String {
    let decimals =
        e.ai.as_str()
            .as_bytes()
            .last()
            .map_or(0, |b| usize::from(b - b'0'));
    let v = &e.value;
    if decimals == 0 {
        return v.trim_start_matches('0').to_owned();
    }
    let (int, frac) = v.split_at(v.len() - decimals);
    let int = int.trim_start_matches('0');
    format!("{}.{frac}", if int.is_empty() { "0" } else { int })
}

fn check_lines(lines: &[String], what: &str) -> Result<(), LabelError> {
    if lines.len() > 4 {
        return Err(LabelError::Data(format!(
            "{what} has {} lines; a label holds at most 4",
            lines.len()
        )));
    }
    Ok(())
}

impl PalletLabel {
    /// The SSCC element and the content elements, checked.
    pub fn elements(&self) -> Result<(Element, Vec<Element>), LabelError> {
        let sscc = element("00", &self.sscc, "SSCC")?;
        let mut content = Vec::new();
        if let Some(gtin) = &self.content {
            content.push(element("02", gtin, "content GTIN")?);
        }
        if let Some(count) = self.count {
            content.push(element("37", &count.to_string(), "count")?);
        }
        if let Some(d) = &self.best_before {
            content.push(element("15", d, "best before date")?);
        }
        if let Some(d) = &self.expiry {
            content.push(element("17", d, "expiry date")?);
        }
        if let Some(kg) = &self.net_kg {
            content.push(weight_element("310", kg, "net weight")?);
        }
        if let Some(kg) = &self.gross_kg {
            content.push(weight_element("330", kg, "gross weight")?);
        }
        if let Some(lot) = &self.lot {
            content.push(element("10", lot, "lot")?);
        }
        let mut all = vec![sscc.clone()];
        all.extend(content.iter().cloned());
        ElementString::from_elements(all)?.check_pairing(PairingCheck::Essential)?;
        check_lines(&self.ship_from, "ship-from")?;
        check_lines(&self.ship_to, "ship-to")?;
        Ok((sscc, content))
    }

    pub fn layout(&self, stock: Stock, dpi: Dpi) -> Result<Template, LabelError> {
        let (sscc, content) = self.elements()?;
        let sscc_symbol = ElementString::from_elements(vec![sscc])?;
        let mut sheet = Sheet::new(stock, dpi);
        let w = sheet.inner_width();
        let bottom = sheet.height() - 3.0;
        if !stock.is_tall() {
            sheet.text(
                MARGIN_MM,
                3.0,
                w,
                4.5,
                &format!("SSCC {}", self.sscc),
                Align::Left,
            );
            let mut top = 8.5;
            if let Some(first) = self.ship_to.first() {
                sheet.text(MARGIN_MM, top, w, 3.5, &format!("TO {first}"), Align::Left);
                top += 4.5;
            }
            stack_gs1_128(&mut sheet, &[sscc_symbol], top, bottom, 8.0, 25.0)?;
            return Ok(sheet.finish("sscc"));
        }
        // Ship from | ship to.
        let half = w / 2.0;
        for (x, title, lines) in [
            (MARGIN_MM, "FROM", &self.ship_from),
            (MARGIN_MM + half + 2.0, "TO", &self.ship_to),
        ] {
            sheet.text(x, 4.0, half - 2.0, 2.5, title, Align::Left);
            for (i, line) in lines.iter().enumerate() {
                sheet.text(x, 7.5 + i as f32 * 4.5, half - 2.0, 3.5, line, Align::Left);
            }
        }
        sheet.rule(26.5);
        sheet.text(MARGIN_MM, 28.5, w, 2.5, "SSCC", Align::Left);
        sheet.text(MARGIN_MM, 31.5, w, 6.0, &self.sscc, Align::Left);
        // Content in words, two columns.
        let rows_bottom = cells(&mut sheet, &content_cells(&content), 39.0);
        sheet.rule(rows_bottom + 0.5);
        let mut symbols = sheet.pack_gs1_128(&content)?;
        symbols.push(sscc_symbol);
        stack_gs1_128(&mut sheet, &symbols, rows_bottom + 3.0, bottom, 10.0, 25.0)?;
        Ok(sheet.finish("sscc"))
    }
}

/// Titles and values of GS1 elements for the words part of a label.
fn content_cells(elements: &[Element]) -> Vec<(&'static str, String)> {
    elements
        .iter()
        .filter_map(|e| {
            Some(match e.ai.as_str() {
                "01" => ("GTIN", e.value.clone()),
                "02" => ("CONTENT", e.value.clone()),
                "37" => ("COUNT", e.value.clone()),
                "10" => ("BATCH/LOT", e.value.clone()),
                "21" => ("SERIAL", e.value.clone()),
                "15" => ("BEST BEFORE (dd.mm.yy)", gs1_date_text(&e.value)),
                "17" => ("EXPIRY (dd.mm.yy)", gs1_date_text(&e.value)),
                ai if ai.starts_with("310") => ("NET WEIGHT (kg)", weight_text(e)),
                ai if ai.starts_with("330") => ("GROSS WEIGHT (kg)", weight_text(e)),
                _ => return None,
            })
        })
        .collect()
}

/// (01)+(10)/(17)/(21), or (02)+(37)+(10)/(17) for several units.
fn trade_item_elements(
    gtin: &str,
    count: Option<u32>,
    lot: Option<&String>,
    expiry: Option<&String>,
    serial: Option<&String>,
) -> Result<Vec<Element>, LabelError> {
    let mut out = Vec::new();
    match count {
        Some(0) => return Err(LabelError::Data("count: a carton of 0 units".into())),
        Some(n) if n > 1 => {
            if serial.is_some() {
                return Err(LabelError::Data(format!(
                    "serial: a serial number identifies one unit; a carton of {n} units cannot carry AI 21"
                )));
            }
            out.push(element("02", gtin, "GTIN")?);
            out.push(element("37", &n.to_string(), "count")?);
        }
        _ => out.push(element("01", gtin, "GTIN")?),
    }
    if let Some(d) = expiry {
        out.push(element("17", d, "expiry date")?);
    }
    if let Some(lot) = lot {
        out.push(element("10", lot, "lot")?);
    }
    if let Some(serial) = serial {
        out.push(element("21", serial, "serial")?);
    }
    ElementString::from_elements(out.clone())?.check_pairing(PairingCheck::Essential)?;
    Ok(out)
}

/// GS1 data of a carton or item, as one DataMatrix or packed GS1-128 symbols, placed
/// between `top` and `bottom` (and an SSCC symbol at the very bottom when given).
fn place_gs1(
    sheet: &mut Sheet,
    symbol: Gs1Symbol,
    elements: &[Element],
    sscc: Option<Element>,
    top: f32,
    bottom: f32,
) -> Result<(), LabelError> {
    let min_bar = if sheet.stock.is_tall() { 10.0 } else { 5.0 };
    match symbol {
        Gs1Symbol::Gs1_128 => {
            let mut symbols = sheet.pack_gs1_128(elements)?;
            if let Some(sscc) = sscc {
                symbols.push(ElementString::from_elements(vec![sscc])?);
            }
            stack_gs1_128(sheet, &symbols, top, bottom, min_bar, 25.0)
        }
        Gs1Symbol::DataMatrix => {
            let data = gs1_symbol_order(elements)?;
            let mut dm_bottom = bottom;
            if let Some(sscc) = sscc {
                let sscc = ElementString::from_elements(vec![sscc])?;
                let room = (bottom - top) / 2.0;
                stack_gs1_128(sheet, &[sscc], bottom - room, bottom, min_bar, 25.0)?;
                dm_bottom = bottom - room;
            }
            let side = (dm_bottom - top - 1.0).min(30.0);
            sheet.datamatrix_block(MARGIN_MM + 2.0, top + 1.0, &data, side)?;
            Ok(())
        }
    }
}

impl CartonLabel {
    pub fn layout(&self, stock: Stock, dpi: Dpi) -> Result<Template, LabelError> {
        let elements = trade_item_elements(
            &self.gtin,
            self.count,
            self.lot.as_ref(),
            self.expiry.as_ref(),
            self.serial.as_ref(),
        )?;
        let sscc = self
            .sscc
            .as_deref()
            .map(|s| element("00", s, "SSCC"))
            .transpose()?;
        check_lines(&self.ship_to, "ship-to")?;
        let mut sheet = Sheet::new(stock, dpi);
        let w = sheet.inner_width();
        let mut y = 3.0;
        let mut heading = Vec::new();
        if let Some(order) = &self.order {
            heading.push(format!("ORDER {order}"));
        }
        if let Some(d) = &self.description {
            heading.push(d.clone());
        }
        let line = if stock.is_tall() { 5.0 } else { 3.5 };
        for text in heading.iter().take(if stock.is_tall() { 2 } else { 1 }) {
            sheet.text(MARGIN_MM, y, w, line, text, Align::Left);
            y += line + 1.0;
        }
        if stock.is_tall() && !self.ship_to.is_empty() {
            sheet.text(MARGIN_MM, y, w, 2.5, "SHIP TO", Align::Left);
            y += 3.2;
            for to in &self.ship_to {
                sheet.text(MARGIN_MM, y, w, 4.5, to, Align::Left);
                y += 5.2;
            }
        }
        if y > 3.0 {
            sheet.rule(y);
            y += 1.5;
        }
        if stock.is_tall() {
            y = cells(&mut sheet, &content_cells(&elements), y + 1.0);
            sheet.rule(y + 0.5);
            y += 2.5;
        }
        let bottom = sheet.height() - 3.0;
        place_gs1(&mut sheet, self.symbol, &elements, sscc, y, bottom)?;
        Ok(sheet.finish("carton"))
    }
}

impl ItemLabel {
    pub fn layout(&self, stock: Stock, dpi: Dpi) -> Result<Template, LabelError> {
        let elements = trade_item_elements(
            &self.gtin,
            None,
            self.lot.as_ref(),
            self.expiry.as_ref(),
            self.serial.as_ref(),
        )?;
        let mut sheet = Sheet::new(stock, dpi);
        let w = sheet.inner_width();
        let mut y = 3.0;
        let line = if stock.is_tall() { 6.0 } else { 4.0 };
        if let Some(d) = &self.description {
            sheet.text(MARGIN_MM, y, w, line, d, Align::Left);
            y += line + 1.0;
        }
        if let Some(sku) = &self.sku {
            sheet.text(
                MARGIN_MM,
                y,
                w,
                line * 0.7,
                &format!("SKU {sku}"),
                Align::Left,
            );
            y += line * 0.7 + 1.0;
        }
        if stock.is_tall() {
            sheet.rule(y);
            y = cells(&mut sheet, &content_cells(&elements), y + 2.0);
            sheet.rule(y + 0.5);
            y += 2.5;
        }
        let bottom = sheet.height() - 3.0;
        place_gs1(&mut sheet, self.symbol, &elements, None, y, bottom)?;
        Ok(sheet.finish("item"))
    }
}

impl BinLabel {
    pub fn layout(&self, stock: Stock, dpi: Dpi) -> Result<Template, LabelError> {
        let code = self.code.trim();
        if code.is_empty() {
            return Err(LabelError::Data(
                "code: a bin label needs the location code".into(),
            ));
        }
        let warehouse = crate::domain::WarehouseCode::new(self.warehouse.clone())
            .map_err(|e| LabelError::Data(format!("warehouse: {e}")))?;
        let path = self.path.display_under(&warehouse);
        let mut sheet = Sheet::new(stock, dpi);
        let w = sheet.inner_width();
        let bottom = sheet.height() - 3.0;
        let right = sheet.width() - MARGIN_MM;
        if stock.is_tall() {
            // Path and code in large type, Code 128 across, QR under it.
            sheet.text(MARGIN_MM, 4.0, w, 12.0, &path, Align::Left);
            sheet.text(MARGIN_MM, 19.0, w, 24.0, code, Align::Left);
            let bars_y = 48.0;
            let used = sheet.code128(0.0, bars_y, code, sheet.width(), 30.0)?;
            let shift = (sheet.width() - used) / 2.0;
            if let Some(last) = sheet.fields.last_mut() {
                last.x_mm += shift;
            }
            let qr_room = (bottom - bars_y - 32.0).min(50.0);
            let qr_right = (sheet.width() + qr_room) / 2.0;
            sheet.qr_right(qr_right, bars_y + 32.0, code, qr_room)?;
        } else {
            sheet.text(MARGIN_MM, 3.0, w, 6.0, &path, Align::Left);
            sheet.text(MARGIN_MM, 10.5, w, 11.0, code, Align::Left);
            let bars_y = 24.0;
            let qr = sheet.qr_right(right, bars_y - 2.0, code, bottom - bars_y + 4.0)?;
            let bar_height = bottom - bars_y;
            sheet.code128(0.0, bars_y, code, right - qr, bar_height)?;
        }
        Ok(sheet.finish("bin"))
    }
}
