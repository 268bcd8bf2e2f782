//! What a scan means: [`classify`] decides whether the data is GS1 (and in which form),
//! a retail GTIN, an internal location or document label, or unknown, and returns a typed
//! [`ScanMeaning`] or a [`ScanError`] that says why it was refused.
//!
//! Owns the decision rule and the mapping from AIs to domain types; it must not look items
//! up in a catalog or change stock (workflows do that with the meaning).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::element_string::{Element, ElementString, PairingCheck};
use super::error::{DigitalLinkError, ScanError};
use super::labels::{DocumentRule, LocationRule};
use super::value_rules::gs1_date;
use super::{GS, Scan, Symbology, SymbologyId, digital_link, retail};
use crate::domain::{DocumentKind, DocumentRef, Gtin, LocationCode, LotCode, SerialNumber};

/// How this site's scanners and labels behave. Defaults run out of the box: GS1 only when
/// the data says so, bins like `A-03-2-B`, documents `ASN…`, `PO…`, `SO…`, `PT…`, `CTN…`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClassifyConfig {
    /// The identifier to assume when a scanner sends none (e.g. `]C1` for a scanner
    /// configured to read only GS1-128 but to strip identifiers).
    pub default_symbology: Option<SymbologyId>,
    /// The character a keyboard wedge sends for FNC1 when it cannot send GS. Choose one
    /// that GS1 values cannot contain (outside GS1 character set 82), such as `^`, `~` or
    /// `|`; data starting with it is GS1.
    pub fnc1_substitute: Option<char>,
    /// Opt-in heuristic for scanners that strip `]C1`: data without an identifier that is
    /// 16 or more characters, starts with AI 00, 01 or 02 and reads as GS1 is GS1.
    pub assume_gs1_without_identifier: bool,
    /// How strictly AI pairing rules apply.
    pub pairing: PairingCheck,
    pub locations: Vec<LocationRule>,
    pub documents: Vec<DocumentRule>,
}

impl Default for ClassifyConfig {
    fn default() -> Self {
        Self {
            default_symbology: None,
            fnc1_substitute: None,
            assume_gs1_without_identifier: false,
            pairing: PairingCheck::Essential,
            locations: vec![
                LocationRule::new("", "@-##-#-@"),
                LocationRule::new("", "@-##-#"),
                LocationRule::new("LOC:", "*"),
            ],
            documents: vec![
                DocumentRule::new(DocumentKind::Asn, "ASN", "#+", true),
                DocumentRule::new(DocumentKind::Po, "PO", "#+", true),
                DocumentRule::new(DocumentKind::Order, "SO", "#+", true),
                DocumentRule::new(DocumentKind::PickTask, "PT", "#+", true),
                DocumentRule::new(DocumentKind::Carton, "CTN", "#+", true),
            ],
        }
    }
}

/// A decimal measure from a 310n-style AI: `001250` with 3 decimals in kg is 1.250 kg.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Measure {
    /// The value without its decimal point (1250).
    pub digits: u64,
    /// Implied decimal places (3).
    pub decimals: u8,
    /// `kg` or `lb`.
    pub unit: &'static str,
}

impl Measure {
    fn from_element(es: &ElementString, pattern: &str, unit: &'static str) -> Option<Measure> {
        let element = es.find(pattern)?;
        Some(Measure {
            digits: element.value.parse().ok()?,
            decimals: element.ai.decimals()?,
            unit,
        })
    }

    /// The value as a decimal string, `1.250`.
    pub fn value(&self) -> String {
        let s = format!(
            "{:0>width$}",
            self.digits,
            width = usize::from(self.decimals) + 1
        );
        let (int, frac) = s.split_at(s.len() - usize::from(self.decimals));
        if frac.is_empty() {
            int.to_owned()
        } else {
            format!("{int}.{frac}")
        }
    }
}

impl Serialize for Measure {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Measure", 2)?;
        st.serialize_field("value", &self.value())?;
        st.serialize_field("unit", self.unit)?;
        st.end()
    }
}

