//! Android scan intents: decodes the extras of a Zebra DataWedge or Honeywell scan broadcast
//! into a [`Scan`], so the Android entry point only hands the extras over (as a map, or as
//! JSON) and knows nothing about vendors.
//!
//! Owns the vendors' extra names and their symbology names. Pure: no JNI, no clock (the
//! caller passes `received_at`).
//!
//! - **Zebra DataWedge**: `com.symbol.datawedge.data_string`,
//!   `com.symbol.datawedge.label_type` (`LABEL-TYPE-EAN128`, `LABEL-TYPE-GS1-DATAMATRIX`…),
//!   `com.symbol.datawedge.decode_data` (a list of byte arrays). The legacy
//!   `com.motorolasolutions.emdk.datawedge.*` names are accepted too.
//! - **Honeywell** (Data Collection intent API): `data`, `codeId` (`j`, `d`, `w`…), `aimId`
//!   (`]C1`), `dataBytes`.
//!
//! The raw bytes win over the string when they are valid UTF-8: they are what the symbol
//! held, GS separators included, before any data formatting or charset mapping on the
//! device. An AIM identifier (sent by the vendor or at the start of the data) wins over the
//! vendor's symbology name, because only it tells GS1 DataMatrix from plain DataMatrix on
//! Honeywell. Vendor names map to the AIM identifier of the same symbology, so the barcode
//! engine sees one kind of identifier whatever the source.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::framing::normalise_scan_text;
use crate::barcode::{Scan, ScanSource, SymbologyId};

const DW: [&str; 2] = [
    "com.symbol.datawedge.",
    "com.motorolasolutions.emdk.datawedge.",
];

/// One intent extra, as the Android glue hands it over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum IntentExtra {
    Text(String),
    Integer(i64),
    Flag(bool),
    /// A Java `byte[]`.
    Bytes(Vec<u8>),
    /// A Java `ArrayList<byte[]>` (DataWedge's `decode_data`).
    ByteArrays(Vec<Vec<u8>>),
}

/// Why intent extras are not a scan.
#[derive(Debug, thiserror::Error)]
pub enum IntentError {
    #[error(
        "the intent is not a scan from Zebra DataWedge or Honeywell (extras: {keys}); check \
         the intent output settings of the DataWedge or Honeywell scanner profile"
    )]
    NotAScan { keys: String },
    #[error("the {vendor} scan intent carries no barcode data")]
    NoData { vendor: &'static str },
    #[error("the scan intent extras are not valid JSON: {0}")]
    Json(serde_json::Error),
    #[error("intent extra {key} has a value the decoder does not understand: {value}")]
    UnsupportedExtra { key: String, value: String },
}

impl TryFrom<serde_json::Value> for IntentExtra {
    type Error = String;

    /// Byte values may be signed (Java's `byte`) or unsigned.
    fn try_from(value: serde_json::Value) -> Result<Self, String> {
        use serde_json::Value;
        fn byte(v: &Value) -> Option<u8> {
            let n = v.as_i64()?;
            match n {
                0..=255 => u8::try_from(n).ok(),
                -128..=-1 => u8::try_from(n + 256).ok(),
                _ => None,
            }
        }
        fn bytes(v: &Value) -> Option<Vec<u8>> {
            v.as_array()?.iter().map(byte).collect()
        }
        match &value {
            Value::String(s) => Ok(IntentExtra::Text(s.clone())),
            Value::Bool(b) => Ok(IntentExtra::Flag(*b)),
            Value::Number(n) => n
                .as_i64()
                .map(IntentExtra::Integer)
                .ok_or_else(|| value.to_string()),
            Value::Array(items) if items.iter().all(Value::is_array) && !items.is_empty() => items
                .iter()
                .map(bytes)
                .collect::<Option<Vec<_>>>()
                .map(IntentExtra::ByteArrays)
                .ok_or_else(|| value.to_string()),
            Value::Array(_) => bytes(&value)
                .map(IntentExtra::Bytes)
                .ok_or_else(|| value.to_string()),
            Value::Null | Value::Object(_) => Err(value.to_string()),
        }
    }
}

