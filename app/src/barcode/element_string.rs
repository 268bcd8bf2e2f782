//! GS1 element strings: the AI + value list inside GS1-128, GS1 DataMatrix, GS1 QR and
//! DataBar, read from the scanner form (FNC1 as ASCII GS or a configured substitute) and from
//! the bracketed human-readable form `(01)09506000134352(17)201225(10)ABC`, and written back
//! to both. Also checks the AI pairing rules over a whole list.
//!
//! Owns the syntax of element strings; it must not decide what a scan means (that is
//! [`super::classify`]) nor read URIs (that is [`super::digital_link`]).

use serde::{Deserialize, Serialize};

use super::GS;
use super::ai_table::{Ai, AiDef, Requirement, ai_length_for_prefix, lookup};
use super::error::Gs1Error;
use super::value_rules::validate_value;

/// One AI and its value, e.g. `(10) ABC123`. Deserialising checks the value like
/// [`Element::new`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "UncheckedElement")]
pub struct Element {
    pub ai: Ai,
    pub value: String,
}

#[derive(Deserialize)]
struct UncheckedElement {
    ai: String,
    value: String,
}

impl TryFrom<UncheckedElement> for Element {
    type Error = Gs1Error;
    fn try_from(raw: UncheckedElement) -> Result<Element, Gs1Error> {
        Element::new(&raw.ai, raw.value)
    }
}

impl Element {
    /// A checked element: the AI exists and the value fits its format.
    pub fn new(ai: &str, value: impl Into<String>) -> Result<Element, Gs1Error> {
        let (ai, def) = lookup(ai).ok_or_else(|| Gs1Error::UnknownAi {
            ai: ai.to_owned(),
            position: 0,
        })?;
        let value = value.into();
        validate_value(ai, def, &value)?;
        Ok(Element { ai, value })
    }

    /// The AI's table entry (every `Element` holds a known AI).
    pub fn def(&self) -> Option<&'static AiDef> {
        self.ai.def()
    }
}

/// How strictly AI pairing rules (GS1 General Specifications 4.13/4.14) are applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PairingCheck {
    /// No pairing rules (e.g. when labels split their data over several barcodes and the
    /// caller combines them later).
    Off,
    /// Invalid pairs, and the requirements a warehouse relies on: 02 needs 37, 37 needs 02
    /// or 8026, 21 needs 01, 250 needs 21, 8026 needs 37, 254 needs 414… Attributes such as
    /// a lot alone are accepted, because a label may carry them in a second barcode.
    #[default]
    Essential,
    /// Every mandatory association of the General Specifications.
    Strict,
}

/// A validated list of GS1 elements, in the order they were read. Serialises as a list of
/// `{"ai":…,"value":…}`; deserialising checks every element and refuses repeated AIs.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ElementString {
    #[serde(deserialize_with = "checked_list")]
    elements: Vec<Element>,
}

fn checked_list<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Element>, D::Error> {
    let elements = Vec::<Element>::deserialize(d)?;
    check_duplicates(&elements).map_err(serde::de::Error::custom)?;
    Ok(elements)
}

impl ElementString {
    /// A list from checked elements; refuses the same AI twice with different values.
    pub fn from_elements(elements: Vec<Element>) -> Result<ElementString, Gs1Error> {
        if elements.is_empty() {
            return Err(Gs1Error::Empty);
        }
        check_duplicates(&elements)?;
        Ok(ElementString { elements })
    }

    pub fn elements(&self) -> &[Element] {
        &self.elements
    }

    pub fn into_elements(self) -> Vec<Element> {
        self.elements
    }

    /// The value of the first element with this AI.
    pub fn get(&self, ai: &str) -> Option<&str> {
        self.elements
            .iter()
            .find(|e| e.ai.is(ai))
            .map(|e| e.value.as_str())
    }

    /// The first element whose AI matches a pattern such as `310n`.
    pub fn find(&self, pattern: &str) -> Option<&Element> {
        self.elements.iter().find(|e| e.ai.matches(pattern))
    }