/// A trade item (GTIN from AI 01/02/03, or a retail code) and what its label says about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemScan {
    pub gtin: Gtin,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lot: Option<LotCode>,
    /// AI 17, use by / expiry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiry: Option<NaiveDate>,
    /// AI 15.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub best_before: Option<NaiveDate>,
    /// AI 11.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub production_date: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial: Option<SerialNumber>,
    /// AI 30 (variable count) or 37 (count of trade items in a logistic unit).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    /// AI 310n (kg) or 320n (lb).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub net_weight: Option<Measure>,
    /// All elements read (empty for retail codes), for AIs not lifted into fields.
    #[serde(skip)]
    pub elements: ElementString,
}

/// A logistic unit (pallet, parcel) by its SSCC, with what its label says about contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SsccScan {
    pub sscc: String,
    /// AI 02, the GTIN of the trade items on it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_gtin: Option<Gtin>,
    /// AI 37.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lot: Option<LotCode>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiry: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub best_before: Option<NaiveDate>,
    /// AI 330n (kg) or 340n (lb).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gross_weight: Option<Measure>,
    #[serde(skip)]
    pub elements: ElementString,
}

/// What a scan means.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ScanMeaning {
    Item(ItemScan),
    Sscc(SsccScan),
    /// Valid GS1 data without a GTIN or SSCC, e.g. the second barcode of a label carrying
    /// only lot and expiry: the workflow combines it with the scan before.
    Gs1Data {
        elements: ElementString,
    },
    Location {
        code: LocationCode,
    },
    Document(DocumentRef),
    /// Not GS1, not a GTIN, matches no label rule: the data as read.
    Unknown {
        data: String,
    },
}

/// Where the meaning came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DataFormat {
    ElementString,
    Bracketed,
    DigitalLink,
    Retail,
    Label,
    Other,
}

/// A classified scan with what was read on the way: the symbology (from the scanner or the
/// configured default) and the data's format.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Interpretation {
    pub symbology: Option<Symbology>,
    pub format: DataFormat,
    pub meaning: ScanMeaning,
}

impl Interpretation {
    /// The GS1 elements read (empty when the scan was not GS1 data).
    pub fn elements(&self) -> &[Element] {
        self.meaning.elements()
    }
}

impl ScanMeaning {
    /// The GS1 elements behind this meaning (empty for retail codes and labels).
    pub fn elements(&self) -> &[Element] {
        match self {
            ScanMeaning::Item(item) => item.elements.elements(),
            ScanMeaning::Sscc(sscc) => sscc.elements.elements(),
            ScanMeaning::Gs1Data { elements } => elements.elements(),
            _ => &[],
        }
    }
}

/// What a scan means, by the rules in `config`. The main entry point of the barcode engine.
pub fn classify(scan: &Scan, config: &ClassifyConfig) -> Result<ScanMeaning, ScanError> {
    interpret(scan, config).map(|i| i.meaning)
}

