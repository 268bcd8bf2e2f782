//! The demo warehouse `WH1`: items with GTINs from GS1's example company prefix 0950600 (so
//! no real company's codes appear), a yoghurt tracked by lot and expiry, bins, a dock, totes,
//! two ASNs, two pick tasks, and the stock they need. Also the barcodes a newcomer types in
//! place of scanning ([`cheat_sheet`]).

use anyhow::Context;
use dockhand_app::domain::{Item, Location};
use dockhand_app::protocol::PickTaskRecord;
use dockhand_sync_server::store::InboundDocumentImport;
use serde_json::json;

pub const WAREHOUSE: &str = "WH1";

/// The demo's GS1 company prefix (GS1's example prefix), as SSCCs carry it.
pub const GS1_PREFIX: &str = "9506000";
pub const BLUE_MUG_GTIN: &str = "09506000134352";
pub const BLUE_MUG_CASE_GTIN: &str = "19506000134359";
pub const RED_MUG_GTIN: &str = "09506000134369";
pub const BOLTS_GTIN: &str = "09506000134376";
pub const YOGHURT_GTIN: &str = "09506000134390";
/// The pick task of order SO-5521 and the tote a picker starts it with.
pub const PICK_TASK: &str = "PT1001";
pub const LOT_TASK: &str = "PT1002";
pub const TOTE_LABEL: &str = "LOC:TOTE-1";
/// The yoghurt's two lots in C-01-1-A: `(lot, expiry YYMMDD)`, the first expires first.
pub const LOT_FIRST: (&str, &str) = ("LOLD", "261205");
pub const LOT_LATER: (&str, &str) = ("LNEW", "270110");

/// A yoghurt label as a GS1-128 scanner types it: AIM id, GTIN, expiry, then the lot
/// (variable length, last, so no FNC1 is needed).
pub fn yoghurt_label((lot, yymmdd): (&str, &str)) -> String {
    format!("]C101{YOGHURT_GTIN}17{yymmdd}10{lot}")
}

/// What to type (then Enter) for each job, printed at start and in the READMEs.
pub fn cheat_sheet() -> String {
    let first = yoghurt_label(LOT_FIRST);
    let later = yoghurt_label(LOT_LATER);
    format!(
        "\
Sign in      ana                      (any operator id)
Pick PT1001  Home > Pick > PT1001, then
             {TOTE_LABEL}               the tote
             A-03-2-B                 the bin
             {BLUE_MUG_GTIN}           Blue Mug, then confirm the quantity
             A-03-2-B, {RED_MUG_GTIN}  Red Mug
             A-03-2-C, {BLUE_MUG_GTIN}
Pick PT1002  {TOTE_LABEL}, C-01-1-A, then
             {first}   yoghurt, lot LOLD as the task asks
             {later}   the other lot: refused, with the reason
Look up      from Home, type any code:
             {BLUE_MUG_CASE_GTIN}           a case of 12 Blue Mugs
             B-01-1-A                 what is in that bin
             09506000134383           a GTIN the catalogue lacks (red band)
Receive      ASN-4711 (48 Blue Mugs, 20 yoghurts) waits at DOCK-1
Conflicts    More > Conflicts: a pick race, an over-receipt, a move from an empty bin"
    )
}

fn parsed<T: serde::de::DeserializeOwned>(
    what: &str,
    value: serde_json::Value,
) -> anyhow::Result<T> {
    serde_json::from_value(value).with_context(|| format!("demo {what}"))
}

pub fn items() -> anyhow::Result<Vec<Item>> {
    parsed(
        "items",
        json!([
            {"sku": "1002", "name": "Blue Mug 350 ml", "gtins": [BLUE_MUG_GTIN],
             "packs": [{"code": "EA", "base_units": 1},
                       {"code": "CS", "base_units": 12, "gtin": BLUE_MUG_CASE_GTIN}]},
            {"sku": "1003", "name": "Red Mug 350 ml", "gtins": [RED_MUG_GTIN],
             "packs": [{"code": "EA", "base_units": 1}]},
            {"sku": "2001", "name": "Steel bolts M8 × 40, box of 100", "gtins": [BOLTS_GTIN],
             "packs": [{"code": "EA", "base_units": 1}]},
            {"sku": "3001", "name": "Yoghurt 500 g", "gtins": [YOGHURT_GTIN],
             "packs": [{"code": "EA", "base_units": 1}],
             "tracking": {"lot": true, "serial": false, "expiry": true}, "category": "chilled"}
        ]),
    )
}

pub fn locations() -> anyhow::Result<Vec<Location>> {
    let mut rows = vec![json!({"code": "DOCK-1", "warehouse": WAREHOUSE, "kind": "dock"})];
    for (code, aisle, seq) in [
        ("A-03-2-B", "03", 10),
        ("A-03-2-C", "03", 11),
        ("B-01-1-A", "01", 20),
        ("B-02-1-A", "02", 21),
        ("C-01-1-A", "01", 30),
    ] {
        rows.push(json!({"code": code, "warehouse": WAREHOUSE, "kind": "bin",
                         "path": {"zone": &code[..1], "aisle": aisle}, "pick_sequence": seq}));
    }
    for tote in 1..=3 {
        rows.push(json!({"code": format!("TOTE-{tote}"), "warehouse": WAREHOUSE, "kind": "tote"}));
    }
    parsed("locations", serde_json::Value::Array(rows))
}

/// ASN-4711 waits to be received; ASN-4712 is the one a receiver over-receives.
pub fn inbound_documents() -> anyhow::Result<Vec<InboundDocumentImport>> {
    parsed(
        "ASNs",
        json!([
            {"kind": "asn", "number": "ASN-4711", "supplier": "Example Mugs Ltd", "tolerance_pct": 5,
             "lines": [{"line_no": 1, "item": "1002", "expected": 48},
                       {"line_no": 2, "item": "3001", "expected": 20}]},
            {"kind": "asn", "number": "ASN-4712", "supplier": "Example Fixings", "tolerance_pct": 10,
             "lines": [{"line_no": 1, "item": "2001", "expected": 48}]}
        ]),
    )
}

pub fn pick_tasks() -> anyhow::Result<Vec<PickTaskRecord>> {
    parsed(
        "pick tasks",
        json!([
            {"task": PICK_TASK, "order": "SO-5521", "mode": "single", "zone": "A",
             "lines": [{"line_no": 1, "item": "1002", "location": "A-03-2-B", "qty": 3},
                       {"line_no": 2, "item": "1003", "location": "A-03-2-B", "qty": 2},
                       {"line_no": 3, "item": "1002", "location": "A-03-2-C", "qty": 2}]},
            {"task": LOT_TASK, "order": "SO-5522", "mode": "single", "zone": "C",
             "lines": [{"line_no": 1, "item": "3001", "location": "C-01-1-A", "qty": 2, "lot": LOT_FIRST.0}]}
        ]),
    )
}

/// A lot and its expiry as `YYMMDD`.
pub type LotWithExpiry = (&'static str, &'static str);

/// Stock put in place before the story starts: (item, bin, units, lot with expiry).
pub const OPENING_STOCK: &[(&str, &str, i64, Option<LotWithExpiry>)] = &[
    ("1002", "A-03-2-B", 24, None),
    ("1003", "A-03-2-B", 12, None),
    ("1002", "A-03-2-C", 6, None),
    ("2001", "B-01-1-A", 40, None),
    ("1003", "B-02-1-A", 1, None),
    ("3001", "C-01-1-A", 10, Some(LOT_FIRST)),
    ("3001", "C-01-1-A", 10, Some(LOT_LATER)),
];
