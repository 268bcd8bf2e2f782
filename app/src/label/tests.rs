//! Label tests across kinds: the shared data sets of `tests/label-check/` lay out on every
//! stock and resolution, every symbol's field data spells exactly the element string the
//! label means, and the human-readable line is its bracketed form.

use proptest::prelude::*;

use super::*;
use crate::barcode::ElementString;

const DATASETS: &str = include_str!("../../../tests/label-check/datasets.json");

/// Reads `^BC` no-mode field data back the way the ZPL manual defines the invocation codes
/// (an independent reading of what [`code128::plan`] wrote): returns the data with FNC1 as
/// GS, and whether it started with FNC1.
fn read_code128_field(fd: &str) -> (String, bool) {
    let b = fd.as_bytes();
    let mut out = String::new();
    let mut set_c = false;
    let mut leading_fnc1 = false;
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'>' {
            match b[i + 1] {
                b';' => set_c = true,
                b':' => set_c = false,
                b'6' => set_c = false,
                b'5' => set_c = true,
                b'8' => {
                    if out.is_empty() && !leading_fnc1 {
                        leading_fnc1 = true;
                    } else {
                        out.push('\u{1d}');
                    }
                }
                b'0' => out.push('>'),
                other => panic!("unexpected invocation >{}", other as char),
            }
            i += 2;
        } else if set_c {
            assert!(b[i].is_ascii_digit() && b[i + 1].is_ascii_digit(), "{fd}");
            out.push_str(&fd[i..i + 2]);
            i += 2;
        } else {
            out.push(b[i] as char);
            i += 1;
        }
    }
    (out, leading_fnc1)
}

/// Checks every barcode of `template` against its ZPL and the text under it.
fn check_template(template: &Template) {
    let zpl = zpl::render(template, None).unwrap();
    assert!(zpl.starts_with("^XA\n") && zpl.ends_with("^XZ\n"));
    let texts = template.texts();
    for (i, field) in template.fields.iter().enumerate() {
        match &field.content {
            FieldContent::Gs1_128 { elements, .. } => {
                let plan = template::gs1_128_plan(elements).unwrap();
                let (data, fnc1_first) = read_code128_field(&plan.field_data);
                assert!(
                    fnc1_first,
                    "GS1-128 must start with FNC1: {}",
                    plan.field_data
                );
                assert_eq!(data, elements.to_element_string());
                // What a scanner reads parses back to the same elements.
                assert_eq!(&ElementString::parse(&data, None).unwrap(), elements);
                assert!(zpl.contains(&plan.field_data));
                // The next field is the bracketed line of exactly this data.
                match &template.fields[i + 1].content {
                    FieldContent::Text { text, .. } => assert_eq!(text, &elements.to_bracketed()),
                    other => panic!("no human-readable line under a GS1-128 symbol: {other:?}"),
                }
                // Within the label.
                let width = template.dpi.mm(plan.modules() as u32 * module_of(field));
                assert!(field.x_mm >= 0.0 && field.x_mm + width <= template.stock.width_mm);
            }
            FieldContent::Gs1DataMatrix { elements, .. } => {
                for e in elements.elements() {
                    let one = ElementString::from_elements(vec![e.clone()]).unwrap();
                    assert!(texts.contains(&one.to_bracketed().as_str()), "{texts:?}");
                }
            }
            _ => {}
        }
        if let FieldContent::Text { height_mm, .. } = &field.content {
            assert!(
                field.y_mm + height_mm <= template.stock.height_mm,
                "{field:?}"
            );
        }
    }
}

fn module_of(field: &Field) -> u32 {
    match &field.content {
        FieldContent::Gs1_128 { module_dots, .. } | FieldContent::Code128 { module_dots, .. } => {
            *module_dots
        }
        _ => 0,
    }
}

#[test]
fn every_data_set_lays_out_on_every_stock_and_resolution() {
    let sets: Vec<serde_json::Value> = serde_json::from_str(DATASETS).unwrap();
    assert!(sets.len() >= 10);
    for set in &sets {
        let kind: LabelKind = set["kind"].as_str().unwrap().parse().unwrap();
        let data = set["data"].to_string();
        for stock in [Stock::FOUR_BY_SIX, Stock::FOUR_BY_TWO] {
            for dpi in [Dpi::D203, Dpi::D300] {
                let template = layout_json(kind, &data, stock, dpi)
                    .unwrap_or_else(|e| panic!("{} on {stock:?} at {dpi}: {e}", set["name"]));
                check_template(&template);
                assert!(!template.symbols().is_empty());
            }
        }
    }
}

