//! CSV forms of the imports, parsed into the same types as the JSON forms. Pure: text in,
//! typed rows out, with errors that name the row and column. Headers (order free):
//!
//! - items: `sku,name[,gtins][,packs][,category][,track_lot][,track_serial][,track_expiry]`;
//!   `gtins` separated by spaces; `packs` as `CS:12[:gtin]` separated by spaces.
//! - locations: `code,kind[,zone][,aisle][,rack][,shelf][,bin][,pick_sequence][,capacity]`.
//! - inbound documents: `kind,number,line_no,item,expected[,supplier][,sscc][,tolerance_pct][,lot]`
//!   `[,unit_cost][,ordered_at][,expected_at]` (RFC 3339 times), one row per line, grouped by
//!   (kind, number).
//! - orders: `number,line_no,item,qty[,customer]`, one row per line, grouped by number.

use std::collections::HashMap;
use std::str::FromStr;

use dockhand_app::domain::{
    DocumentKind, Gtin, Item, Location, LocationCode, LocationKind, LocationPath, LotCode,
    OrderNumber, Qty, Sku, Tracking, UnitOfMeasure, WarehouseCode,
};

use crate::store::{InboundDocumentImport, InboundLineImport, OrderImport, OrderLineImport};

/// Why a CSV import was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsvError {
    #[error("the CSV cannot be read: {0}")]
    Unreadable(String),
    #[error("the CSV header lacks the column {0:?}")]
    MissingColumn(&'static str),
    #[error("row {row}, column {column}: {reason}")]
    BadValue {
        row: usize,
        column: &'static str,
        reason: String,
    },
}

struct Table {
    headers: HashMap<String, usize>,
    rows: Vec<csv::StringRecord>,
}

impl Table {
    fn parse(text: &str, required: &[&'static str]) -> Result<Table, CsvError> {
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let headers = reader
            .headers()
            .map_err(|e| CsvError::Unreadable(e.to_string()))?
            .iter()
            .enumerate()
            .map(|(i, h)| (h.to_ascii_lowercase(), i))
            .collect::<HashMap<_, _>>();
        if let Some(missing) = required.iter().find(|c| !headers.contains_key(**c)) {
            return Err(CsvError::MissingColumn(missing));
        }
        let rows = reader
            .records()
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| CsvError::Unreadable(e.to_string()))?;
        Ok(Table { headers, rows })
    }

    /// The cell, `None` when the column is absent or the cell empty.
    fn get<'a>(&self, row: &'a csv::StringRecord, column: &str) -> Option<&'a str> {
        self.headers
            .get(column)
            .and_then(|&i| row.get(i))
            .filter(|v| !v.is_empty())
    }

    fn parse_cell<T>(
        &self,
        index: usize,
        row: &csv::StringRecord,
        column: &'static str,
    ) -> Result<Option<T>, CsvError>
    where
        T: FromStr,
        T::Err: std::fmt::Display,
    {
        self.get(row, column)
            .map(|v| {
                v.parse::<T>().map_err(|e| CsvError::BadValue {
                    row: index + 2,
                    column,
                    reason: e.to_string(),
                })
            })
            .transpose()
    }

    fn require<T>(
        &self,
        index: usize,
        row: &csv::StringRecord,
        column: &'static str,
    ) -> Result<T, CsvError>
    where
        T: FromStr,
        T::Err: std::fmt::Display,
    {
        self.parse_cell(index, row, column)?
            .ok_or_else(|| CsvError::BadValue {
                row: index + 2,
                column,
                reason: "is empty".to_owned(),
            })
    }
}

fn bad(index: usize, column: &'static str, reason: impl ToString) -> CsvError {
    CsvError::BadValue {
        row: index + 2,
        column,
        reason: reason.to_string(),
    }
}

fn flag(
    table: &Table,
    index: usize,
    row: &csv::StringRecord,
    column: &'static str,
) -> Result<bool, CsvError> {
    match table
        .get(row, column)
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None | Some("false" | "no" | "0" | "n") => Ok(false),
        Some("true" | "yes" | "1" | "y") => Ok(true),
        Some(other) => Err(bad(index, column, format!("{other:?} is not yes/no"))),
    }
}

