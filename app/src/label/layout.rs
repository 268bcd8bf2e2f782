//! Placing fields on a sheet: text lines that shrink to fit their width, rules, and barcode
//! blocks (symbol + the bracketed human-readable line under it) whose module width is the
//! largest whole number of dots that fits. Shared by every label kind.

use super::LabelError;
use super::code128;
use super::stock::{Dpi, Stock};
use super::template::{
    Align, Field, FieldContent, Template, datamatrix_side, gs1_128_plan, gs1_symbol_order, qr_side,
};
use crate::barcode::{Element, ElementString};

/// Left and right margin.
pub const MARGIN_MM: f32 = 4.0;
/// Height of the bracketed line under a GS1 symbol.
pub const HRI_MM: f32 = 3.2;
/// Average advance of the `^A0` font as a share of its height (a little generous).
const CHAR_WIDTH: f32 = 0.7;

/// A label being laid out.
#[derive(Debug)]
pub struct Sheet {
    pub stock: Stock,
    pub dpi: Dpi,
    pub fields: Vec<Field>,
}

impl Sheet {
    pub fn new(stock: Stock, dpi: Dpi) -> Sheet {
        Sheet {
            stock,
            dpi,
            fields: Vec::new(),
        }
    }

    pub fn width(&self) -> f32 {
        self.stock.width_mm
    }

    pub fn height(&self) -> f32 {
        self.stock.height_mm
    }

    /// Usable width between the margins.
    pub fn inner_width(&self) -> f32 {
        self.stock.width_mm - 2.0 * MARGIN_MM
    }

    pub fn finish(self, kind: &'static str) -> Template {
        Template {
            kind,
            stock: self.stock,
            dpi: self.dpi,
            fields: self.fields,
        }
    }

    /// One line of text at most `height` tall, shrunk so it fits `width`.
    pub fn text(&mut self, x: f32, y: f32, width: f32, height: f32, text: &str, align: Align) {
        let chars = text.chars().count().max(1) as f32;
        let height = height.min(width / (chars * CHAR_WIDTH)).max(1.5);
        self.fields.push(Field {
            x_mm: x,
            y_mm: y,
            content: FieldContent::Text {
                text: text.to_owned(),
                height_mm: height,
                width_mm: width,
                align,
            },
        });
    }

    /// A horizontal rule across the label.
    pub fn rule(&mut self, y: f32) {
        self.fields.push(Field {
            x_mm: MARGIN_MM,
            y_mm: y,
            content: FieldContent::Box {
                width_mm: self.inner_width(),
                height_mm: 0.4,
            },
        });
    }

    /// Code 128 module widths to try, widest first: 0.5 mm down to 0.25 mm.
    fn module_choices(&self) -> std::ops::RangeInclusive<u32> {
        match self.dpi {
            Dpi::D203 => 2..=4,
            Dpi::D300 => 3..=6,
        }
    }

    /// The widest module (in dots) at which `modules` fit `width` mm, if any.
    pub fn fitting_module(&self, modules: usize, width: f32) -> Option<u32> {
        self.module_choices()
            .rev()
            .find(|m| self.dpi.mm(*m * modules as u32) <= width)
    }

    /// A GS1-128 symbol centred across the label at `y`, with its bracketed line under it.
    /// Returns the y under the block.
    pub fn gs1_128_block(
        &mut self,
        y: f32,
        elements: &ElementString,
        bar_height: f32,
    ) -> Result<f32, LabelError> {
        let plan = gs1_128_plan(elements)?;
        let module = self
            .fitting_module(plan.modules_with_quiet_zones(), self.width())
            .ok_or_else(|| too_wide(elements))?;
        let symbol_mm = self.dpi.mm(module * plan.modules() as u32);
        self.fields.push(Field {
            x_mm: ((self.width() - symbol_mm) / 2.0).max(0.0),
            y_mm: y,
            content: FieldContent::Gs1_128 {
                elements: elements.clone(),
                module_dots: module,
                height_mm: bar_height,
            },
        });
        let hri_y = y + bar_height + 0.8;
        let width = self.inner_width();
        self.text(
            MARGIN_MM,
            hri_y,
            width,
            HRI_MM,
            &elements.to_bracketed(),
            Align::Center,
        );
        Ok(hri_y + HRI_MM)
    }

    /// Splits `elements` into as few GS1-128 symbols as fit the label's width at a module
    /// of at least 1/3 mm, keeping the given order of elements within each symbol's
    /// grouping (see [`gs1_symbol_order`]).
    pub fn pack_gs1_128(&self, elements: &[Element]) -> Result<Vec<ElementString>, LabelError> {
        let min_module = match self.dpi {
            Dpi::D203 => 3,
            Dpi::D300 => 4,
        };
        let fits = |list: &[Element]| -> Result<bool, LabelError> {
            let ordered = gs1_symbol_order(list)?;
            let plan = gs1_128_plan(&ordered)?;
            Ok(self
                .dpi
                .mm(min_module * plan.modules_with_quiet_zones() as u32)
                <= self.width())
        };
        let mut symbols: Vec<Vec<Element>> = Vec::new();
        let mut current: Vec<Element> = Vec::new();
        for element in elements {
            current.push(element.clone());
            if current.len() > 1 && !fits(&current)? {
                current.pop();
                symbols.push(std::mem::take(&mut current));
                current.push(element.clone());
            }
        }
        if !current.is_empty() {
            symbols.push(current);
        }
        symbols.iter().map(|s| gs1_symbol_order(s)).collect()
    }