/// Decodes extras given as a JSON object (`{"com.symbol.datawedge.data_string": "…", …}`).
/// Null values are ignored; unknown value shapes are an error only for the extras that
/// carry the scan.
pub fn decode_intent_json(json: &str, received_at: DateTime<Utc>) -> Result<Scan, IntentError> {
    let raw: HashMap<String, serde_json::Value> =
        serde_json::from_str(json).map_err(IntentError::Json)?;
    let mut extras = HashMap::with_capacity(raw.len());
    for (key, value) in raw {
        if value.is_null() {
            continue;
        }
        match IntentExtra::try_from(value) {
            Ok(extra) => {
                extras.insert(key, extra);
            }
            Err(value) if is_scan_extra(&key) => {
                return Err(IntentError::UnsupportedExtra { key, value });
            }
            Err(_) => {}
        }
    }
    decode_intent(&extras, received_at)
}

fn is_scan_extra(key: &str) -> bool {
    DW.iter().any(|p| key.starts_with(p))
        || matches!(key, "data" | "codeId" | "aimId" | "dataBytes")
}

/// Decodes the extras of a DataWedge or Honeywell scan broadcast.
pub fn decode_intent(
    extras: &HashMap<String, IntentExtra>,
    received_at: DateTime<Utc>,
) -> Result<Scan, IntentError> {
    let (text, vendor_symbology) = if extras.keys().any(|k| DW.iter().any(|p| k.starts_with(p))) {
        datawedge(extras)?
    } else if extras.contains_key("data") || extras.contains_key("dataBytes") {
        honeywell(extras)?
    } else {
        let mut keys: Vec<&str> = extras.keys().map(String::as_str).collect();
        keys.sort_unstable();
        return Err(IntentError::NotAScan {
            keys: keys.join(", "),
        });
    };
    // DataWedge may still append a keystroke-style suffix to the string.
    let text = text.trim_end_matches(['\r', '\n']);
    let (aim, data) = normalise_scan_text(text, None, true);
    Ok(Scan {
        data,
        symbology: aim.or(vendor_symbology),
        received_at,
        source: ScanSource::Intent,
    })
}

fn datawedge(
    extras: &HashMap<String, IntentExtra>,
) -> Result<(String, Option<SymbologyId>), IntentError> {
    let get = |name: &str| DW.iter().find_map(|p| extras.get(&format!("{p}{name}")));
    let raw = match get("decode_data") {
        Some(IntentExtra::ByteArrays(parts)) => utf8(parts.concat()),
        Some(IntentExtra::Bytes(bytes)) => utf8(bytes.clone()),
        _ => None,
    };
    let text = raw
        .or_else(|| text_of(get("data_string")))
        .filter(|t| !t.is_empty())
        .ok_or(IntentError::NoData {
            vendor: "Zebra DataWedge",
        })?;
    let symbology = text_of(get("label_type")).and_then(|label| datawedge_label_symbology(&label));
    Ok((text, symbology))
}

fn honeywell(
    extras: &HashMap<String, IntentExtra>,
) -> Result<(String, Option<SymbologyId>), IntentError> {
    let raw = match extras.get("dataBytes") {
        Some(IntentExtra::Bytes(bytes)) => utf8(bytes.clone()),
        _ => None,
    };
    let text = raw
        .or_else(|| text_of(extras.get("data")))
        .filter(|t| !t.is_empty())
        .ok_or(IntentError::NoData {
            vendor: "Honeywell",
        })?;
    let aim = text_of(extras.get("aimId")).and_then(|a| SymbologyId::try_from(a).ok());
    let code = text_of(extras.get("codeId"))
        .and_then(|c| c.chars().next())
        .and_then(honeywell_code_id_symbology);
    Ok((text, aim.or(code)))
}

fn text_of(extra: Option<&IntentExtra>) -> Option<String> {
    match extra {
        Some(IntentExtra::Text(s)) => Some(s.clone()),
        _ => None,
    }
}

fn utf8(bytes: Vec<u8>) -> Option<String> {
    String::from_utf8(bytes).ok().filter(|s| !s.is_empty())
}