fn qty(
    table: &Table,
    index: usize,
    row: &csv::StringRecord,
    column: &'static str,
) -> Result<Qty, CsvError> {
    let units: i64 = table.require(index, row, column)?;
    Qty::new(units).map_err(|e| bad(index, column, e))
}

pub fn items(text: &str) -> Result<Vec<Item>, CsvError> {
    let table = Table::parse(text, &["sku", "name"])?;
    let mut out = Vec::with_capacity(table.rows.len());
    for (i, row) in table.rows.iter().enumerate() {
        let gtins = table
            .get(row, "gtins")
            .unwrap_or_default()
            .split_whitespace()
            .map(|g| Gtin::parse(g).map_err(|e| bad(i, "gtins", e)))
            .collect::<Result<Vec<_>, _>>()?;
        let packs = table
            .get(row, "packs")
            .unwrap_or_default()
            .split_whitespace()
            .map(|p| {
                let mut parts = p.split(':');
                let code = parts.next().unwrap_or_default().to_owned();
                let base_units = parts
                    .next()
                    .and_then(|n| n.parse::<u32>().ok())
                    .filter(|n| *n > 0)
                    .ok_or_else(|| bad(i, "packs", format!("{p:?} is not CODE:UNITS[:GTIN]")))?;
                let gtin = parts
                    .next()
                    .map(|g| Gtin::parse(g).map_err(|e| bad(i, "packs", e)))
                    .transpose()?;
                Ok(UnitOfMeasure {
                    code,
                    base_units,
                    gtin,
                })
            })
            .collect::<Result<Vec<_>, CsvError>>()?;
        out.push(Item {
            sku: table.require::<Sku>(i, row, "sku")?,
            name: table.get(row, "name").unwrap_or_default().to_owned(),
            gtins,
            packs,
            tracking: Tracking {
                lot: flag(&table, i, row, "track_lot")?,
                serial: flag(&table, i, row, "track_serial")?,
                expiry: flag(&table, i, row, "track_expiry")?,
            },
            category: table.get(row, "category").map(str::to_owned),
        });
    }
    Ok(out)
}

pub fn locations(text: &str, warehouse: &WarehouseCode) -> Result<Vec<Location>, CsvError> {
    let table = Table::parse(text, &["code", "kind"])?;
    let mut out = Vec::with_capacity(table.rows.len());
    for (i, row) in table.rows.iter().enumerate() {
        let kind_text = table.get(row, "kind").unwrap_or("bin");
        let kind: LocationKind =
            serde_json::from_value(serde_json::json!(kind_text)).map_err(|_| {
                bad(
                    i,
                    "kind",
                    format!("{kind_text:?} is not bin, dock, staging, pack_station or tote"),
                )
            })?;
        let text = |column: &str| table.get(row, column).map(str::to_owned);
        out.push(Location {
            code: table.require::<LocationCode>(i, row, "code")?,
            warehouse: warehouse.clone(),
            kind,
            path: LocationPath {
                zone: text("zone"),
                aisle: text("aisle"),
                rack: text("rack"),
                shelf: text("shelf"),
                bin: text("bin"),
            },
            pick_sequence: table.parse_cell(i, row, "pick_sequence")?.unwrap_or(0),
            capacity: table
                .parse_cell::<i64>(i, row, "capacity")?
                .map(|c| Qty::new(c).map_err(|e| bad(i, "capacity", e)))
                .transpose()?,
        });
    }
    Ok(out)
}