/// [`classify`], keeping the symbology and elements read (for display and logs).
pub fn interpret(scan: &Scan, config: &ClassifyConfig) -> Result<Interpretation, ScanError> {
    let raw = scan.data.trim_end_matches(['\r', '\n']);
    let (id_in_data, data) = match scan.symbology {
        Some(_) => (None, raw),
        None => SymbologyId::strip_prefix(raw),
    };
    let id = scan.symbology.or(id_in_data).or(config.default_symbology);
    let symbology = id.map(SymbologyId::symbology);
    let today = scan.received_at.date_naive();
    if data.is_empty() {
        return Err(ScanError::Empty);
    }
    if data.len() > MAX_SCAN_LEN {
        return Err(ScanError::TooLong {
            len: data.len(),
            max: MAX_SCAN_LEN,
        });
    }
    let done = |format, meaning| {
        Ok(Interpretation {
            symbology,
            format,
            meaning,
        })
    };

    if digital_link::is_web_uri(data) {
        return match digital_link::parse(data) {
            Ok(es) => done(DataFormat::DigitalLink, meaning_of_gs1(es, config, today)?),
            // A web address that is not a Digital Link is just unknown data.
            Err(DigitalLinkError::NoPrimaryKey) => done(
                DataFormat::Other,
                ScanMeaning::Unknown {
                    data: data.to_owned(),
                },
            ),
            Err(e) => Err(e.into()),
        };
    }
    if looks_bracketed(data) {
        let es = ElementString::parse_bracketed(data)?;
        return done(DataFormat::Bracketed, meaning_of_gs1(es, config, today)?);
    }
    let starts_with_fnc1 =
        data.starts_with(GS) || config.fnc1_substitute.is_some_and(|c| data.starts_with(c));
    if symbology.is_some_and(Symbology::is_gs1) || starts_with_fnc1 {
        let es = ElementString::parse(data, config.fnc1_substitute)?;
        return done(
            DataFormat::ElementString,
            meaning_of_gs1(es, config, today)?,
        );
    }
    if let Some((primary, composite)) = data.split_once(COMPOSITE_SEPARATOR) {
        // EAN/UPC with a GS1 Composite component: the GTIN plus the component's AIs.
        if let Some(result) = retail_gtin(symbology, primary) {
            let gtin = result?;
            let mut elements = vec![Element::new("01", gtin.as_str())?];
            elements
                .extend(ElementString::parse(composite, config.fnc1_substitute)?.into_elements());
            let es = ElementString::from_elements(elements)?;
            return done(
                DataFormat::ElementString,
                meaning_of_gs1(es, config, today)?,
            );
        }
    }
    if let Some(result) = retail_gtin(symbology, data) {
        return done(
            DataFormat::Retail,
            ScanMeaning::Item(item_from_gtin(result?)),
        );
    }

    let mut deferred: Option<ScanError> = None;
    if id.is_none() && config.assume_gs1_without_identifier && looks_like_stripped_gs1(data) {
        match ElementString::parse(data, config.fnc1_substitute)
            .map_err(ScanError::from)
            .and_then(|es| meaning_of_gs1(es, config, today))
        {
            Ok(meaning) => return done(DataFormat::ElementString, meaning),
            Err(e) => deferred = Some(e),
        }
    }
    if id.is_none() && deferred.is_none() && is_bare_gtin(data) {
        match retail::any_gtin(data) {
            Ok(gtin) => {
                return done(DataFormat::Retail, ScanMeaning::Item(item_from_gtin(gtin)));
            }
            Err(e) => deferred = Some(e.into()),
        }
    }
    if let Some(meaning) = label_meaning(data, config)? {
        return done(DataFormat::Label, meaning);
    }
    if let Some(e) = deferred {
        return Err(e);
    }
    done(
        DataFormat::Other,
        ScanMeaning::Unknown {
            data: data.to_owned(),
        },
    )
}

/// More than the largest barcode holds (a version 40 QR code: 7,089 digits): anything
/// longer is not one scan (a wedge that lost its line ends, or a paste).
pub const MAX_SCAN_LEN: usize = 8192;

/// How scanners transmit the 2D component of an EAN/UPC composite symbol.
const COMPOSITE_SEPARATOR: &str = "|]e0";

fn looks_bracketed(data: &str) -> bool {
    let b = data.as_bytes();
    b.first() == Some(&b'(')
        && b.iter()
            .skip(1)
            .position(|&c| c == b')')
            .is_some_and(|n| (2..=4).contains(&n) && b[1..=n].iter().all(u8::is_ascii_digit))
}

fn looks_like_stripped_gs1(data: &str) -> bool {
    data.len() >= 16
        && (data.starts_with("00") || data.starts_with("01") || data.starts_with("02"))
        && data.as_bytes()[..16].iter().all(u8::is_ascii_digit)
}

fn is_bare_gtin(data: &str) -> bool {
    matches!(data.len(), 8 | 12 | 13 | 14) && data.bytes().all(|b| b.is_ascii_digit())
}

