//! Property tests over the whole engine: every AI of the table round-trips bracketed ⇄
//! element string ⇄ Digital Link with generated valid values, random element lists
//! round-trip, and arbitrary input never panics.

use proptest::prelude::*;

use super::ai_table::{Ai, AiDef, Charset, Component, DlRole, Rule, table};
use super::check_digit::mod10_check_digit;
use super::element_string::{Element, ElementString};
use super::value_rules::check_pair_alpha;
use super::{ClassifyConfig, Scan, SymbologyId, digital_link, interpret};

const CSET82: &[u8] =
    b"!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";
const CSET39: &[u8] = b"#-/0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const BASE64URL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// A small deterministic generator, seeded by proptest, so one case can build values for
/// every AI in the table.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    fn pick(&mut self, set: &[u8]) -> char {
        char::from(set[self.below(set.len() as u64) as usize])
    }

    fn digits(&mut self, n: usize) -> String {
        (0..n).map(|_| self.pick(b"0123456789")).collect()
    }
}

fn charset_bytes(charset: Charset) -> &'static [u8] {
    match charset {
        Charset::Numeric => b"0123456789",
        Charset::Cset82 => CSET82,
        Charset::Cset39 => CSET39,
        Charset::Base64Url => BASE64URL,
    }
}

fn yymmdd(g: &mut Gen, day_zero: bool) -> String {
    let day = if day_zero {
        g.range(0, 28)
    } else {
        g.range(1, 28)
    };
    format!("{:02}{:02}{:02}", g.below(100), g.range(1, 12), day)
}