pub fn inbound_documents(text: &str) -> Result<Vec<InboundDocumentImport>, CsvError> {
    let table = Table::parse(text, &["kind", "number", "line_no", "item", "expected"])?;
    let mut out: Vec<InboundDocumentImport> = Vec::new();
    for (i, row) in table.rows.iter().enumerate() {
        let kind = match table
            .get(row, "kind")
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("asn") => DocumentKind::Asn,
            Some("po") => DocumentKind::Po,
            other => return Err(bad(i, "kind", format!("{other:?} is not asn or po"))),
        };
        let number: String = table.require(i, row, "number")?;
        let line = InboundLineImport {
            line_no: table.require(i, row, "line_no")?,
            item: table.require(i, row, "item")?,
            expected: qty(&table, i, row, "expected")?,
            lot: table.parse_cell::<LotCode>(i, row, "lot")?,
            unit_cost: table.parse_cell(i, row, "unit_cost")?,
        };
        match out
            .iter_mut()
            .find(|d| d.kind == kind && d.number == number)
        {
            Some(doc) => doc.lines.push(line),
            None => out.push(InboundDocumentImport {
                kind,
                number,
                supplier: table.get(row, "supplier").map(str::to_owned),
                sscc: table.get(row, "sscc").map(str::to_owned),
                tolerance_pct: table.parse_cell(i, row, "tolerance_pct")?.unwrap_or(0),
                ordered_at: table.parse_cell(i, row, "ordered_at")?,
                expected_at: table.parse_cell(i, row, "expected_at")?,
                lines: vec![line],
            }),
        }
    }
    Ok(out)
}

pub fn orders(text: &str) -> Result<Vec<OrderImport>, CsvError> {
    let table = Table::parse(text, &["number", "line_no", "item", "qty"])?;
    let mut out: Vec<OrderImport> = Vec::new();
    for (i, row) in table.rows.iter().enumerate() {
        let number: OrderNumber = table.require(i, row, "number")?;
        let line = OrderLineImport {
            line_no: table.require(i, row, "line_no")?,
            item: table.require(i, row, "item")?,
            qty: qty(&table, i, row, "qty")?,
        };
        match out.iter_mut().find(|o| o.number == number) {
            Some(order) => order.lines.push(line),
            None => out.push(OrderImport {
                number,
                customer: table.get(row, "customer").map(str::to_owned),
                lines: vec![line],
            }),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_read_gtins_packs_and_flags() {
        let items = items(
            "sku,name,gtins,packs,track_lot\n\
             1002,Blue Mug,09506000134352,CS:12:19506000134359 PL:480,yes\n\
             1003,Red Mug,,,\n",
        )
        .unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].gtins[0].as_str(), "09506000134352");
        assert_eq!(items[0].packs[0].base_units, 12);
        assert_eq!(items[0].packs[1].gtin, None);
        assert!(items[0].tracking.lot && !items[1].tracking.lot);
    }

    #[test]
    fn errors_name_the_row_and_column() {
        let err = items("sku,name,gtins\n1002,Mug,09506000134353\n").unwrap_err();
        assert!(err.to_string().starts_with("row 2, column gtins:"), "{err}");
        assert_eq!(
            locations("code\nA-1\n", &WarehouseCode::new("WH1").unwrap()).unwrap_err(),
            CsvError::MissingColumn("kind")
        );
        let err = orders("number,line_no,item,qty\nSO-1,1,1002,-3\n").unwrap_err();
        assert!(err.to_string().contains("column qty"), "{err}");
    }

    #[test]
    fn document_lines_are_grouped_by_document() {
        let docs = inbound_documents(
            "kind,number,line_no,item,expected,tolerance_pct\n\
             asn,ASN-1,1,1002,10,5\nasn,ASN-1,2,1003,4,\npo,PO-9,1,1002,1,\n",
        )
        .unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].lines.len(), 2);
        assert_eq!(docs[0].tolerance_pct, 5);
        let priced = inbound_documents(
            "kind,number,line_no,item,expected,unit_cost,expected_at\n\
             po,PO-1,1,1002,10,2.75,2026-12-01T00:00:00Z\n",
        )
        .unwrap();
        assert_eq!(priced[0].lines[0].unit_cost.unwrap().to_string(), "2.75");
        assert!(priced[0].expected_at.is_some());
        let err = inbound_documents("kind,number,line_no,item,expected,unit_cost\npo,P,1,A,1,x\n")
            .unwrap_err();
        assert!(err.to_string().contains("column unit_cost"), "{err}");
        let orders =
            orders("number,line_no,item,qty,customer\nSO-1,1,A,2,Ana\nSO-1,2,B,1,Ana\n").unwrap();
        assert_eq!(orders[0].lines.len(), 2);
    }
}