/// A GTIN when the symbology is a retail or case code (`]E0`, `]E4`, `]I1`).
fn retail_gtin(
    symbology: Option<Symbology>,
    data: &str,
) -> Option<Result<Gtin, super::RetailError>> {
    match symbology? {
        Symbology::Ean13OrUpc => Some(match data.len() {
            13 => retail::ean13(data),
            12 => retail::upc_a(data),
            _ => retail::upc_e(data),
        }),
        Symbology::Ean8 => Some(retail::ean8(data)),
        Symbology::Itf if data.len() == 14 => Some(retail::itf14(data)),
        _ => None,
    }
}

fn item_from_gtin(gtin: Gtin) -> ItemScan {
    ItemScan {
        gtin,
        lot: None,
        expiry: None,
        best_before: None,
        production_date: None,
        serial: None,
        count: None,
        net_weight: None,
        elements: ElementString::default(),
    }
}

fn label_meaning(data: &str, config: &ClassifyConfig) -> Result<Option<ScanMeaning>, ScanError> {
    for rule in &config.locations {
        if let Some(code) = rule.code(data) {
            let code = LocationCode::new(code).map_err(|source| ScanError::Label {
                what: "location code",
                value: code.to_owned(),
                source,
            })?;
            return Ok(Some(ScanMeaning::Location { code }));
        }
    }
    for rule in &config.documents {
        if let Some(number) = rule.number(data) {
            return Ok(Some(ScanMeaning::Document(DocumentRef {
                kind: rule.kind,
                number: number.to_owned(),
            })));
        }
    }
    Ok(None)
}

