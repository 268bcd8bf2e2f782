//! What a workflow accepts: a classified scan ([`Scanned`], with the raw [`ScanRecord`] kept
//! as evidence) or a user action ([`Action`]).
//!
//! The barcode engine's classification is mapped to [`Scanned`] in exactly one place (by the
//! caller); workflows never look at raw barcode data. This module owns the textual scan
//! syntax used by scripts and tests ([`Input::parse_script_line`]); it must not do I/O.

use chrono::NaiveDate;

use crate::domain::{
    AdjustReason, DocumentKind, DocumentRef, Gtin, LocationCode, LotCode, QualityDecision,
    ScanRecord, SerialNumber, Sku, StockStatus,
};

/// A scan after classification: what the barcode means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scanned {
    /// A trade item (GTIN), with the GS1 data that came with it.
    Item {
        gtin: Gtin,
        lot: Option<LotCode>,
        expiry: Option<NaiveDate>,
        serial: Option<SerialNumber>,
        /// GS1 AI (30) / (37): how many of the scanned unit the label stands for.
        count: Option<u32>,
    },
    /// A logistic unit label (SSCC, AI 00): a pallet or a carton.
    Pallet { sscc: String },
    /// A location label.
    Location(LocationCode),
    /// A document label (ASN, PO, order, pick task).
    Document(DocumentRef),
    /// Something that could not be classified.
    Unknown {
        data: String,
        reason: Option<String>,
    },
}

/// A user action from a button or the numeric pad.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// A quantity typed on the numeric pad, in the unit that was scanned (a case counts as
    /// its pack size).
    Quantity(u32),
    /// Less stock than asked for was found.
    ShortPick { reason: String },
    /// Leave this line for later.
    Skip,
    /// Accept what is on screen (e.g. one unit without typing a quantity, or the serials
    /// scanned so far).
    Confirm,
    /// Go against a suggestion or rule (another bin, a later lot) with a reason.
    Override { reason: String },
    /// A quality verdict on the line just received.
    QualityDecision(QualityDecision),
    /// Change the status of the stock on screen (damaged, quarantined…).
    SetStatus { to: StockStatus, reason: String },
    /// Correct the balance on screen by a signed number of base units.
    Adjust { delta: i64, reason: AdjustReason },
    /// Weight of the open carton from a scale, in grams.
    Weight { grams: u32 },
    /// Finish the document, carton or count.
    Close,
    /// Close the open carton with an SSCC the device just allocated from its leased block
    /// (the carton label is printed for it), instead of scanning a pre-printed label.
    CloseWithSscc { sscc: String },
    /// An item keyed in from the list because its carton carries no label (no GTIN
    /// scanned); an item label is printed for it.
    KeyItem { sku: Sku },
    /// Leave the job; nothing is lost, it can be resumed.
    Cancel,
    /// Count this item again.
    Recount,
    /// The lot and/or expiry of the item on screen, typed from its printed label.
    LotExpiry {
        lot: Option<LotCode>,
        expiry: Option<NaiveDate>,
    },
}

/// One input to a workflow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Scan {
        scanned: Scanned,
        /// The scan as received, stored with the events it causes.
        raw: ScanRecord,
    },
    Action(Action),
}

/// Why a script line could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScriptSyntaxError {
    #[error("unknown command {0:?}")]
    UnknownCommand(String),
    #[error("{command}: {reason}")]
    BadArgument { command: String, reason: String },
}

impl Input {
    /// A scan whose raw data is `data` (no symbology).
    pub fn scan(scanned: Scanned, data: impl Into<String>) -> Input {
        Input::Scan {
            scanned,
            raw: ScanRecord {
                data: data.into(),
                symbology: None,
            },
        }
    }

    /// The raw scan, when this input is one.
    pub fn raw_scan(&self) -> Option<&ScanRecord> {
        match self {
            Input::Scan { raw, .. } => Some(raw),
            Input::Action(_) => None,
        }
    }

