//! Look up: shows what a scan found, or the red band with why it found nothing.

use dockhand_app::barcode::Scan;
use dockhand_app::domain::StockStatus;
use dockhand_app::journal::OnHandRow;
use slint::{ComponentHandle, ModelRc, SharedString, VecModel};

use std::rc::Rc;

use dockhand_app::domain::LocationCode;

use super::{labels, shell, with_window};
use crate::app::Controllers;
use crate::controllers::lookup::{BinFound, ItemFound, LookupOutcome};
use crate::{LookupAdapter, LookupKind, MainWindow, StockRow, Strings};

pub fn connect(window: &MainWindow, controllers: &Rc<Controllers>) {
    let (weak, c) = (window.as_weak(), controllers.clone());
    window
        .global::<LookupAdapter>()
        .on_print_bin_label(move || with_window(&weak, |w| print_bin_label(w, &c)));
}

/// Queues the shelf label of the bin on screen.
fn print_bin_label(window: &MainWindow, controllers: &Controllers) {
    let adapter = window.global::<LookupAdapter>();
    if adapter.get_kind() != LookupKind::Bin {
        return;
    }
    let code = adapter.get_title().to_string();
    let queued = LocationCode::new(code.clone())
        .map_err(|_| crate::controllers::labels::LabelsError::UnknownLocation(code.clone()))
        .and_then(|code| controllers.labels.print_bin_label(&code));
    match queued {
        Ok(_) => {
            let strings = window.global::<Strings>();
            shell::show_good(
                window,
                controllers,
                strings.invoke_bin_label_queued(code.into()),
            );
        }
        Err(error) => labels::problem(window, controllers, &error),
    }
}

/// Back to "Scan an item or a bin".
pub fn reset(window: &MainWindow) {
    let adapter = window.global::<LookupAdapter>();
    adapter.set_kind(LookupKind::Prompt);
    adapter.set_title(SharedString::new());
    adapter.set_subtitle(SharedString::new());
    adapter.set_scanned_pack(SharedString::new());
    adapter.set_packs(ModelRc::default());
    adapter.set_rows(ModelRc::default());
}

/// Looks the scan up and shows the answer with good or bad feedback.
pub fn show_scan(window: &MainWindow, controllers: &Controllers, scan: &Scan) {
    let strings = window.global::<Strings>();
    let outcome = match controllers.lookup.look_up(scan) {
        Ok(outcome) => outcome,
        Err(error) => {
            tracing::error!(%error, "look-up failed");
            shell::show_bad(
                window,
                controllers,
                strings.invoke_device_problem(error.to_string().into()),
            );
            return;
        }
    };
    match outcome {
        LookupOutcome::Item(found) => {
            show_item(window, &found);
            shell::show_good(window, controllers, strings.get_good_scan());
        }
        LookupOutcome::Bin(found) => {
            show_bin(window, &found);
            shell::show_good(window, controllers, strings.get_good_scan());
        }
        LookupOutcome::UnknownItem(gtin) => {
            reset(window);
            shell::show_bad(
                window,
                controllers,
                strings.invoke_unknown_item(gtin.shortest().into()),
            );
        }
        LookupOutcome::UnknownBin(code) => {
            reset(window);
            shell::show_bad(
                window,
                controllers,
                strings.invoke_unknown_bin(code.as_str().into()),
            );
        }
        LookupOutcome::Unreadable { data, reason } => {
            reset(window);
            shell::show_bad(
                window,
                controllers,
                strings.invoke_unreadable(data.into(), reason.into()),
            );
        }
        LookupOutcome::Pallet(sscc) => {
            reset(window);
            shell::show_bad(
                window,
                controllers,
                strings.invoke_pallet_label(sscc.into()),
            );
        }
        LookupOutcome::Document(document) => {
            reset(window);
            shell::show_bad(
                window,
                controllers,
                strings.invoke_document_label(document.number.into()),
            );
        }
        LookupOutcome::NotACode(data) => {
            reset(window);
            shell::show_bad(window, controllers, strings.invoke_not_a_code(data.into()));
        }
    }
}

fn show_item(window: &MainWindow, found: &ItemFound) {
    let strings = window.global::<Strings>();
    let adapter = window.global::<LookupAdapter>();
    adapter.set_kind(LookupKind::Item);
    adapter.set_title(found.item.name.as_str().into());
    adapter.set_subtitle(
        format!(
            "{} · {}",
            strings.invoke_sku(found.item.sku.as_str().into()),
            strings.invoke_gtin(found.gtin.shortest().into())
        )
        .into(),
    );
    // Packs of more than one unit; a single unit needs no line of its own.
    let pack_text = |code: &str, units: u32| {
        (units > 1)
            .then(|| strings.invoke_pack_of(code.into(), i32::try_from(units).unwrap_or(i32::MAX)))
    };
    let (scanned_code, scanned_units) = &found.scanned_pack;
    adapter.set_scanned_pack(pack_text(scanned_code, *scanned_units).unwrap_or_default());
    let other_packs: Vec<SharedString> = found
        .item
        .packs
        .iter()
        .filter(|pack| pack.code != *scanned_code)
        .filter_map(|pack| pack_text(&pack.code, pack.base_units))
        .collect();
    adapter.set_packs(ModelRc::new(VecModel::from(other_packs)));
    let rows: Vec<StockRow> = found
        .stock
        .iter()
        .map(|row| StockRow {
            place: row.location.as_str().into(),
            detail: stock_detail(&strings, row, None),
            quantity: quantity(row.qty),
        })
        .collect();
    adapter.set_rows(ModelRc::new(VecModel::from(rows)));
}

fn show_bin(window: &MainWindow, found: &BinFound) {
    let strings = window.global::<Strings>();
    let adapter = window.global::<LookupAdapter>();
    adapter.set_kind(LookupKind::Bin);
    adapter.set_title(found.code.as_str().into());
    adapter.set_subtitle(
        found
            .location
            .as_ref()
            .map(|location| location.path.display_under(&location.warehouse))
            .unwrap_or_default()
            .into(),
    );
    adapter.set_scanned_pack(SharedString::new());
    adapter.set_packs(ModelRc::default());
    let rows: Vec<StockRow> = found
        .stock
        .iter()
        .map(|(row, name)| StockRow {
            place: name
                .clone()
                .unwrap_or_else(|| row.item.as_str().to_owned())
                .into(),
            detail: stock_detail(&strings, row, Some(row.item.as_str())),
            quantity: quantity(row.qty),
        })
        .collect();
    adapter.set_rows(ModelRc::new(VecModel::from(rows)));
}

/// SKU (in a bin), lot and a status other than available, joined with " · ".
fn stock_detail(strings: &Strings<'_>, row: &OnHandRow, sku: Option<&str>) -> SharedString {
    let mut parts: Vec<SharedString> = Vec::new();
    if let Some(sku) = sku {
        parts.push(strings.invoke_sku(sku.into()));
    }
    if let Some(lot) = &row.lot {
        parts.push(strings.invoke_lot(lot.as_str().into()));
    }
    if row.status != StockStatus::Available {
        parts.push(strings.invoke_stock_status(row.status.as_str().into()));
    }
    parts
        .iter()
        .map(SharedString::as_str)
        .collect::<Vec<_>>()
        .join(" · ")
        .into()
}

fn quantity(qty: i64) -> i32 {
    i32::try_from(qty).unwrap_or(if qty < 0 { i32::MIN } else { i32::MAX })
}