    /// Reads an element string as a scanner sends it (symbology identifier already removed):
    /// FNC1 separators are GS (0x1D), or `fnc1_substitute` when a keyboard wedge cannot send
    /// GS. A leading FNC1 and redundant separators after fixed-length AIs are accepted.
    pub fn parse(data: &str, fnc1_substitute: Option<char>) -> Result<ElementString, Gs1Error> {
        match fnc1_substitute {
            Some(sub) if sub != GS && data.contains(sub) => {
                let mut buf = [0u8; 4];
                parse_gs(&data.replace(sub, GS.encode_utf8(&mut buf)))
            }
            _ => parse_gs(data),
        }
    }

    /// Reads the bracketed form `(01)09506000134352(10)ABC`. A `(` inside a value is written
    /// `\(`.
    pub fn parse_bracketed(text: &str) -> Result<ElementString, Gs1Error> {
        let bytes = text.as_bytes();
        if bytes.is_empty() {
            return Err(Gs1Error::Empty);
        }
        let mut elements = Vec::with_capacity(4);
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] != b'(' {
                return Err(Gs1Error::Bracketed {
                    position: i,
                    reason: "expected '('",
                });
            }
            let ai_start = i + 1;
            let close = bytes[ai_start..]
                .iter()
                .position(|&b| b == b')')
                .map(|p| ai_start + p)
                .ok_or(Gs1Error::Bracketed {
                    position: i,
                    reason: "'(' without ')'",
                })?;
            let ai_text = &text[ai_start..close];
            let (ai, def) = lookup(ai_text).ok_or_else(|| Gs1Error::UnknownAi {
                ai: ai_text.to_owned(),
                position: ai_start,
            })?;
            let mut value = String::new();
            let mut j = close + 1;
            while j < bytes.len() {
                match bytes[j] {
                    b'\\' if bytes.get(j + 1) == Some(&b'(') => {
                        value.push('(');
                        j += 2;
                    }
                    b'(' => break,
                    _ => {
                        let ch = text[j..].chars().next().unwrap_or('\u{fffd}');
                        value.push(ch);
                        j += ch.len_utf8().max(1);
                    }
                }
            }
            validate_value(ai, def, &value)?;
            elements.push(Element { ai, value });
            i = j;
        }
        check_duplicates(&elements)?;
        Ok(ElementString { elements })
    }

    /// The scanner form: AIs and values with GS after every variable-length value that is
    /// not last (no leading FNC1: a symbol's first FNC1 is not data).
    pub fn to_element_string(&self) -> String {
        let mut out = String::with_capacity(self.elements.len() * 20);
        for (i, element) in self.elements.iter().enumerate() {
            out.push_str(element.ai.as_str());
            out.push_str(&element.value);
            let predefined = element.def().is_some_and(|d| d.predefined_length);
            if !predefined && i + 1 < self.elements.len() {
                out.push(GS);
            }
        }
        out
    }

    /// The bracketed human-readable form.
    pub fn to_bracketed(&self) -> String {
        let mut out = String::with_capacity(self.elements.len() * 24);
        for element in &self.elements {
            out.push('(');
            out.push_str(element.ai.as_str());
            out.push(')');
            if element.value.contains('(') {
                out.push_str(&element.value.replace('(', "\\("));
            } else {
                out.push_str(&element.value);
            }
        }
        out
    }

    /// Applies the pairing rules: invalid pairs (01 with 02) and mandatory associations
    /// (02 needs 37), as strictly as `mode` says.
    pub fn check_pairing(&self, mode: PairingCheck) -> Result<(), Gs1Error> {
        let len = self.elements.len();
        if mode == PairingCheck::Off || len == 0 {
            return Ok(());
        }
        // The rules depend only on which AIs are present, so each distinct AI is checked
        // once: a symbol repeating one element thousands of times stays linear.
        if len <= 16 {
            let ais: [Ai; 16] = std::array::from_fn(|i| self.elements[i.min(len - 1)].ai);
            check_rules(&ais[..len], mode)
        } else {
            let mut ais: Vec<Ai> = self.elements.iter().map(|e| e.ai).collect();
            ais.sort_unstable();
            ais.dedup();
            check_rules(&ais, mode)
        }
    }
}

