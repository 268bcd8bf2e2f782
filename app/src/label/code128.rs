//! Code 128 symbols written for ZPL's `^BC` in "no mode" (`N`): the code sets, FNC1 and
//! switches are chosen here and spelled with ZPL invocation codes (`>;` start C, `>:` start
//! B, `>6` to B, `>8` FNC1, `>0` a literal `>`), so the printer adds nothing of its own and
//! the symbol is exactly what we planned. Knowing every codeword also gives the symbol's
//! width before it is printed, which the layout needs.
//!
//! The plan starts in code C when the data opens with digits (GS1 element strings put their
//! fixed-length numeric AIs first, see [`super::template::gs1_symbol_order`]), stays in C
//! while it meets digit pairs and FNC1, and then finishes in code B. It never switches back
//! from B to C: that costs a few modules on mixed data but avoids a construct (`>5`) that
//! some ZPL renderers mis-read. It also switches to B one pair early rather than leave a
//! single character after a switch, which the same renderers drop.

use super::LabelError;

/// One symbol character before encoding: data or the FNC1 function character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code128Char {
    Fnc1,
    Byte(u8),
}

/// A planned symbol: the `^FD` text and its size in modules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Code128Plan {
    /// Field data for `^BC…,N` (no mode).
    pub field_data: String,
    /// Symbol characters including start and check, excluding stop.
    pub symbol_chars: usize,
}

impl Code128Plan {
    /// Width of the symbol in modules, without quiet zones (start, data and check are 11
    /// modules each, stop is 13).
    pub fn modules(&self) -> usize {
        self.symbol_chars * 11 + 13
    }

    /// Width including the 10-module quiet zone on each side.
    pub fn modules_with_quiet_zones(&self) -> usize {
        self.modules() + 20
    }
}

/// Whether a byte may go into a ZPL field data: printable ASCII except the ZPL command
/// prefixes `^` and `~`.
pub fn zpl_safe(b: u8) -> bool {
    (0x20..=0x7e).contains(&b) && b != b'^' && b != b'~'
}

/// Plans a symbol for `chars`.
pub fn plan(chars: &[Code128Char]) -> Result<Code128Plan, LabelError> {
    use Code128Char::{Byte, Fnc1};
    if chars.iter().all(|c| *c == Fnc1) {
        return Err(LabelError::Data(
            "a barcode needs at least one character".into(),
        ));
    }
    if let Some(Byte(b)) = chars.iter().find(|c| matches!(c, Byte(b) if !zpl_safe(*b))) {
        return Err(LabelError::Data(format!(
            "character {:?} cannot be printed in a Code 128 label barcode; use printable ASCII without ^ and ~",
            char::from(*b)
        )));
    }
    let digit = |i: usize| matches!(chars.get(i), Some(Byte(b)) if b.is_ascii_digit());
    let pair = |i: usize| digit(i) && digit(i + 1);
    let first_data = chars.iter().position(|c| *c != Fnc1).unwrap_or(0);

    let mut out = String::with_capacity(chars.len() + 8);
    let mut symbol_chars = 1; // start
    let mut in_c = pair(first_data) && chars.len() - first_data != 3;
    out.push_str(if in_c { ">;" } else { ">:" });
    let mut i = 0;
    while i < chars.len() {
        if in_c {
            match chars[i] {
                Fnc1 => {
                    out.push_str(">8");
                    i += 1;
                }
                Byte(_) if pair(i) && chars.len() - i != 3 => {
                    for c in &chars[i..i + 2] {
                        if let Byte(b) = c {
                            out.push(char::from(*b));
                        }
                    }
                    i += 2;
                }
                Byte(_) => {
                    out.push_str(">6");
                    in_c = false;
                    symbol_chars += 1;
                    continue;
                }
            }
        } else {
            match chars[i] {
                Fnc1 => out.push_str(">8"),
                Byte(b'>') => out.push_str(">0"),
                Byte(b) => out.push(char::from(b)),
            }
            i += 1;
        }
        symbol_chars += 1;
    }
    Ok(Code128Plan {
        field_data: out,
        symbol_chars: symbol_chars + 1, // check character
    })
}

/// The characters of a GS1-128 symbol for an element string in the scanner form (GS
/// between elements): a leading FNC1, then each GS as FNC1.
pub fn gs1_chars(element_string: &str) -> Vec<Code128Char> {
    std::iter::once(Code128Char::Fnc1)
        .chain(element_string.bytes().map(|b| {
            if b == 0x1d {
                Code128Char::Fnc1
            } else {
                Code128Char::Byte(b)
            }
        }))
        .collect()
}

/// The characters of a plain (non-GS1) Code 128 symbol.
pub fn plain_chars(text: &str) -> Vec<Code128Char> {
    text.bytes().map(Code128Char::Byte).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gs1(data: &str) -> Code128Plan {
        plan(&gs1_chars(data)).unwrap()
    }

    #[test]
    fn an_sscc_is_all_code_c_after_a_leading_fnc1() {
        let p = gs1("00095060001000000012");
        assert_eq!(p.field_data, ">;>800095060001000000012");
        // start, FNC1, 10 pairs, check.
        assert_eq!(p.symbol_chars, 13);
        assert_eq!(p.modules(), 156);
    }

    #[test]
    fn variable_length_values_get_fnc1_and_letters_move_to_code_b() {
        let p = gs1("0109506000134352371\u{1d}10AB>C");
        assert_eq!(p.field_data, ">;>8010950600013435237>61>810AB>0C");
        let p = gs1("10ABC123");
        assert_eq!(p.field_data, ">;>810>6ABC123");
    }

    #[test]
    fn never_leaves_a_single_character_after_a_switch() {
        // (37)5: "375" would be pair "37" then one digit in B; switch a pair early.
        assert_eq!(gs1("375").field_data, ">:>8375");
        assert_eq!(
            gs1("0109506000134352375").field_data,
            ">;>80109506000134352>6375"
        );
    }

    #[test]
    fn plain_code_128_refuses_zpl_control_characters() {
        assert_eq!(plan(&plain_chars("A-03-2")).unwrap().field_data, ">:A-03-2");
        assert_eq!(
            plan(&plain_chars("A^B")).unwrap_err().to_string(),
            "label data: character '^' cannot be printed in a Code 128 label barcode; use printable ASCII without ^ and ~"
        );
    }
}