fn component_value(g: &mut Gen, c: &Component) -> String {
    let len = if c.min == c.max {
        usize::from(c.max)
    } else {
        g.range(u64::from(c.min), u64::from(c.max)) as usize
    };
    let set = charset_bytes(c.charset);
    let random = |g: &mut Gen, n: usize| -> String { (0..n).map(|_| g.pick(set)).collect() };
    match c.rule {
        Rule::CheckDigit => {
            let body = g.digits(len - 1);
            let check = mod10_check_digit(&body).unwrap_or(0);
            format!("{body}{check}")
        }
        Rule::CheckPairAlpha => {
            // Starts with a letter so MUDI's "has a non-digit" rule holds too.
            let body = format!("A{}", random(g, len.max(4) - 3));
            let pair = check_pair_alpha(&body).unwrap_or(*b"22");
            format!("{body}{}{}", char::from(pair[0]), char::from(pair[1]))
        }
        Rule::DateDay00 => yymmdd(g, true),
        Rule::Date => yymmdd(g, false),
        Rule::DateLong => format!(
            "{}{:02}{:02}",
            g.range(1900, 2099),
            g.range(1, 12),
            g.range(1, 28)
        ),
        Rule::DateHour => format!("{}{:02}", yymmdd(g, false), g.below(24)),
        Rule::HourMinute => format!("{:02}{:02}", g.below(24), g.below(60)),
        Rule::Hour => format!("{:02}", g.below(24)),
        Rule::Minute | Rule::Second => format!("{:02}", g.below(60)),
        Rule::YesNo => g.below(2).to_string(),
        Rule::Zero => "0".into(),
        Rule::NonZero => {
            let mut s = g.digits(len);
            s.replace_range(..1, &g.range(1, 9).to_string());
            s
        }
        Rule::Winding => ["0", "1", "9"][g.below(3) as usize].into(),
        Rule::Hyphen => "-".into(),
        Rule::PieceOfTotal => {
            let total = g.range(1, 99);
            format!("{:02}{total:02}", g.range(1, total))
        }
        Rule::Iso5218 => ["0", "1", "2", "9"][g.below(4) as usize].into(),
        Rule::NoZeroPrefix => format!("{}{}", g.range(1, 9), g.digits(len - 1)),
        Rule::HasNonDigit => {
            let mut s = random(g, len);
            s.replace_range(..1, "A");
            s
        }
        Rule::Latitude => format!("{:010}", g.range(0, 1_800_000_000)),
        Rule::Longitude => format!("{:010}", g.range(0, 3_600_000_000)),
        Rule::MediaType => format!("{:02}", g.range(1, 10)),
        Rule::PositionInSequence => "1/2".into(),
        Rule::PercentEncoded => (0..len)
            .map(|_| {
                loop {
                    let c = g.pick(set);
                    if c != '%' {
                        break c;
                    }
                }
            })
            .collect(),
        Rule::CountryAlpha2 => (0..2)
            .map(|_| g.pick(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
            .collect(),
        Rule::CountryNumeric | Rule::Currency => {
            ["276", "250", "840", "826", "528"][g.below(5) as usize].into()
        }
        Rule::ImporterIndex => g.pick(b"0123456789ABCXYZabcxyz-_").to_string(),
        Rule::Iban => [
            "GB82WEST12345698765432",
            "DE89370400440532013000",
            "FR1420041010050500013M02606",
        ][g.below(3) as usize]
            .into(),
        Rule::None | Rule::Unchecked => random(g, len),
    }
}

fn value_for(g: &mut Gen, def: &AiDef) -> String {
    let mut value = String::new();
    for c in &def.components {
        if c.optional && g.below(2) == 0 {
            break;
        }
        value.push_str(&component_value(g, c));
    }
    value
}

fn element(g: &mut Gen, ai: Ai, def: &AiDef) -> Element {
    let value = value_for(g, def);
    match Element::new(ai.as_str(), value.clone()) {
        Ok(e) => e,
        Err(e) => panic!("generated ({ai}){value:?} is invalid: {e}"),
    }
}

/// A primary key that takes `ai` as a path qualifier.
fn key_for_qualifier(ai: Ai) -> Option<(Ai, &'static AiDef)> {
    table()
        .all_ais()
        .into_iter()
        .find(|(_, def)| match &def.dl {
            DlRole::PrimaryKey(seqs) => seqs.iter().flatten().any(|q| q == ai.as_str()),
            DlRole::None => false,
        })
}

fn gtin_key() -> (Ai, &'static AiDef) {
    table()
        .all_ais()
        .into_iter()
        .find(|(ai, _)| ai.as_str() == "01")
        .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn every_ai_round_trips_bracketed_element_string_and_digital_link(seed in 1u64..) {
        let mut g = Gen(seed);
        for (ai, def) in table().all_ais() {
            let e = element(&mut g, ai, def);
            let es = ElementString::from_elements(vec![e.clone()]).unwrap();
            let bracketed = es.to_bracketed();
            prop_assert_eq!(&ElementString::parse_bracketed(&bracketed).unwrap(), &es, "{}", bracketed);
            let raw = es.to_element_string();
            prop_assert_eq!(&ElementString::parse(&raw, None).unwrap(), &es, "{:?}", raw);

            let with_key = if matches!(def.dl, DlRole::PrimaryKey(_)) {
                Some(vec![e.clone()])
            } else if let Some((key, key_def)) = key_for_qualifier(ai) {
                Some(vec![element(&mut g, key, key_def), e.clone()])
            } else if def.dl_attribute {
                let (key, key_def) = gtin_key();
                Some(vec![element(&mut g, key, key_def), e.clone()])
            } else {
                None
            };
            match with_key {
                Some(list) => {
                    let es = ElementString::from_elements(list).unwrap();
                    let uri = digital_link::to_uri(&es, "https://id.example.com").unwrap();
                    let back = digital_link::parse(&uri);
                    prop_assert_eq!(back.as_ref(), Ok(&es), "{}", uri);
                }
                None => {
                    let (key, key_def) = gtin_key();
                    let es = ElementString::from_elements(vec![element(&mut g, key, key_def), e]).unwrap();
                    prop_assert!(digital_link::to_uri(&es, "https://id.example.com").is_err(), "AI {} in a URI", ai);
                }
            }
        }
    }

    #[test]
    fn random_element_lists_round_trip(seed in 1u64.., count in 1usize..6) {
        let mut g = Gen(seed);
        let all = table().all_ais();
        let mut list: Vec<Element> = Vec::new();
        while list.len() < count {
            let (ai, def) = all[g.below(all.len() as u64) as usize];
            if list.iter().all(|e| e.ai != ai) {
                list.push(element(&mut g, ai, def));
            }
        }
        let es = ElementString::from_elements(list).unwrap();
        let raw = es.to_element_string();
        prop_assert_eq!(&ElementString::parse(&raw, None).unwrap(), &es, "{:?}", raw);
        let with_caret = raw.replace('\u{1d}', "^");
        if !es.elements().iter().any(|e| e.value.contains('^')) {
            prop_assert_eq!(&ElementString::parse(&with_caret, Some('^')).unwrap(), &es);
        }
        let bracketed = es.to_bracketed();
        prop_assert_eq!(&ElementString::parse_bracketed(&bracketed).unwrap(), &es);
        if let Ok(uri) = digital_link::to_uri(&es, "https://id.example.com/x") {
            let back = digital_link::parse(&uri).unwrap();
            prop_assert_eq!(digital_link::to_uri(&back, "https://id.example.com/x").unwrap(), uri.clone());
            let mut a = es.elements().to_vec();
            let mut b = back.elements().to_vec();
            a.sort_by_key(|x| x.ai);
            b.sort_by_key(|x| x.ai);
            // A GTIN-14 key stays 14 digits; nothing else changes.
            prop_assert_eq!(a, b, "{}", uri);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200), id in 0usize..8) {
        let data = String::from_utf8_lossy(&bytes).into_owned();
        exercise(&data, id);
    }

    #[test]
    fn gs1_like_text_never_panics(
        data in "(\\]C1|\\]d2|\\(|https://x/)?[0-9()A-Za-z\\x1d^%/?=&.\\\\-]{0,80}",
        id in 0usize..8,
    ) {
        exercise(&data, id);
    }
}

/// Runs every entry point on `data`; each must answer (no panic), every refusal must say
/// why, every meaning must render as JSON.
fn exercise(data: &str, id: usize) {
    let ids = [
        None,
        Some("]C1"),
        Some("]C0"),
        Some("]d2"),
        Some("]E0"),
        Some("]E4"),
        Some("]I1"),
        Some("]Q1"),
    ];
    let mut scan = Scan::manual(data);
    scan.symbology = ids[id % ids.len()].and_then(|s| SymbologyId::try_from(s.to_owned()).ok());
    let lenient = ClassifyConfig {
        fnc1_substitute: Some('^'),
        assume_gs1_without_identifier: true,
        ..ClassifyConfig::default()
    };
    for config in [&lenient, &ClassifyConfig::default()] {
        match interpret(&scan, config) {
            Ok(found) => {
                assert!(serde_json::to_string(&found).is_ok());
            }
            Err(e) => assert!(!e.to_string().is_empty()),
        }
    }
    let errors = [
        ElementString::parse(data, Some('^'))
            .err()
            .map(|e| e.to_string()),
        ElementString::parse_bracketed(data)
            .err()
            .map(|e| e.to_string()),
        digital_link::parse(data).err().map(|e| e.to_string()),
        super::retail::expand_upc_e(data)
            .err()
            .map(|e| e.to_string()),
    ];
    assert!(errors.iter().flatten().all(|m| !m.is_empty()));
}

proptest! {
    /// Plain Code 128 / Code 39 data is GS1 only when its own content says so (leading
    /// FNC1, brackets, a Digital Link URI); otherwise no AI is ever read out of it.
    #[test]
    fn non_gs1_symbologies_never_yield_ais(
        data in "[0-9A-Z\\-]{1,30}",
        id in prop::sample::select(vec!["]C0", "]A0", "]G0"]),
    ) {
        let mut scan = Scan::manual(data.clone());
        scan.symbology = SymbologyId::try_from(id.to_owned()).ok();
        let found = interpret(&scan, &ClassifyConfig::default());
        if let Ok(found) = found {
            prop_assert!(found.elements().is_empty(), "{} read as AIs: {:?}", data, found);
        }
    }
}