#[test]
fn pallet_label_follows_the_logistic_label_layout() {
    let label = PalletLabel {
        sscc: "095060001000000012".into(),
        content: Some("09506000134352".into()),
        count: Some(48),
        lot: Some("ABCDEFGHIJ0123456789".into()),
        expiry: Some("271200".into()),
        net_kg: Some("512.5".into()),
        ship_to: vec!["Example Retail Ltd".into()],
        ..PalletLabel::default()
    };
    let t = label.layout(Stock::FOUR_BY_SIX, Dpi::D203).unwrap();
    let symbols = t.symbols();
    // The SSCC is the last (lowest) symbol, alone.
    assert_eq!(symbols.last().unwrap().data, "00095060001000000012");
    let content: Vec<String> = symbols[..symbols.len() - 1]
        .iter()
        .map(|s| s.human_readable.clone())
        .collect();
    assert_eq!(
        content.concat(),
        "(02)09506000134352(17)271200(37)48(3101)005125(10)ABCDEFGHIJ0123456789"
    );
    let texts = t.texts();
    for expected in [
        "EXPIRY (dd.mm.yy)",
        "00.12.27",
        "NET WEIGHT (kg)",
        "512.5",
        "48",
    ] {
        assert!(
            texts.contains(&expected),
            "{expected} missing from {texts:?}"
        );
    }
    // Short stock: the SSCC symbol only.
    let short = label.layout(Stock::FOUR_BY_TWO, Dpi::D300).unwrap();
    assert_eq!(short.symbols().len(), 1);
}

#[test]
fn carton_of_several_units_uses_02_and_37() {
    let mut label = CartonLabel {
        gtin: "09506000134352".into(),
        count: Some(12),
        lot: Some("L1".into()),
        ..CartonLabel::default()
    };
    let t = label.layout(Stock::FOUR_BY_TWO, Dpi::D203).unwrap();
    assert_eq!(
        t.symbols()[0].human_readable,
        "(02)09506000134352(37)12(10)L1"
    );
    label.count = Some(1);
    let t = label.layout(Stock::FOUR_BY_TWO, Dpi::D203).unwrap();
    assert_eq!(t.symbols()[0].human_readable, "(01)09506000134352(10)L1");
    label.count = Some(12);
    label.serial = Some("S1".into());
    assert_eq!(
        label
            .layout(Stock::FOUR_BY_TWO, Dpi::D203)
            .unwrap_err()
            .to_string(),
        "label data: serial: a serial number identifies one unit; a carton of 12 units cannot carry AI 21"
    );
}