fn check_rules(ais: &[Ai], mode: PairingCheck) -> Result<(), Gs1Error> {
    for &ai in ais {
        let Some(def) = ai.def() else { continue };
        for pattern in &def.excludes {
            if let Some(other) = ais.iter().find(|o| **o != ai && o.matches(pattern)) {
                return Err(Gs1Error::ExcludedPair {
                    ai: ai.to_string(),
                    other: other.to_string(),
                });
            }
        }
        for requirement in &def.requires {
            if (requirement.essential || mode == PairingCheck::Strict)
                && !satisfies(ais, requirement)
            {
                return Err(Gs1Error::MissingPair {
                    ai: ai.to_string(),
                    needs: describe_requirement(requirement),
                });
            }
        }
    }
    Ok(())
}

fn satisfies(ais: &[Ai], requirement: &Requirement) -> bool {
    requirement.any_of.iter().any(|all| {
        all.iter()
            .all(|pattern| ais.iter().any(|ai| ai.matches(pattern)))
    })
}

fn describe_requirement(requirement: &Requirement) -> String {
    let alternatives: Vec<String> = requirement
        .any_of
        .iter()
        .map(|all| all.join(" with AI "))
        .collect();
    match alternatives.as_slice() {
        [only] => match lookup(only) {
            Some((_, def)) => format!("{only} ({})", def.description),
            None => only.clone(),
        },
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
        [] => String::new(),
    }
}

/// The same AI twice with different values is contradictory; exact repeats are allowed.
fn check_duplicates(elements: &[Element]) -> Result<(), Gs1Error> {
    if elements.len() > 16 {
        // Sorted, so a long list of repeats costs n log n rather than n².
        let mut sorted: Vec<&Element> = elements.iter().collect();
        sorted.sort_unstable_by(|a, b| a.ai.cmp(&b.ai).then_with(|| a.value.cmp(&b.value)));
        return match sorted
            .windows(2)
            .find(|w| w[0].ai == w[1].ai && w[0].value != w[1].value)
        {
            Some(w) => Err(Gs1Error::Duplicate {
                ai: w[1].ai.to_string(),
            }),
            None => Ok(()),
        };
    }
    for (i, e) in elements.iter().enumerate() {
        if elements[..i]
            .iter()
            .any(|o| o.ai == e.ai && o.value != e.value)
        {
            return Err(Gs1Error::Duplicate {
                ai: e.ai.to_string(),
            });
        }
    }
    Ok(())
}