    /// Reads one script command (already split from `job …`, comments and blank lines):
    ///
    /// - `scan gtin:09506000134352 [lot:L1] [exp:2027-01-31] [serial:S1] [count:12]`
    /// - `scan loc:A-03-2-B`, `scan sscc:095060001000000012`
    /// - `scan raw:]C10109506000134352\x1D10ABC`: raw scanner data, classified by the barcode
    ///   engine (`\x1D` or `<GS>` stands for FNC1)
    /// - `scan doc:asn:ASN-1` (kinds `asn`, `po`, `order`, `task`, `carton`)
    /// - `scan raw:ANYTHING` (an unclassifiable scan)
    /// - `qty 4`, `short "reason"`, `skip`, `confirm`, `override "reason"`,
    ///   `quality pass|fail|hold`, `status damaged "reason"`, `adjust -2 damaged`,
    ///   `weight 1250`, `close`, `cancel`, `recount`, `lot L7 2027-05-31` (`-` for no lot;
    ///   the date may be left out)
    pub fn parse_script_line(line: &str) -> Result<Input, ScriptSyntaxError> {
        let line = line.trim();
        let (command, rest) = line.split_once(' ').unwrap_or((line, ""));
        let rest = rest.trim();
        let bad = |reason: &str| ScriptSyntaxError::BadArgument {
            command: command.to_owned(),
            reason: reason.to_owned(),
        };
        let action = match command {
            "scan" => return parse_scan(rest).map_err(|reason| bad(&reason)),
            "qty" => Action::Quantity(
                rest.parse()
                    .map_err(|_| bad("expected a whole number, e.g. `qty 4`"))?,
            ),
            "short" => Action::ShortPick {
                reason: quoted(rest)
                    .ok_or_else(|| bad("expected a reason, e.g. `short \"damaged\"`"))?,
            },
            "skip" => Action::Skip,
            "confirm" => Action::Confirm,
            "override" => Action::Override {
                reason: quoted(rest).ok_or_else(|| bad("expected a reason in quotes"))?,
            },
            "quality" => Action::QualityDecision(match rest {
                "pass" => QualityDecision::Pass,
                "fail" => QualityDecision::Fail,
                "hold" => QualityDecision::Hold,
                _ => return Err(bad("expected pass, fail or hold")),
            }),
            "status" => {
                let (status, reason) = rest.split_once(' ').unwrap_or((rest, ""));
                Action::SetStatus {
                    to: status
                        .parse()
                        .map_err(|e: crate::domain::UnknownStatus| bad(&e.to_string()))?,
                    reason: quoted(reason).ok_or_else(|| bad("expected a reason in quotes"))?,
                }
            }
            "adjust" => {
                let (delta, reason) = rest.split_once(' ').unwrap_or((rest, ""));
                Action::Adjust {
                    delta: delta
                        .parse()
                        .map_err(|_| bad("expected a signed number, e.g. `adjust -2 damaged`"))?,
                    reason: serde_json::from_value(serde_json::Value::String(reason.trim().to_owned()))
                        .map_err(|_| bad("reason must be found, lost, damaged, expired, theft, sample, data_correction or other"))?,
                }
            }
            "weight" => Action::Weight {
                grams: rest
                    .parse()
                    .map_err(|_| bad("expected grams, e.g. `weight 1250`"))?,
            },
            "close" => Action::Close,
            "close-sscc" => Action::CloseWithSscc {
                sscc: rest.to_owned(),
            },
            "key" => Action::KeyItem {
                sku: Sku::new(rest).map_err(|e| bad(&e.to_string()))?,
            },
            "cancel" => Action::Cancel,
            "recount" => Action::Recount,
            "lot" => {
                let (lot, expiry) = rest.split_once(' ').unwrap_or((rest, ""));
                let lot = match lot {
                    "" => return Err(bad("expected a lot, e.g. `lot L7 2027-05-31`")),
                    "-" => None,
                    lot => Some(LotCode::new(lot).map_err(|e| bad(&e.to_string()))?),
                };
                let expiry = match expiry.trim() {
                    "" => None,
                    date => Some(
                        NaiveDate::parse_from_str(date, "%Y-%m-%d")
                            .map_err(|_| bad("expiry must be YYYY-MM-DD"))?,
                    ),
                };
                Action::LotExpiry { lot, expiry }
            }
            other => return Err(ScriptSyntaxError::UnknownCommand(other.to_owned())),
        };
        Ok(Input::Action(action))
    }
}

/// `"two words"` or a single bare word.
fn quoted(text: &str) -> Option<String> {
    let text = text.trim();
    let inner = match text.strip_prefix('"') {
        Some(rest) => rest.strip_suffix('"')?,
        None => text,
    };
    (!inner.trim().is_empty()).then(|| inner.to_owned())
}

