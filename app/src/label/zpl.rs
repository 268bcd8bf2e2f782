//! Renders a [`Template`] to ZPL II. Pure text generation; what is sent where is the print
//! queue's business.
//!
//! - Text uses the scalable font `^A0` in a one-line `^FB` block (clipped, never wrapped
//!   over other fields), with `^FH` hex escapes for `^`, `~` and `_`, and `^CI28` (UTF-8)
//!   so the path separator `›` prints.
//! - GS1-128 and Code 128 use `^BC` with mode `N` and the invocation codes planned by
//!   [`super::code128`]; the printer's own interpretation line is off, the bracketed
//!   human-readable line is a text field the layout places under the symbol.
//! - GS1 DataMatrix uses `^BX` quality 200 with `#` as the escape character, so `#1` is
//!   FNC1 (`#` is outside the GS1 character set 82, so no value can contain it).
//! - QR uses `^BQ` model 2, error correction Q, automatic input mode.

use std::fmt::Write;

use super::LabelError;
use super::code128;
use super::template::{Align, FieldContent, Template, gs1_128_plan};

/// The ZPL for `template`. `comment` (e.g. a print job id) goes into a `^FX` comment at the
/// top, so a captured print stream tells which job it came from.
pub fn render(template: &Template, comment: Option<&str>) -> Result<String, LabelError> {
    let dpi = template.dpi;
    let mut z = String::with_capacity(1024);
    z.push_str("^XA\n");
    let mut note = format!("dockhand {} label", template.kind);
    if let Some(c) = comment {
        note.push(' ');
        note.push_str(c);
    }
    let _ = writeln!(z, "^FX{}^FS", escape_comment(&note));
    let _ = writeln!(
        z,
        "^CI28^PW{}^LL{}^LH0,0",
        dpi.dots(template.stock.width_mm),
        dpi.dots(template.stock.height_mm)
    );
    for field in &template.fields {
        let x = dpi.dots(field.x_mm);
        let y = dpi.dots(field.y_mm);
        match &field.content {
            FieldContent::Text {
                text,
                height_mm,
                width_mm,
                align,
            } => {
                let h = dpi.dots(*height_mm).max(10);
                let justify = match align {
                    Align::Left => 'L',
                    Align::Center => 'C',
                };
                let _ = writeln!(
                    z,
                    "^FO{x},{y}^A0N,{h},{h}^FB{},1,0,{justify},0^FH^FD{}^FS",
                    dpi.dots(*width_mm),
                    escape_text(text)
                );
            }
            FieldContent::Box {
                width_mm,
                height_mm,
            } => {
                let w = dpi.dots(*width_mm).max(1);
                let h = dpi.dots(*height_mm).max(1);
                let _ = writeln!(z, "^FO{x},{y}^GB{w},{h},{}^FS", w.min(h));
            }
            FieldContent::Gs1_128 {
                elements,
                module_dots,
                height_mm,
            } => {
                let plan = gs1_128_plan(elements)?;
                let h = dpi.dots(*height_mm);
                let _ = writeln!(
                    z,
                    "^FO{x},{y}^BY{module_dots},3,{h}^BCN,{h},N,N,N,N^FD{}^FS",
                    plan.field_data
                );
            }
            FieldContent::Code128 {
                data,
                module_dots,
                height_mm,
            } => {
                let plan = code128::plan(&code128::plain_chars(data))?;
                let h = dpi.dots(*height_mm);
                let _ = writeln!(
                    z,
                    "^FO{x},{y}^BY{module_dots},3,{h}^BCN,{h},N,N,N,N^FD{}^FS",
                    plan.field_data
                );
            }
            FieldContent::Gs1DataMatrix {
                elements,
                module_dots,
            } => {
                let data = elements.to_element_string().replace('\u{1d}', "#1");
                let _ = writeln!(z, "^FO{x},{y}^BXN,{module_dots},200,0,0,6,#^FD#1{data}^FS");
            }
            FieldContent::Qr { data, module_dots } => {
                check_field_data(data)?;
                let _ = writeln!(z, "^FO{x},{y}^BQN,2,{module_dots}^FDQA,{data}^FS");
            }
        }
    }
    z.push_str("^XZ\n");
    Ok(z)
}

fn check_field_data(data: &str) -> Result<(), LabelError> {
    match data.bytes().find(|b| !code128::zpl_safe(*b)) {
        Some(b) => Err(LabelError::Data(format!(
            "character {:?} cannot be printed in a label barcode; use printable ASCII without ^ and ~",
            char::from(b)
        ))),
        None => Ok(()),
    }
}

/// Text for `^FH^FD`: `^`, `~` and `_` as hex escapes, control characters dropped.
fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '^' => out.push_str("_5E"),
            '~' => out.push_str("_7E"),
            '_' => out.push_str("_5F"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A `^FX` comment ends at the next `^` or `~`; keep both out.
fn escape_comment(text: &str) -> String {
    text.chars()
        .filter(|c| *c != '^' && *c != '~' && !c.is_control())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::barcode::ElementString;
    use crate::label::stock::{Dpi, Stock};
    use crate::label::template::Field;

    fn one_field(content: FieldContent) -> String {
        let t = Template {
            kind: "test",
            stock: Stock::FOUR_BY_TWO,
            dpi: Dpi::D203,
            fields: vec![Field {
                x_mm: 5.0,
                y_mm: 2.5,
                content,
            }],
        };
        render(&t, Some("job 42")).unwrap()
    }

    #[test]
    fn frame_and_text() {
        let z = one_field(FieldContent::Text {
            text: "A^B~C_D › E".into(),
            height_mm: 5.0,
            width_mm: 50.0,
            align: Align::Left,
        });
        assert_eq!(
            z,
            "^XA\n^FXdockhand test label job 42^FS\n^CI28^PW813^LL406^LH0,0\n\
             ^FO40,20^A0N,40,40^FB400,1,0,L,0^FH^FDA_5EB_7EC_5FD › E^FS\n^XZ\n"
        );
    }

    #[test]
    fn gs1_symbols_spell_out_fnc1() {
        let elements = ElementString::parse_bracketed("(02)09506000134352(37)12(10)AB>C").unwrap();
        let z = one_field(FieldContent::Gs1_128 {
            elements: elements.clone(),
            module_dots: 3,
            height_mm: 10.0,
        });
        assert!(
            z.contains("^BY3,3,80^BCN,80,N,N,N,N^FD>;>802095060001343523712>810>6AB>0C^FS"),
            "{z}"
        );
        let z = one_field(FieldContent::Gs1DataMatrix {
            elements,
            module_dots: 6,
        });
        assert!(
            z.contains("^BXN,6,200,0,0,6,#^FD#102095060001343523712#110AB>C^FS"),
            "{z}"
        );
    }
}