#[test]
fn bad_data_is_refused_with_the_field_named() {
    let err = |kind, json: &str| {
        layout_json(kind, json, Stock::FOUR_BY_SIX, Dpi::D203)
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        err(LabelKind::Sscc, r#"{"sscc":"095060001000000013"}"#),
        "label data: SSCC: AI 00 check digit wrong: expected 2, got 3"
    );
    assert_eq!(
        err(
            LabelKind::Item,
            r#"{"gtin":"09506000134352","lot":"ABCDEFGHIJ0123456789X"}"#
        ),
        "label data: lot: AI 10 value is 21 characters; at most 20 allowed"
    );
    assert_eq!(
        err(
            LabelKind::Sscc,
            r#"{"sscc":"095060001000000012","net_kg":"1234.567"}"#
        ),
        "label data: net weight \"1234.567\" has more than 6 digits; GS1 weights hold at most 999999 units"
    );
    assert_eq!(
        err(
            LabelKind::Sscc,
            r#"{"sscc":"095060001000000012","count":5}"#
        ),
        "label data: AI 37 needs AI 02 or 8026"
    );
    assert!(
        err(
            LabelKind::Bin,
            r#"{"code":"A1","warehouse":"WH1","colour":"red"}"#
        )
        .starts_with("label data: not a bin label: unknown field `colour`")
    );
    assert_eq!(
        "pallet".parse::<LabelKind>().unwrap_err().to_string(),
        "label setting: label kind \"pallet\" is unknown; use sscc, carton, item or bin"
    );
}

#[test]
fn weights_keep_their_decimals() {
    let w = |kg| kinds::weight_element("310", kg, "net weight").unwrap();
    assert_eq!(
        (w("512.5").ai.as_str(), w("512.5").value.as_str()),
        ("3101", "005125")
    );
    assert_eq!(
        (w("0.125").ai.as_str(), w("0.125").value.as_str()),
        ("3103", "000125")
    );
    assert_eq!(
        (w("12").ai.as_str(), w("12").value.as_str()),
        ("3100", "000012")
    );
    assert!(kinds::weight_element("310", "1,5", "net weight").is_err());
}

fn lot() -> impl Strategy<Value = String> {
    // GS1 character set 82, including '>' (a ZPL invocation character) and "10".
    proptest::string::string_regex("[A-Za-z0-9!%&'()*+,./:;<=>?_-]{1,20}").unwrap()
}

fn date() -> impl Strategy<Value = String> {
    (0u32..100, 1u32..13, 0u32..29).prop_map(|(y, m, d)| format!("{y:02}{m:02}{d:02}"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn any_valid_pallet_label_encodes_exactly_its_data(
        serial in 1u64..999_999_999,
        count in proptest::option::of(1u32..99_999_999),
        lot in proptest::option::of(lot()),
        expiry in proptest::option::of(date()),
        net in proptest::option::of((0u32..999_999, 0usize..6)),
        dpi in prop_oneof![Just(Dpi::D203), Just(Dpi::D300)],
    ) {
        let scheme = sscc::SsccScheme::new(0, "9506000").unwrap();
        let label = PalletLabel {
            sscc: scheme.sscc(serial).unwrap().to_string(),
            content: count.map(|_| "09506000134352".to_owned()),
            count,
            lot: lot.clone(),
            expiry: expiry.clone(),
            net_kg: net.map(|(units, decimals)| {
                let s = format!("{units:0>width$}", width = decimals + 1);
                if decimals == 0 { s } else { format!("{}.{}", &s[..s.len() - decimals], &s[s.len() - decimals..]) }
            }),
            ..PalletLabel::default()
        };
        let t = label.layout(Stock::FOUR_BY_SIX, dpi).unwrap();
        check_template(&t);
        // Every value is in exactly one symbol, whole.
        let all: Vec<ElementString> = t.symbols().iter()
            .map(|s| ElementString::parse(&s.data, None).unwrap()).collect();
        let find = |ai: &str| all.iter().filter_map(|e| e.get(ai).map(str::to_owned)).collect::<Vec<_>>();
        prop_assert_eq!(find("00"), vec![label.sscc.clone()]);
        prop_assert_eq!(find("10"), lot.into_iter().collect::<Vec<_>>());
        prop_assert_eq!(find("17"), expiry.into_iter().collect::<Vec<_>>());
    }

    #[test]
    fn any_item_label_in_either_symbol_encodes_its_data(
        lot in proptest::option::of(lot()),
        serial in proptest::option::of(lot()),
        expiry in proptest::option::of(date()),
        matrix in any::<bool>(),
        tall in any::<bool>(),
    ) {
        let label = ItemLabel {
            gtin: "09506000134352".into(),
            lot, serial, expiry,
            description: Some("Hand cream".into()),
            symbol: if matrix { Gs1Symbol::DataMatrix } else { Gs1Symbol::Gs1_128 },
            ..ItemLabel::default()
        };
        let stock = if tall { Stock::FOUR_BY_SIX } else { Stock::FOUR_BY_TWO };
        let t = label.layout(stock, Dpi::D203).unwrap();
        check_template(&t);
        let mut decoded = Vec::new();
        for s in t.symbols() {
            decoded.extend(ElementString::parse(&s.data, None).unwrap().into_elements());
        }
        decoded.sort_by_key(|e| e.ai);
        let mut wanted = vec![crate::barcode::Element::new("01", "09506000134352").unwrap()];
        if let Some(l) = &label.lot { wanted.push(crate::barcode::Element::new("10", l.clone()).unwrap()); }
        if let Some(e) = &label.expiry { wanted.push(crate::barcode::Element::new("17", e.clone()).unwrap()); }
        if let Some(s) = &label.serial { wanted.push(crate::barcode::Element::new("21", s.clone()).unwrap()); }
        wanted.sort_by_key(|e| e.ai);
        prop_assert_eq!(decoded, wanted);
    }
}
