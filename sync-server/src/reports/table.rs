//! A report's result as one table — named columns, rows of JSON scalars — and its three
//! renderings: JSON (rows as objects), CSV, and aligned text for the terminal.

use chrono::{DateTime, NaiveDate, Utc};
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::Value;

/// One report's output.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportTable {
    pub report: &'static str,
    pub warehouse: String,
    pub as_of: NaiveDate,
    /// Ledger rows committed before this time are in the summaries the report read.
    pub refreshed_through: Option<DateTime<Utc>>,
    pub columns: Vec<&'static str>,
    pub rows: Vec<Vec<Value>>,
    /// Definitions and totals worth printing under the table.
    pub notes: Vec<String>,
}

#[derive(Serialize)]
struct JsonForm<'a> {
    report: &'a str,
    warehouse: &'a str,
    as_of: NaiveDate,
    #[serde(skip_serializing_if = "Option::is_none")]
    refreshed_through: Option<DateTime<Utc>>,
    columns: &'a [&'static str],
    rows: RowsForm<'a>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    notes: &'a [String],
}

/// The rows as objects keyed by column, serialised straight from the table (no copy).
struct RowsForm<'a>(&'a ReportTable);

struct RowForm<'a>(&'a [&'static str], &'a [Value]);

impl Serialize for RowsForm<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.rows.len()))?;
        for row in &self.0.rows {
            seq.serialize_element(&RowForm(&self.0.columns, row))?;
        }
        seq.end()
    }
}

impl Serialize for RowForm<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len().min(self.1.len())))?;
        for (column, value) in self.0.iter().zip(self.1) {
            map.serialize_entry(column, value)?;
        }
        map.end()
    }
}

/// The JSON form: `{report, warehouse, as_of, refreshed_through, columns, rows: [{…}],
/// notes}`, written without an intermediate `Value` (the API sends it this way).
impl Serialize for ReportTable {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        JsonForm {
            report: self.report,
            warehouse: &self.warehouse,
            as_of: self.as_of,
            refreshed_through: self.refreshed_through,
            columns: &self.columns,
            rows: RowsForm(self),
            notes: &self.notes,
        }
        .serialize(s)
    }
}

/// Rounds money and rates for output (2 places; 4 for small rates).
pub fn round(value: f64, places: i32) -> Value {
    if !value.is_finite() {
        return Value::Null;
    }
    let factor = 10f64.powi(places);
    serde_json::Number::from_f64((value * factor).round() / factor)
        .map(Value::Number)
        .unwrap_or(Value::Null)
}

impl ReportTable {
    /// The JSON form as a value (see the `Serialize` impl, which writes the same without it).
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// CSV with a header row; nulls are empty cells.
    pub fn to_csv(&self) -> String {
        let mut writer = csv::Writer::from_writer(Vec::new());
        let _ = writer.write_record(&self.columns);
        for row in &self.rows {
            let _ = writer.write_record(row.iter().map(cell_text));
        }
        writer
            .into_inner()
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .unwrap_or_default()
    }

    /// Aligned columns for a terminal, numbers right-aligned, then the notes.
    pub fn to_text(&self) -> String {
        let cells: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|r| r.iter().map(cell_text).collect())
            .collect();
        let mut widths: Vec<usize> = self.columns.iter().map(|c| c.len()).collect();
        for row in &cells {
            for (w, c) in widths.iter_mut().zip(row) {
                *w = (*w).max(c.chars().count());
            }
        }
        let mut out = format!(
            "{} — warehouse {}, as of {}",
            self.report, self.warehouse, self.as_of
        );
        if let Some(t) = self.refreshed_through {
            out.push_str(&format!(
                ", ledger through {}",
                t.format("%Y-%m-%d %H:%M:%S UTC")
            ));
        }
        out.push('\n');
        let header: Vec<String> = self
            .columns
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        out.push_str(header.join("  ").trim_end());
        out.push('\n');
        out.push_str(
            &widths
                .iter()
                .map(|w| "-".repeat(*w))
                .collect::<Vec<_>>()
                .join("  "),
        );
        out.push('\n');
        for (row, raw) in cells.iter().zip(&self.rows) {
            let line: Vec<String> = row
                .iter()
                .zip(&widths)
                .zip(raw)
                .map(|((c, w), v)| {
                    if v.is_number() {
                        format!("{c:>w$}")
                    } else {
                        format!("{c:<w$}")
                    }
                })
                .collect();
            out.push_str(line.join("  ").trim_end());
            out.push('\n');
        }
        if self.rows.is_empty() {
            out.push_str("(no rows)\n");
        }
        for note in &self.notes {
            out.push_str(note);
            out.push('\n');
        }
        out
    }
}

fn cell_text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn table() -> ReportTable {
        ReportTable {
            report: "valuation",
            warehouse: "WH1".to_owned(),
            as_of: NaiveDate::from_ymd_opt(2026, 11, 29).unwrap(),
            refreshed_through: None,
            columns: vec!["item", "qty", "value"],
            rows: vec![
                vec![json!("A,1"), json!(3), round(12.345, 2)],
                vec![json!("B"), json!(10), Value::Null],
            ],
            notes: vec!["total 12.35".to_owned()],
        }
    }

    #[test]
    fn renders_json_csv_and_text() {
        let t = table();
        assert_eq!(
            t.to_json()["rows"][0],
            json!({"item": "A,1", "qty": 3, "value": 12.35})
        );
        assert_eq!(t.to_csv(), "item,qty,value\n\"A,1\",3,12.35\nB,10,\n");
        let text = t.to_text();
        assert!(text.contains("item  qty  value"), "{text}");
        assert!(text.contains("A,1     3  12.35"), "{text}");
        assert!(text.ends_with("total 12.35\n"));
    }
}