fn meaning_of_gs1(
    es: ElementString,
    config: &ClassifyConfig,
    today: NaiveDate,
) -> Result<ScanMeaning, ScanError> {
    es.check_pairing(config.pairing)?;
    let date = |ai: &str| es.get(ai).and_then(|v| gs1_date(v, today));
    let (expiry, best_before) = (date("17"), date("15"));
    let lot = es
        .get("10")
        .map(|v| LotCode::new(v).map_err(|source| ScanError::Field { ai: "10", source }))
        .transpose()?;
    let count = es
        .get("37")
        .or_else(|| es.get("30"))
        .and_then(|v| v.parse::<u32>().ok());
    if let Some(sscc) = es.get("00") {
        let content_gtin = es.get("02").map(Gtin::parse).transpose()?;
        return Ok(ScanMeaning::Sscc(SsccScan {
            sscc: sscc.to_owned(),
            content_gtin,
            count,
            lot,
            expiry,
            best_before,
            gross_weight: Measure::from_element(&es, "330n", "kg")
                .or_else(|| Measure::from_element(&es, "340n", "lb")),
            elements: es,
        }));
    }
    let Some(gtin) = es
        .get("01")
        .or_else(|| es.get("02"))
        .or_else(|| es.get("03"))
    else {
        return Ok(ScanMeaning::Gs1Data { elements: es });
    };
    let serial = es
        .get("21")
        .map(|v| SerialNumber::new(v).map_err(|source| ScanError::Field { ai: "21", source }))
        .transpose()?;
    let gtin = Gtin::parse(gtin)?;
    let production_date = date("11");
    let net_weight = Measure::from_element(&es, "310n", "kg")
        .or_else(|| Measure::from_element(&es, "320n", "lb"));
    Ok(ScanMeaning::Item(ItemScan {
        gtin,
        lot,
        expiry,
        best_before,
        production_date,
        serial,
        count,
        net_weight,
        elements: es,
    }))
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::barcode::ScanSource;

    fn scan(id: Option<&str>, data: &str) -> Scan {
        Scan {
            data: data.to_owned(),
            symbology: id.map(|s| SymbologyId::try_from(s.to_owned()).unwrap()),
            received_at: Utc.with_ymd_and_hms(2026, 11, 29, 12, 0, 0).unwrap(),
            source: ScanSource::Serial,
        }
    }

    fn meaning(id: Option<&str>, data: &str) -> Result<ScanMeaning, String> {
        classify(&scan(id, data), &ClassifyConfig::default()).map_err(|e| e.to_string())
    }

    fn json(id: Option<&str>, data: &str) -> String {
        serde_json::to_string(&meaning(id, data).unwrap()).unwrap()
    }

    #[test]
    fn a_gs1_128_carton_label_is_an_item_with_lot_and_expiry() {
        assert_eq!(
            json(Some("]C1"), "010950600013435217271231\u{1d}10ABC123"),
            r#"{"type":"item","gtin":"09506000134352","lot":"ABC123","expiry":"2027-12-31"}"#
        );
        assert_eq!(
            json(
                Some("]d2"),
                "0109506000134352112601003103001250\u{1d}21SN1\u{1d}3012"
            ),
            r#"{"type":"item","gtin":"09506000134352","production_date":"2026-01-31","serial":"SN1","count":12,"net_weight":{"value":"1.250","unit":"kg"}}"#
        );
    }

    #[test]
    fn a_pallet_label_is_an_sscc() {
        assert_eq!(
            json(
                Some("]C1"),
                "00095060001000000012\u{1d}0209506000134352\u{1d}3748\u{1d}15280300"
            ),
            r#"{"type":"sscc","sscc":"095060001000000012","content_gtin":"09506000134352","count":48,"best_before":"2028-03-31"}"#
        );
        assert_eq!(
            meaning(Some("]C1"), "0209506000134352"),
            Err("AI 02 needs AI 37 (count of trade items)".into())
        );
    }

    #[test]
    fn plain_code_128_is_never_read_as_ais() {
        assert_eq!(
            json(Some("]C0"), "10D9T"),
            r#"{"type":"unknown","data":"10D9T"}"#
        );
        assert_eq!(json(None, "10D9T"), r#"{"type":"unknown","data":"10D9T"}"#);
        // The same data from a GS1-128 symbol is a lot without its GTIN.
        assert_eq!(
            json(Some("]C1"), "10D9T"),
            r#"{"type":"gs1_data","elements":[{"ai":"10","value":"D9T"}]}"#
        );
    }

    #[test]
    fn gs1_is_recognised_by_fnc1_brackets_and_digital_link() {
        assert_eq!(
            json(None, "\u{1d}0109506000134352"),
            r#"{"type":"item","gtin":"09506000134352"}"#
        );
        let config = ClassifyConfig {
            fnc1_substitute: Some('^'),
            ..ClassifyConfig::default()
        };
        let item = classify(&scan(None, "^0109506000134352"), &config).unwrap();
        assert!(matches!(item, ScanMeaning::Item(_)));
        assert_eq!(
            json(None, "(01)09506000134352(17)201225(10)ABC"),
            r#"{"type":"item","gtin":"09506000134352","lot":"ABC","expiry":"2020-12-25"}"#
        );
        assert_eq!(
            json(
                Some("]Q1"),
                "https://id.example.com/01/09506000134352/10/ABC?17=201225"
            ),
            r#"{"type":"item","gtin":"09506000134352","lot":"ABC","expiry":"2020-12-25"}"#
        );
        assert_eq!(
            json(Some("]Q1"), "https://example.com/menu"),
            r#"{"type":"unknown","data":"https://example.com/menu"}"#
        );
        // The identifier may arrive inside the data.
        assert_eq!(
            json(None, "]C10109506000134352"),
            r#"{"type":"item","gtin":"09506000134352"}"#
        );
    }

    #[test]
    fn stripped_identifiers_are_gs1_only_on_opt_in() {
        let data = "010950600013435217271231";
        assert_eq!(
            meaning(None, data),
            Ok(ScanMeaning::Unknown { data: data.into() })
        );
        let config = ClassifyConfig {
            assume_gs1_without_identifier: true,
            ..ClassifyConfig::default()
        };
        assert!(matches!(
            classify(&scan(None, data), &config),
            Ok(ScanMeaning::Item(_))
        ));
        let config = ClassifyConfig {
            default_symbology: Some(SymbologyId::new('C', '1')),
            ..ClassifyConfig::default()
        };
        assert!(matches!(
            classify(&scan(None, data), &config),
            Ok(ScanMeaning::Item(_))
        ));
    }

    #[test]
    fn retail_codes_are_items() {
        let gtin = r#"{"type":"item","gtin":"09506000134352"}"#;
        assert_eq!(json(Some("]E0"), "9506000134352"), gtin);
        assert_eq!(json(None, "9506000134352"), gtin);
        assert_eq!(json(Some("]I1"), "09506000134352"), gtin);
        assert_eq!(
            json(Some("]E0"), "04252614"),
            r#"{"type":"item","gtin":"00042100005264"}"#
        );
        assert_eq!(
            json(Some("]E4"), "95050003"),
            r#"{"type":"item","gtin":"00000095050003"}"#
        );
        assert_eq!(
            meaning(Some("]E0"), "9506000134357"),
            Err("GTIN 9506000134357: check digit wrong: expected 2, got 7".into())
        );
        assert_eq!(
            meaning(None, "9506000134357"),
            Err("GTIN 9506000134357: check digit wrong: expected 2, got 7".into())
        );
    }

    #[test]
    fn ean_with_a_composite_component_adds_its_ais() {
        assert_eq!(
            json(Some("]E0"), "9506000134352|]e017271231\u{1d}10L1"),
            r#"{"type":"item","gtin":"09506000134352","lot":"L1","expiry":"2027-12-31"}"#
        );
        assert_eq!(
            meaning(Some("]E0"), "9506000134352|]e017271299"),
            Err("AI 17 date 271299 is not a date".into())
        );
    }

    #[test]
    fn labels_are_locations_and_documents() {
        assert_eq!(
            json(Some("]C0"), "A-03-2-B"),
            r#"{"type":"location","code":"A-03-2-B"}"#
        );
        assert_eq!(
            json(None, "LOC:DOCK-1"),
            r#"{"type":"location","code":"DOCK-1"}"#
        );
        assert_eq!(
            json(Some("]A0"), "PO12345"),
            r#"{"type":"document","kind":"po","number":"PO12345"}"#
        );
        assert_eq!(
            json(None, "ASN000123"),
            r#"{"type":"document","kind":"asn","number":"ASN000123"}"#
        );
    }

    #[test]
    fn a_profile_is_plain_json() {
        let profile = r##"{
            "default_symbology": "]C1",
            "fnc1_substitute": "~",
            "pairing": "strict",
            "locations": [{"prefix": "BIN", "pattern": "#+"}],
            "documents": [{"kind": "pick_task", "prefix": "T-", "pattern": "#+"}]
        }"##;
        let config: ClassifyConfig = serde_json::from_str(profile).unwrap();
        assert_eq!(config.default_symbology, Some(SymbologyId::new('C', '1')));
        assert!(!config.assume_gs1_without_identifier);
        let back: ClassifyConfig =
            serde_json::from_str(&serde_json::to_string(&config).unwrap()).unwrap();
        assert_eq!(back, config);
        let plain = ClassifyConfig {
            default_symbology: None,
            ..config
        };
        assert_eq!(
            serde_json::to_string(&classify(&scan(None, "T-42"), &plain).unwrap()).unwrap(),
            r#"{"type":"document","kind":"pick_task","number":"42"}"#
        );
        assert_eq!(
            serde_json::to_string(&classify(&scan(None, "BIN0042"), &plain).unwrap()).unwrap(),
            r#"{"type":"location","code":"0042"}"#
        );
    }

    #[test]
    fn rejections_carry_a_reason() {
        assert_eq!(
            meaning(Some("]C1"), "0109506000134357"),
            Err("AI 01 check digit wrong: expected 2, got 7".into())
        );
        assert_eq!(
            meaning(Some("]d2"), "010950600013435217251341"),
            Err("AI 17 date 251341 is not a date".into())
        );
        assert_eq!(meaning(None, "\r\n"), Err("the scan is empty".into()));
        assert_eq!(
            meaning(None, &"A".repeat(9000)),
            Err("the scan is 9000 bytes long; no barcode holds more than 8192".into())
        );
    }
}
