//! The one place where the barcode engine's classification becomes a workflow [`Input`]:
//! a raw [`Scan`] is classified by [`barcode::classify`] and mapped to [`Scanned`], keeping
//! the raw data and symbology as evidence. The UI, the CLI and tests all come through here.

use crate::barcode::{self, ClassifyConfig, Scan, ScanMeaning};
use crate::domain::ScanRecord;

use super::input::{Input, Scanned};

impl Scanned {
    /// What `scan` means to a job, by the engine's rules in `config`. A scan the engine
    /// refuses becomes [`Scanned::Unknown`] with the engine's reason, which the job shows.
    pub fn classify(scan: &Scan, config: &ClassifyConfig) -> Scanned {
        match barcode::classify(scan, config) {
            Ok(meaning) => Scanned::from_meaning(meaning, &scan.data),
            Err(e) => Scanned::Unknown {
                data: scan.data.clone(),
                reason: Some(e.to_string()),
            },
        }
    }

    fn from_meaning(meaning: ScanMeaning, data: &str) -> Scanned {
        match meaning {
            ScanMeaning::Item(item) => Scanned::Item {
                gtin: item.gtin,
                lot: item.lot,
                // A best-before date is the expiry that matters for FEFO when no use-by is given.
                expiry: item.expiry.or(item.best_before),
                serial: item.serial,
                count: item.count,
            },
            ScanMeaning::Sscc(pallet) => Scanned::Pallet { sscc: pallet.sscc },
            ScanMeaning::Location { code } => Scanned::Location(code),
            ScanMeaning::Document(document) => Scanned::Document(document),
            ScanMeaning::Gs1Data { .. } => Scanned::Unknown {
                data: data.to_owned(),
                reason: Some(
                    "this barcode holds lot or date data but no product number: scan the \
                     product barcode (GTIN)"
                        .to_owned(),
                ),
            },
            ScanMeaning::Unknown { data } => Scanned::Unknown { data, reason: None },
        }
    }
}

impl Input {
    /// A raw scan, classified, with its evidence.
    pub fn from_scan(scan: &Scan, config: &ClassifyConfig) -> Input {
        Input::Scan {
            scanned: Scanned::classify(scan, config),
            raw: ScanRecord {
                data: scan.data.clone(),
                symbology: scan.symbology,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::barcode::SymbologyId;
    use crate::domain::{DocumentKind, Gtin};

    fn scan(data: &str, symbology: Option<SymbologyId>) -> Scan {
        Scan {
            symbology,
            ..Scan::manual(data)
        }
    }

    #[test]
    fn a_gs1_carton_label_fills_item_lot_and_expiry() {
        let config = ClassifyConfig::default();
        let input = Input::from_scan(
            &scan(
                "010950600013435217271231\u{1d}10ABC123",
                Some(SymbologyId::new('C', '1')),
            ),
            &config,
        );
        let Input::Scan { scanned, raw } = input else {
            panic!("not a scan")
        };
        assert_eq!(
            scanned,
            Scanned::Item {
                gtin: Gtin::parse("09506000134352").unwrap(),
                lot: Some("ABC123".parse().unwrap()),
                expiry: chrono::NaiveDate::from_ymd_opt(2027, 12, 31),
                serial: None,
                count: None,
            }
        );
        assert_eq!(raw.symbology, Some(SymbologyId::new('C', '1')));
    }

    #[test]
    fn a_plain_code128_lot_like_text_is_not_read_as_gs1() {
        let scanned = Scanned::classify(
            &scan("10D9T", Some(SymbologyId::new('C', '0'))),
            &ClassifyConfig::default(),
        );
        assert!(
            matches!(scanned, Scanned::Unknown { .. } | Scanned::Location(_)),
            "{scanned:?}"
        );
    }

    #[test]
    fn bins_documents_and_pallets_map_to_their_inputs() {
        let config = ClassifyConfig::default();
        assert!(matches!(
            Scanned::classify(&scan("A-03-2-B", None), &config),
            Scanned::Location(_)
        ));
        match Scanned::classify(&scan("ASN12345", None), &config) {
            Scanned::Document(doc) => assert_eq!(doc.kind, DocumentKind::Asn),
            other => panic!("{other:?}"),
        }
        let pallet = Scanned::classify(
            &scan("00095060001000000012", Some(SymbologyId::new('C', '1'))),
            &config,
        );
        assert_eq!(
            pallet,
            Scanned::Pallet {
                sscc: "095060001000000012".into()
            }
        );
    }

    #[test]
    fn a_bad_check_digit_becomes_unknown_with_the_engines_reason() {
        let scanned = Scanned::classify(
            &scan("0109506000134357", Some(SymbologyId::new('C', '1'))),
            &ClassifyConfig::default(),
        );
        match scanned {
            Scanned::Unknown {
                reason: Some(reason),
                ..
            } => {
                assert!(reason.contains("check digit"), "{reason}")
            }
            other => panic!("{other:?}"),
        }
    }
}

#[cfg(test)]
mod script_tests {
    use super::*;

    #[test]
    fn script_raw_scans_go_through_the_barcode_engine() {
        let input = Input::parse_script_line(r"scan raw:]C10109506000134352\x1D10ABC").unwrap();
        let Input::Scan { scanned, raw } = input else {
            panic!("not a scan")
        };
        assert!(
            matches!(scanned, Scanned::Item { lot: Some(_), .. }),
            "{scanned:?}"
        );
        assert_eq!(raw.data, "0109506000134352\u{1d}10ABC");
    }
}