/// The AIM identifier of a DataWedge `label_type`, if the symbology has one we use.
pub fn datawedge_label_symbology(label_type: &str) -> Option<SymbologyId> {
    let name = label_type.strip_prefix("LABEL-TYPE-").unwrap_or(label_type);
    let (code, modifier) = match name {
        "EAN128" | "GS1-128" | "UCC128" => ('C', '1'),
        "CODE128" | "ISBT128" => ('C', '0'),
        "EAN13" | "UPCA" | "UPCE0" | "UPCE1" | "BOOKLAND" => ('E', '0'),
        "EAN8" => ('E', '4'),
        "GS1-DATAMATRIX" => ('d', '2'),
        "DATAMATRIX" => ('d', '1'),
        "GS1-QRCODE" => ('Q', '3'),
        "QRCODE" | "MICROQR" => ('Q', '1'),
        "GS1-DATABAR" | "GS1-DATABAR-LIM" | "GS1-DATABAR-EXP" | "RSS14" | "RSSLIM" | "RSSEXP" => {
            ('e', '0')
        }
        "CODE39" | "TRIOPTIC39" => ('A', '0'),
        "I2OF5" => ('I', '0'),
        "CODE93" => ('G', '0'),
        "CODABAR" => ('F', '0'),
        "PDF417" | "MICROPDF" => ('L', '0'),
        "AZTEC" | "MICROAZTEC" => ('z', '0'),
        _ => return None,
    };
    Some(SymbologyId::new(code, modifier))
}