    /// A GS1 DataMatrix at (x, y) with each element's bracketed form on its own line to the
    /// right. Returns the y under the block.
    pub fn datamatrix_block(
        &mut self,
        x: f32,
        y: f32,
        elements: &ElementString,
        max_side_mm: f32,
    ) -> Result<f32, LabelError> {
        let side = datamatrix_side(&elements.to_element_string())?;
        let max_module_mm = if self.stock.is_tall() { 1.0 } else { 0.75 };
        let module = (1..=12)
            .rev()
            .find(|m| self.dpi.mm(m * side) <= max_side_mm && self.dpi.mm(*m) <= max_module_mm)
            .ok_or_else(|| {
                LabelError::Layout(format!(
                    "the DataMatrix for {} does not fit in {max_side_mm:.0} mm",
                    elements.to_bracketed()
                ))
            })?;
        let side_mm = self.dpi.mm(module * side);
        self.fields.push(Field {
            x_mm: x,
            y_mm: y,
            content: FieldContent::Gs1DataMatrix {
                elements: elements.clone(),
                module_dots: module,
            },
        });
        let text_x = x + side_mm + 4.0;
        let text_w = self.width() - MARGIN_MM - text_x;
        let lines = elements.elements().len().max(1) as f32;
        let line_h = (side_mm / lines).clamp(2.5, 4.5);
        for (i, element) in elements.elements().iter().enumerate() {
            let one = ElementString::from_elements(vec![element.clone()])?;
            self.text(
                text_x,
                y + i as f32 * line_h,
                text_w,
                line_h * 0.85,
                &one.to_bracketed(),
                Align::Left,
            );
        }
        Ok(y + side_mm.max(lines * line_h))
    }

    /// A plain Code 128 symbol at (x, y) no wider than `max_width`. Returns its width.
    pub fn code128(
        &mut self,
        x: f32,
        y: f32,
        data: &str,
        max_width: f32,
        bar_height: f32,
    ) -> Result<f32, LabelError> {
        let plan = code128::plan(&code128::plain_chars(data))?;
        let module = self
            .fitting_module(plan.modules_with_quiet_zones(), max_width)
            .ok_or_else(|| {
                LabelError::Layout(format!(
                    "{data:?} is too long for a Code 128 symbol {max_width:.0} mm wide; shorten the code or use wider stock"
                ))
            })?;
        self.fields.push(Field {
            x_mm: x + self.dpi.mm(module * 10),
            y_mm: y,
            content: FieldContent::Code128 {
                data: data.to_owned(),
                module_dots: module,
                height_mm: bar_height,
            },
        });
        Ok(self.dpi.mm(module * plan.modules_with_quiet_zones() as u32))
    }

    /// A QR symbol whose top-right corner (with its quiet zone) is at (right, y), at most
    /// `max_side_mm` square with its quiet zone, modules of 0.4 to 1 mm. Returns its side
    /// including the quiet zone.
    pub fn qr_right(
        &mut self,
        right: f32,
        y: f32,
        data: &str,
        max_side_mm: f32,
    ) -> Result<f32, LabelError> {
        let side = qr_side(data)?;
        let module = (2..=self.dpi.dots(1.0))
            .rev()
            .find(|m| self.dpi.mm(m * (side + 8)) <= max_side_mm)
            .filter(|m| self.dpi.mm(*m) >= 0.4)
            .ok_or_else(|| {
                LabelError::Layout(format!(
                    "the QR code for {data:?} does not fit in {max_side_mm:.0} mm"
                ))
            })?;
        let side_mm = self.dpi.mm(module * (side + 8));
        self.fields.push(Field {
            x_mm: right - side_mm + self.dpi.mm(module * 4),
            y_mm: y + self.dpi.mm(module * 4),
            content: FieldContent::Qr {
                data: data.to_owned(),
                module_dots: module,
            },
        });
        Ok(side_mm)
    }
}

/// Titled values in two columns from `y` (title small, value large); returns the y under
/// them.
pub fn cells(sheet: &mut Sheet, cells: &[(&str, String)], y: f32) -> f32 {
    let half = sheet.inner_width() / 2.0;
    for (i, (title, value)) in cells.iter().enumerate() {
        let x = MARGIN_MM + (i % 2) as f32 * (half + 2.0);
        let row_y = y + (i / 2) as f32 * 8.5;
        sheet.text(x, row_y, half - 2.0, 2.5, title, Align::Left);
        sheet.text(x, row_y + 3.0, half - 2.0, 4.5, value, Align::Left);
    }
    y + cells.len().div_ceil(2) as f32 * 8.5
}

fn too_wide(elements: &ElementString) -> LabelError {
    LabelError::Layout(format!(
        "{} is too long for one GS1-128 symbol across this label",
        elements.to_bracketed()
    ))
}

/// Stacks GS1-128 blocks upwards from `bottom` (the last symbol lowest), sharing the height
/// between `top` and `bottom`. Bars are at most `max_bar` and at least `min_bar` tall.
pub fn stack_gs1_128(
    sheet: &mut Sheet,
    symbols: &[ElementString],
    top: f32,
    bottom: f32,
    min_bar: f32,
    max_bar: f32,
) -> Result<(), LabelError> {
    const GAP: f32 = 2.5;
    let n = symbols.len() as f32;
    let overhead = 0.8 + HRI_MM + GAP;
    let bar = ((bottom - top) / n - overhead).min(max_bar);
    if bar < min_bar {
        return Err(LabelError::Layout(format!(
            "{} barcodes do not fit on {:.0} × {:.0} mm stock; use taller stock (4x6)",
            symbols.len(),
            sheet.width(),
            sheet.height()
        )));
    }
    let mut y = bottom - n * (bar + overhead) + GAP;
    for symbol in symbols {
        y = sheet.gs1_128_block(y, symbol, bar)? + GAP;
    }
    Ok(())
}
