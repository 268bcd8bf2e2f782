//! What a scan is, before anything is looked up: an item's GTIN, a location code, or
//! something this build cannot read yet.
//!
//! Deliberately small and in one place: the full GS1 classifier (`barcode::classify`) will
//! replace [`interpret_scan`] wholesale. It must not touch the journal.

use dockhand_app::barcode::{GS, Scan};
use dockhand_app::domain::{Gtin, GtinError, LocationCode};

/// A scan's meaning as far as this build can tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanMeaning {
    /// An item barcode (EAN-8, UPC-A, EAN-13, ITF-14 data).
    Gtin(Gtin),
    /// Anything else that is a valid location code: a bin, a dock door, a tote.
    Location(LocationCode),
    /// Digits of GTIN length whose check digit is wrong: almost always a misread.
    MisreadGtin(String),
    /// A GS1 element string (`]C1`, `]d2`, `]Q3` or GS separators): needs the classifier.
    Gs1NotYetSupported(String),
    /// Neither a GTIN nor a valid location code.
    NotACode(String),
}

/// Interprets a scan: GS1 element strings are left for the classifier, 8/12/13/14 digits
/// are a GTIN, everything else is tried as a location code.
pub fn interpret_scan(scan: &Scan) -> ScanMeaning {
    let data = scan.data.trim();
    let gs1_symbology = scan.symbology.is_some_and(|id| id.symbology().is_gs1());
    if gs1_symbology || data.starts_with("]C1") || data.contains(GS) {
        return ScanMeaning::Gs1NotYetSupported(printable(data));
    }
    let all_digits = !data.is_empty() && data.bytes().all(|b| b.is_ascii_digit());
    if all_digits && [8, 12, 13, 14].contains(&data.len()) {
        return match Gtin::parse(data) {
            Ok(gtin) => ScanMeaning::Gtin(gtin),
            Err(GtinError::CheckDigit { .. }) => ScanMeaning::MisreadGtin(data.to_owned()),
            Err(_) => ScanMeaning::NotACode(data.to_owned()),
        };
    }
    match LocationCode::new(data) {
        Ok(code) => ScanMeaning::Location(code),
        Err(_) => ScanMeaning::NotACode(printable(data)),
    }
}

/// The data with control characters (GS) shown as `␝`-style placeholders, for messages.
fn printable(data: &str) -> String {
    data.chars()
        .map(|c| {
            if c == GS {
                '␝'
            } else if c.is_control() {
                '·'
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use dockhand_app::barcode::SymbologyId;

    fn meaning(data: &str) -> ScanMeaning {
        interpret_scan(&Scan::manual(data))
    }

    #[test]
    fn gtin_lengths_are_items_and_short_forms_normalise() {
        let ean13 = meaning("9506000134352");
        let gtin14 = meaning("09506000134352");
        assert_eq!(ean13, gtin14);
        assert!(matches!(ean13, ScanMeaning::Gtin(_)));
    }

    #[test]
    fn a_wrong_check_digit_is_a_misread_not_a_bin() {
        assert_eq!(
            meaning("09506000134353"),
            ScanMeaning::MisreadGtin("09506000134353".into())
        );
    }

    #[test]
    fn other_text_is_a_location_code() {
        assert_eq!(
            meaning("A-03-2-B"),
            ScanMeaning::Location(LocationCode::new("A-03-2-B").unwrap())
        );
        // Digits of another length are not a GTIN: try them as a location.
        assert!(matches!(meaning("1234"), ScanMeaning::Location(_)));
    }

    #[test]
    fn gs1_element_strings_wait_for_the_classifier() {
        let with_gs = meaning("0109506000134352\u{1d}10LOT1");
        assert_eq!(
            with_gs,
            ScanMeaning::Gs1NotYetSupported("0109506000134352␝10LOT1".into())
        );
        assert!(matches!(
            meaning("]C10109506000134352"),
            ScanMeaning::Gs1NotYetSupported(_)
        ));
        let mut scan = Scan::manual("0109506000134352");
        scan.symbology = Some(SymbologyId::new('C', '1'));
        assert!(matches!(
            interpret_scan(&scan),
            ScanMeaning::Gs1NotYetSupported(_)
        ));
    }

    #[test]
    fn empty_or_invalid_text_is_not_a_code() {
        assert!(matches!(meaning(""), ScanMeaning::NotACode(_)));
    }
}