/// The AIM identifier of a Honeywell code ID, if the symbology has one we use.
pub fn honeywell_code_id_symbology(code_id: char) -> Option<SymbologyId> {
    let (code, modifier) = match code_id {
        'I' => ('C', '1'),             // GS1-128
        'j' => ('C', '0'),             // Code 128
        'd' | 'c' | 'E' => ('E', '0'), // EAN-13, UPC-A, UPC-E
        'D' => ('E', '4'),             // EAN-8
        // DataMatrix: the code ID does not tell GS1 DataMatrix apart; aimId does.
        'w' => ('d', '1'),
        's' => ('Q', '1'), // QR Code
        'y' => ('e', '0'), // GS1 DataBar
        'b' => ('A', '0'), // Code 39
        'e' => ('I', '0'), // Interleaved 2 of 5
        'i' => ('G', '0'), // Code 93
        'a' => ('F', '0'), // Codabar
        'r' => ('L', '0'), // PDF417
        'z' => ('z', '0'), // Aztec
        _ => return None,
    };
    Some(SymbologyId::new(code, modifier))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::barcode::{GS, Symbology};

    fn now() -> DateTime<Utc> {
        Utc::now()
    }

    fn symbology(scan: &Scan) -> Option<Symbology> {
        scan.symbology.map(SymbologyId::symbology)
    }

    #[test]
    fn datawedge_string_and_label_type() {
        let json = r#"{
            "com.symbol.datawedge.source": "scanner",
            "com.symbol.datawedge.label_type": "LABEL-TYPE-EAN13",
            "com.symbol.datawedge.data_string": "9506000134352"
        }"#;
        let scan = decode_intent_json(json, now()).unwrap();
        assert_eq!(scan.data, "9506000134352");
        assert_eq!(scan.source, ScanSource::Intent);
        assert_eq!(symbology(&scan), Some(Symbology::Ean13OrUpc));
    }

    #[test]
    fn datawedge_raw_decode_data_keeps_gs() {
        let raw: Vec<u8> = b"0109506000134352\x1d10ABC123".to_vec();
        let signed: Vec<i16> = raw.iter().map(|&b| i16::from(b as i8)).collect();
        let json = serde_json::json!({
            "com.symbol.datawedge.label_type": "LABEL-TYPE-GS1-128",
            // A data string whose GS was lost to formatting: the raw bytes win.
            "com.symbol.datawedge.data_string": "010950600013435210ABC123",
            "com.symbol.datawedge.decode_data": [signed],
        });
        let scan = decode_intent_json(&json.to_string(), now()).unwrap();
        assert_eq!(scan.data, format!("0109506000134352{GS}10ABC123"));
        assert_eq!(symbology(&scan), Some(Symbology::Gs1_128));
    }

    #[test]
    fn datawedge_label_types_map_to_the_engine() {
        let cases = [
            ("LABEL-TYPE-EAN128", Symbology::Gs1_128),
            ("LABEL-TYPE-GS1-128", Symbology::Gs1_128),
            ("LABEL-TYPE-CODE128", Symbology::Code128),
            ("LABEL-TYPE-GS1-DATAMATRIX", Symbology::Gs1DataMatrix),
            ("LABEL-TYPE-DATAMATRIX", Symbology::DataMatrix),
            ("LABEL-TYPE-QRCODE", Symbology::Qr),
            ("LABEL-TYPE-GS1-QRCODE", Symbology::Gs1Qr),
            ("LABEL-TYPE-EAN8", Symbology::Ean8),
            ("LABEL-TYPE-UPCA", Symbology::Ean13OrUpc),
            ("LABEL-TYPE-GS1-DATABAR-EXP", Symbology::Gs1DataBar),
            ("LABEL-TYPE-CODE39", Symbology::Code39),
            ("LABEL-TYPE-PDF417", Symbology::Pdf417),
        ];
        for (label, expected) in cases {
            let id = datawedge_label_symbology(label);
            assert_eq!(id.map(SymbologyId::symbology), Some(expected), "{label}");
        }
        assert_eq!(datawedge_label_symbology("LABEL-TYPE-MAXICODE"), None);
    }

    #[test]
    fn legacy_datawedge_names_are_accepted() {
        let mut extras = HashMap::new();
        extras.insert(
            "com.motorolasolutions.emdk.datawedge.data_string".into(),
            IntentExtra::Text("ABC123\n".into()),
        );
        let scan = decode_intent(&extras, now()).unwrap();
        assert_eq!(scan.data, "ABC123");
        assert_eq!(scan.symbology, None);
    }

    #[test]
    fn honeywell_aim_id_wins_over_code_id() {
        let json = r#"{"data": "0109506000134352", "codeId": "w", "aimId": "]d2",
                       "charset": "ISO-8859-1", "version": 1}"#;
        let scan = decode_intent_json(json, now()).unwrap();
        assert_eq!(scan.data, "0109506000134352");
        assert_eq!(symbology(&scan), Some(Symbology::Gs1DataMatrix));
    }

    #[test]
    fn honeywell_code_ids_map_to_the_engine() {
        let cases = [
            ('j', Symbology::Code128),
            ('I', Symbology::Gs1_128),
            ('d', Symbology::Ean13OrUpc),
            ('D', Symbology::Ean8),
            ('w', Symbology::DataMatrix),
            ('s', Symbology::Qr),
            ('y', Symbology::Gs1DataBar),
        ];
        for (code, expected) in cases {
            let mut extras = HashMap::new();
            extras.insert("data".into(), IntentExtra::Text("X1".into()));
            extras.insert("codeId".into(), IntentExtra::Text(code.to_string()));
            let scan = decode_intent(&extras, now()).unwrap();
            assert_eq!(symbology(&scan), Some(expected), "{code}");
        }
    }

    #[test]
    fn an_aim_identifier_in_the_data_is_split_off() {
        let json = r#"{"data": "]Q1https://id.gs1.org/01/09506000134352", "codeId": "s"}"#;
        let scan = decode_intent_json(json, now()).unwrap();
        assert_eq!(scan.data, "https://id.gs1.org/01/09506000134352");
        assert_eq!(scan.symbology, Some(SymbologyId::new('Q', '1')));
    }

    #[test]
    fn intents_that_are_not_scans_say_what_they_carried() {
        let err = decode_intent_json(r#"{"android.intent.extra.TEXT": "hi"}"#, now()).unwrap_err();
        assert!(
            err.to_string().contains("android.intent.extra.TEXT"),
            "{err}"
        );
        let err = decode_intent_json(
            r#"{"com.symbol.datawedge.label_type": "LABEL-TYPE-EAN13"}"#,
            now(),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "the Zebra DataWedge scan intent carries no barcode data"
        );
        let err = decode_intent_json(r#"{"data": {"nested": 1}}"#, now()).unwrap_err();
        assert!(matches!(err, IntentError::UnsupportedExtra { .. }), "{err}");
        assert!(matches!(
            decode_intent_json("[", now()),
            Err(IntentError::Json(_))
        ));
    }
}