fn parse_gs(data: &str) -> Result<ElementString, Gs1Error> {
    const GS_BYTE: u8 = 0x1d;
    let bytes = data.as_bytes();
    let mut elements = Vec::with_capacity(4);
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == GS_BYTE {
            i += 1;
            continue;
        }
        let prefix = bytes.get(i..i + 2).unwrap_or(&bytes[i..]);
        let Some(ai_len) = ai_length_for_prefix(prefix) else {
            return Err(
                if prefix.iter().all(u8::is_ascii_digit) && prefix.len() == 2 {
                    Gs1Error::UnknownAi {
                        ai: String::from_utf8_lossy(prefix).into_owned(),
                        position: i,
                    }
                } else {
                    Gs1Error::ExpectedAi {
                        position: i,
                        found: data.get(i..).unwrap_or("").chars().take(4).collect(),
                    }
                },
            );
        };
        let ai_text = data.get(i..i + ai_len).ok_or_else(|| Gs1Error::UnknownAi {
            ai: data.get(i..).unwrap_or("").to_owned(),
            position: i,
        })?;
        let (ai, def) = lookup(ai_text).ok_or_else(|| Gs1Error::UnknownAi {
            ai: ai_text.to_owned(),
            position: i,
        })?;
        let start = i + ai_len;
        let end = if def.predefined_length {
            let fixed = def.max_len();
            let stop = bytes[start..]
                .iter()
                .position(|&b| b == GS_BYTE)
                .map_or(bytes.len(), |p| start + p);
            if stop - start < fixed {
                // Shorter than its fixed length: let the value check say how short.
                stop
            } else {
                start + fixed
            }
        } else {
            bytes[start..]
                .iter()
                .position(|&b| b == GS_BYTE)
                .map_or(bytes.len(), |p| start + p)
        };
        let mut end = end;
        while !data.is_char_boundary(end) {
            // A fixed length that ends inside a non-ASCII character: take the whole
            // character so the value check reports it.
            end += 1;
        }
        let value = &data[start..end];
        validate_value(ai, def, value)?;
        elements.push(Element {
            ai,
            value: value.to_owned(),
        });
        i = end;
    }
    if elements.is_empty() {
        return Err(Gs1Error::Empty);
    }
    check_duplicates(&elements)?;
    Ok(ElementString { elements })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(data: &str) -> String {
        ElementString::parse(data, None).unwrap_err().to_string()
    }

    #[test]
    fn reads_a_carton_label_with_gs() {
        let data = "010950600013435217271231\u{1d}10ABC123";
        let es = ElementString::parse(data, None).unwrap();
        assert_eq!(es.get("01"), Some("09506000134352"));
        assert_eq!(es.get("17"), Some("271231"));
        assert_eq!(es.get("10"), Some("ABC123"));
        assert_eq!(
            es.to_element_string(),
            "010950600013435217271231".to_owned() + "10ABC123"
        );
        assert_eq!(es.to_bracketed(), "(01)09506000134352(17)271231(10)ABC123");
        // A variable-length value first needs its GS on the way back out.
        let es = ElementString::parse("10ABC123\u{1d}17271231", None).unwrap();
        assert_eq!(es.to_element_string(), "10ABC123\u{1d}17271231");
        // Leading FNC1 and a redundant GS after a fixed-length AI are tolerated.
        let es = ElementString::parse("\u{1d}0109506000134352\u{1d}10ABC", None).unwrap();
        assert_eq!(es.get("10"), Some("ABC"));
    }

    #[test]
    fn a_substitute_character_stands_for_fnc1() {
        let es = ElementString::parse("10ABC^17271231", Some('^')).unwrap();
        assert_eq!(es.get("10"), Some("ABC"));
        assert_eq!(es.get("17"), Some("271231"));
        assert_eq!(
            ElementString::parse("10ABC^17271231", None)
                .unwrap_err()
                .to_string(),
            "AI 10 value \"ABC^17271231\" contains '^'; GS1 character set 82 allowed"
        );
    }

    #[test]
    fn errors_are_exact() {
        assert_eq!(
            err("0109506000134357"),
            "AI 01 check digit wrong: expected 2, got 7"
        );
        assert_eq!(err("17251341"), "AI 17 date 251341 is not a date");
        assert_eq!(
            err("10ABCDEFGHIJKLMNOPQRSTU"),
            "AI 10 value is 21 characters; at most 20 allowed"
        );
        assert_eq!(err("0109506000134352040"), "unknown AI 04 at position 16");
        assert_eq!(
            err("01095060001343"),
            "AI 01 value is 12 characters; 14 required"
        );
        assert_eq!(
            err("0109506000134352X"),
            "expected an AI at position 16, found \"X\""
        );
        assert_eq!(err("01"), "AI 01 has no value");
        assert_eq!(err("235"), "AI 235 has no value");
        assert_eq!(err("23"), "unknown AI 23 at position 0");
        assert_eq!(err(""), "no GS1 data");
        assert_eq!(
            err("10A\u{1d}10B"),
            "AI 10 appears twice with different values"
        );
    }

    #[test]
    fn bracketed_form_round_trips_and_escapes_parentheses() {
        let text = "(01)09506000134352(17)201225(10)ABC";
        let es = ElementString::parse_bracketed(text).unwrap();
        assert_eq!(es.to_bracketed(), text);
        assert_eq!(es.to_element_string(), "01095060001343521720122510ABC");
        let es = ElementString::parse_bracketed("(10)A\\(B)(21)1").unwrap();
        assert_eq!(es.get("10"), Some("A(B)"));
        assert_eq!(es.to_bracketed(), "(10)A\\(B)(21)1");
        assert_eq!(
            ElementString::parse_bracketed("01)0950")
                .unwrap_err()
                .to_string(),
            "bracketed GS1 data: expected '(' at position 0"
        );
        assert_eq!(
            ElementString::parse_bracketed("(01")
                .unwrap_err()
                .to_string(),
            "bracketed GS1 data: '(' without ')' at position 0"
        );
        assert_eq!(
            ElementString::parse_bracketed("(01)09506000134352(999)1")
                .unwrap_err()
                .to_string(),
            "unknown AI 999 at position 19"
        );
    }

    #[test]
    fn pairing_rules() {
        let pairing = |text: &str, mode| {
            ElementString::parse_bracketed(text)
                .unwrap()
                .check_pairing(mode)
                .map_err(|e| e.to_string())
        };
        assert_eq!(
            pairing("(02)09506000134352(10)ABC", PairingCheck::Essential),
            Err("AI 02 needs AI 37 (count of trade items)".into())
        );
        assert_eq!(
            pairing(
                "(00)095060001000000012(02)09506000134352(37)12",
                PairingCheck::Strict
            ),
            Ok(())
        );
        assert_eq!(
            pairing("(21)12345", PairingCheck::Essential),
            Err("AI 21 needs AI 01, 03 or 8006".into())
        );
        assert_eq!(
            pairing("(01)09506000134352(37)1", PairingCheck::Essential),
            Err("AI 01 cannot be used together with AI 37".into())
        );
        assert_eq!(
            pairing(
                "(01)09506000134352(02)09506000134352",
                PairingCheck::Essential
            ),
            Err("AI 02 cannot be used together with AI 01".into())
        );
        assert_eq!(
            pairing(
                "(01)09506000134352(3102)001250(3103)001250",
                PairingCheck::Essential
            ),
            Err("AI 3102 cannot be used together with AI 3103".into())
        );
        // A lot alone is fine for a warehouse (its GTIN may be in the label's other
        // barcode), but not in strict mode.
        assert_eq!(pairing("(10)D9T", PairingCheck::Essential), Ok(()));
        assert_eq!(
            pairing("(10)D9T", PairingCheck::Strict),
            Err("AI 10 needs AI 01, 02, 03, 8006 or 8026".into())
        );
        assert_eq!(
            pairing("(8030)abc", PairingCheck::Strict),
            Err("AI 8030 needs AI 00, 01 with AI 21, 253, 255, 8003, 8004, 8006 with AI 21, 8010 with AI 8011, 8017 or 8018".into())
        );
        assert_eq!(pairing("(10)A(21)B", PairingCheck::Off), Ok(()));
    }

    #[test]
    fn thousands_of_repeated_elements_stay_fast() {
        let data = "0109506000134352\u{1d}".repeat(50_000) + "10ABC";
        let es = ElementString::parse(&data, None).unwrap();
        assert_eq!(es.elements().len(), 50_001);
        assert_eq!(es.check_pairing(PairingCheck::Strict), Ok(()));
        let clash = "10A\u{1d}".repeat(30_000) + "10B";
        assert_eq!(
            ElementString::parse(&clash, None).unwrap_err().to_string(),
            "AI 10 appears twice with different values"
        );
        let uri = super::super::digital_link::to_uri(&es, "https://id.example.com").unwrap();
        assert_eq!(uri, "https://id.example.com/01/09506000134352/10/ABC");
    }

    #[test]
    fn json_round_trip_checks_values() {
        let es = ElementString::parse_bracketed("(01)09506000134352(10)ABC").unwrap();
        let json = serde_json::to_string(&es).unwrap();
        assert_eq!(
            json,
            r#"[{"ai":"01","value":"09506000134352"},{"ai":"10","value":"ABC"}]"#
        );
        assert_eq!(serde_json::from_str::<ElementString>(&json).unwrap(), es);
        let bad = r#"[{"ai":"01","value":"09506000134357"}]"#;
        assert_eq!(
            serde_json::from_str::<ElementString>(bad)
                .unwrap_err()
                .to_string(),
            "AI 01 check digit wrong: expected 2, got 7 at line 1 column 38"
        );
        let twice = r#"[{"ai":"10","value":"A"},{"ai":"10","value":"B"}]"#;
        assert!(serde_json::from_str::<ElementString>(twice).is_err());
    }
}
