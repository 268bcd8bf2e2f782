//! AIM symbology identifiers (ISO/IEC 15424): `]` + code character + modifier character.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A raw AIM symbology identifier, e.g. `]C1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SymbologyId {
    pub code: char,
    pub modifier: char,
}

impl SymbologyId {
    pub const fn new(code: char, modifier: char) -> Self {
        Self { code, modifier }
    }

    /// Splits a leading `]Xm` off `data`, if present.
    pub fn strip_prefix(data: &str) -> (Option<SymbologyId>, &str) {
        let mut chars = data.chars();
        match (chars.next(), chars.next(), chars.next()) {
            (Some(']'), Some(code), Some(modifier))
                if code.is_ascii_alphabetic() && modifier.is_ascii_alphanumeric() =>
            {
                (Some(SymbologyId { code, modifier }), &data[3..])
            }
            _ => (None, data),
        }
    }

    /// What this identifier says about the symbol.
    pub fn symbology(self) -> Symbology {
        match (self.code, self.modifier) {
            ('C', '1') => Symbology::Gs1_128,
            ('C', _) => Symbology::Code128,
            ('d', '2') | ('d', '5') => Symbology::Gs1DataMatrix,
            ('d', _) => Symbology::DataMatrix,
            ('Q', '3') | ('Q', '4') => Symbology::Gs1Qr,
            ('Q', _) => Symbology::Qr,
            ('e', _) => Symbology::Gs1DataBar,
            ('E', '4') => Symbology::Ean8,
            ('E', _) => Symbology::Ean13OrUpc,
            ('A', _) => Symbology::Code39,
            ('I', _) => Symbology::Itf,
            ('G', _) => Symbology::Code93,
            ('F', _) => Symbology::Codabar,
            ('L', _) => Symbology::Pdf417,
            ('z', _) => Symbology::Aztec,
            _ => Symbology::Other,
        }
    }
}

impl fmt::Display for SymbologyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "]{}{}", self.code, self.modifier)
    }
}

impl TryFrom<String> for SymbologyId {
    type Error = String;
    fn try_from(value: String) -> Result<Self, String> {
        match SymbologyId::strip_prefix(&value) {
            (Some(id), "") => Ok(id),
            _ => Err(format!(
                "{value:?} is not an AIM symbology identifier like ]C1"
            )),
        }
    }
}

impl From<SymbologyId> for String {
    fn from(value: SymbologyId) -> String {
        value.to_string()
    }
}

/// The symbologies a warehouse meets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Symbology {
    #[serde(rename = "gs1-128")]
    Gs1_128,
    Code128,
    Gs1DataMatrix,
    DataMatrix,
    Gs1Qr,
    Qr,
    Gs1DataBar,
    /// EAN-13 or UPC-A/UPC-E (AIM `]E0` does not tell them apart).
    #[serde(rename = "ean13-upc")]
    Ean13OrUpc,
    #[serde(rename = "ean8")]
    Ean8,
    Code39,
    Itf,
    Code93,
    Codabar,
    Pdf417,
    Aztec,
    Other,
}

impl Symbology {
    /// Whether the symbol's own identifier says its data is a GS1 element string.
    pub fn is_gs1(self) -> bool {
        matches!(
            self,
            Symbology::Gs1_128
                | Symbology::Gs1DataMatrix
                | Symbology::Gs1Qr
                | Symbology::Gs1DataBar
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_split_off_and_named() {
        let (id, rest) = SymbologyId::strip_prefix("]C10109506000134352");
        assert_eq!(id, Some(SymbologyId::new('C', '1')));
        assert_eq!(rest, "0109506000134352");
        assert_eq!(id.unwrap().symbology(), Symbology::Gs1_128);
        assert_eq!(SymbologyId::strip_prefix("10D9T"), (None, "10D9T"));
        assert_eq!(
            SymbologyId::new('d', '2').symbology(),
            Symbology::Gs1DataMatrix
        );
        assert_eq!(SymbologyId::new('C', '0').symbology(), Symbology::Code128);
        assert_eq!(
            serde_json::to_string(&Symbology::Gs1_128).unwrap(),
            "\"gs1-128\""
        );
    }
}