fn parse_scan(rest: &str) -> Result<Input, String> {
    let data = rest.to_owned();
    let mut fields = rest.split_whitespace();
    let first = fields
        .next()
        .ok_or("expected what was scanned, e.g. `scan loc:A-01`")?;
    let (tag, value) = first
        .split_once(':')
        .ok_or("expected tag:value, e.g. `scan gtin:09506000134352`")?;
    let scanned = match tag {
        "gtin" => {
            let gtin = Gtin::parse(value).map_err(|e| e.to_string())?;
            let (mut lot, mut expiry, mut serial, mut count) = (None, None, None, None);
            for field in fields {
                let (key, value) = field
                    .split_once(':')
                    .ok_or_else(|| format!("expected key:value, got {field:?}"))?;
                match key {
                    "lot" => lot = Some(LotCode::new(value).map_err(|e| e.to_string())?),
                    "exp" => {
                        expiry = Some(
                            NaiveDate::parse_from_str(value, "%Y-%m-%d")
                                .map_err(|_| format!("expiry {value:?} is not YYYY-MM-DD"))?,
                        )
                    }
                    "serial" => serial = Some(SerialNumber::new(value).map_err(|e| e.to_string())?),
                    "count" => {
                        count = Some(
                            value
                                .parse()
                                .map_err(|_| format!("count {value:?} is not a number"))?,
                        )
                    }
                    other => return Err(format!("unknown item field {other:?}")),
                }
            }
            Scanned::Item {
                gtin,
                lot,
                expiry,
                serial,
                count,
            }
        }
        "loc" => Scanned::Location(LocationCode::new(value).map_err(|e| e.to_string())?),
        "sscc" => Scanned::Pallet {
            sscc: value.to_owned(),
        },
        "doc" => {
            let (kind, number) = value
                .split_once(':')
                .ok_or("expected doc:KIND:NUMBER, e.g. `scan doc:asn:ASN-1`")?;
            let kind = match kind {
                "asn" => DocumentKind::Asn,
                "po" => DocumentKind::Po,
                "order" => DocumentKind::Order,
                "task" => DocumentKind::PickTask,
                "carton" => DocumentKind::Carton,
                other => return Err(format!("unknown document kind {other:?}")),
            };
            if number.is_empty() {
                return Err("document number is empty".to_owned());
            }
            Scanned::Document(DocumentRef {
                kind,
                number: number.to_owned(),
            })
        }
        "raw" => {
            // Raw scanner data through the barcode engine, as a real scan would go:
            // `scan raw:]C10109506000134352\x1D10ABC` (`\x1D` or `<GS>` for FNC1).
            let data = value.replace("\\x1D", "\u{1d}").replace("<GS>", "\u{1d}");
            let (symbology, data) = crate::barcode::SymbologyId::strip_prefix(&data);
            let scan = crate::barcode::Scan {
                symbology,
                ..crate::barcode::Scan::manual(data)
            };
            return Ok(Input::from_scan(
                &scan,
                &crate::barcode::ClassifyConfig::default(),
            ));
        }
        other => {
            return Err(format!(
                "unknown scan tag {other:?} (gtin, loc, sscc, doc, raw)"
            ));
        }
    };
    Ok(Input::scan(scanned, data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_lines_read_as_inputs() {
        let input =
            Input::parse_script_line("scan gtin:09506000134352 lot:L1 exp:2027-01-31").unwrap();
        let Input::Scan {
            scanned: Scanned::Item {
                gtin, lot, expiry, ..
            },
            ..
        } = input
        else {
            panic!("{input:?}")
        };
        assert_eq!(gtin.as_str(), "09506000134352");
        assert_eq!(lot.unwrap().as_str(), "L1");
        assert_eq!(expiry, NaiveDate::from_ymd_opt(2027, 1, 31));
        assert_eq!(
            Input::parse_script_line("short \"box crushed\"").unwrap(),
            Input::Action(Action::ShortPick {
                reason: "box crushed".into()
            })
        );
        assert_eq!(
            Input::parse_script_line("adjust -2 damaged").unwrap(),
            Input::Action(Action::Adjust {
                delta: -2,
                reason: AdjustReason::Damaged
            })
        );
        assert!(matches!(
            Input::parse_script_line("scan doc:asn:ASN-1").unwrap(),
            Input::Scan {
                scanned: Scanned::Document(DocumentRef {
                    kind: DocumentKind::Asn,
                    ..
                }),
                ..
            }
        ));
    }

    #[test]
    fn malformed_script_lines_say_why() {
        assert_eq!(
            Input::parse_script_line("qty four")
                .unwrap_err()
                .to_string(),
            "qty: expected a whole number, e.g. `qty 4`"
        );
        assert!(Input::parse_script_line("jump").is_err());
        assert!(Input::parse_script_line("scan gtin:09506000134353").is_err());
        assert!(Input::parse_script_line("short").is_err());
    }
}
