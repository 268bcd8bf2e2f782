//! Receive: the delivery list, then the workflow's receipt line by line. Scans and buttons
//! go to the `ReceiveController`; each step's prompt fills `ReceiveAdapter` and its feedback
//! drives the band. A closed or left receipt returns to the delivery list.

use std::rc::Rc;

use dockhand_app::barcode::Scan;
use dockhand_app::domain::{DocumentKind, DocumentRef, Sku};
use dockhand_app::workflow::{Action, JobSpec, Prompt, SessionError, Step};
use slint::{ComponentHandle, ModelRc, SharedString, VecModel};

use super::job_step::{act_on, operator_or_sign_in, problem, put_down, show_answer, show_refused};
use super::wiring::{Wiring, quantity};
use super::{count, shell, with_window};
use crate::app::Controllers;
use crate::controllers::job_session::JobError;
use crate::controllers::receive::{ListScan, ReceiveController, TypedError};
use crate::{
    MainWindow, ReceiveAdapter, ReceiveDocumentRow, ReceiveLineRow, ReceiveStage, Screen, Strings,
};

pub fn connect(window: &MainWindow, controllers: &Rc<Controllers>) {
    let adapter = window.global::<ReceiveAdapter>();

    let (weak, c) = (window.as_weak(), controllers.clone());
    adapter.on_choose_document(move |kind, number| {
        with_window(&weak, |w| {
            let kind = if kind == "po" {
                DocumentKind::Po
            } else {
                DocumentKind::Asn
            };
            let document = DocumentRef {
                kind,
                number: number.to_string(),
            };
            start(w, &c, document, None);
        })
    });

    let wiring = Wiring::new(window, controllers);
    adapter.on_confirm_quantity(wiring.on_arg(|w, c, n| act(w, c, quantity(n))));

    // Two arguments: wired by hand.
    let (weak, c) = (window.as_weak(), controllers.clone());
    adapter.on_enter_lot_expiry(move |lot, expiry| {
        with_window(&weak, |w| {
            match ReceiveController::typed_lot_expiry(&lot, &expiry) {
                Ok(action) => act(w, &c, action),
                Err(error) => {
                    let strings = w.global::<Strings>();
                    let text = match error {
                        TypedError::Lot { typed, reason } => {
                            strings.invoke_lot_not_valid(typed.into(), reason.into())
                        }
                        TypedError::Expiry(typed) => strings.invoke_expiry_not_a_date(typed.into()),
                    };
                    shell::show_bad(w, &c, text);
                }
            }
            w.invoke_focus_scan_input();
        })
    });

    adapter.on_skip_item(wiring.on(|w, c| act(w, c, Action::Skip)));
    adapter.on_close_receipt(wiring.on(|w, c| act(w, c, Action::Close)));
    // A carton without a label: its item chosen from the lines; the item label is queued
    // with the receipt.
    adapter.on_key_item(
        wiring.on_arg(|w, c, sku: SharedString| match Sku::new(sku.as_str()) {
            Ok(sku) => act(w, c, Action::KeyItem { sku }),
            Err(error) => tracing::error!(%error, "a receipt line without a valid SKU"),
        }),
    );
    adapter.on_put_down(wiring.on(|w, c| put_down(w, c, &c.receive.job)));
    adapter.on_leave(wiring.on(|w, c| act(w, c, Action::Cancel)));
}

/// The Receive tile: the receipt the device was in, at the same tally, or the deliveries.
pub fn open(window: &MainWindow, controllers: &Rc<Controllers>) {
    let Some(operator) = operator_or_sign_in(window, controllers) else {
        return;
    };
    match controllers.receive.job.resume(&operator) {
        Ok(true) => match controllers.receive.job.prompt() {
            Some(prompt) => {
                show_prompt(window, controllers, &prompt);
                shell::navigate(window, controllers, Screen::Receive);
            }
            None => show_documents(window, controllers),
        },
        Ok(false) => show_documents(window, controllers),
        Err(error) => {
            show_documents(window, controllers);
            problem(window, controllers, &error);
        }
    }
}

fn show_documents(window: &MainWindow, controllers: &Rc<Controllers>) {
    let documents = controllers.receive.documents().unwrap_or_else(|error| {
        tracing::error!(%error, "cannot list the deliveries");
        Vec::new()
    });
    let strings = window.global::<Strings>();
    let rows: Vec<ReceiveDocumentRow> = documents
        .iter()
        .map(|d| ReceiveDocumentRow {
            kind: if d.document.kind == DocumentKind::Po {
                "po"
            } else {
                "asn"
            }
            .into(),
            number: d.document.number.as_str().into(),
            label: strings.invoke_receive_document_row(
                d.document.number.as_str().into(),
                count(d.lines),
                count(d.units),
            ),
        })
        .collect();
    let adapter = window.global::<ReceiveAdapter>();
    adapter.set_documents(ModelRc::new(VecModel::from(rows)));
    adapter.set_dock(dock_text(controllers).into());
    adapter.set_stage(ReceiveStage::Documents);
    adapter.set_more_open(false);
    adapter.set_confirm_close(false);
    shell::navigate(window, controllers, Screen::Receive);
}

fn dock_text(controllers: &Controllers) -> String {
    match controllers.receive.dock() {
        Ok(dock) => dock.map(|d| d.as_str().to_owned()).unwrap_or_default(),
        Err(error) => {
            tracing::error!(%error, "cannot read the docks");
            String::new()
        }
    }
}

fn start(
    window: &MainWindow,
    controllers: &Rc<Controllers>,
    document: DocumentRef,
    sscc: Option<String>,
) {
    let Some(operator) = operator_or_sign_in(window, controllers) else {
        return;
    };
    let strings = window.global::<Strings>();
    let dock = match controllers.receive.dock() {
        Ok(Some(dock)) => dock,
        Ok(None) => {
            shell::show_bad(
                window,
                controllers,
                strings.invoke_bad_with(strings.get_receive_scan_dock()),
            );
            return;
        }
        Err(error) => return problem(window, controllers, &error),
    };
    match controllers.receive.start(operator, dock, document, sscc) {
        Ok(prompt) => {
            show_prompt(window, controllers, &prompt);
            shell::navigate(window, controllers, Screen::Receive);
        }
        Err(JobError::Session(SessionError::Open(refused))) => {
            show_refused(window, controllers, &refused)
        }
        Err(error) => problem(window, controllers, &error),
    }
}

/// A scan while Receive is up: a delivery, pallet or dock label on the list; into the
/// open receipt otherwise. Anything else on the list is a look-up.
pub fn scan(window: &MainWindow, controllers: &Rc<Controllers>, scan: &Scan) {
    if controllers.receive.job.prompt().is_none() {
        let strings = window.global::<Strings>();
        match controllers.receive.list_scan(scan) {
            Ok(ListScan::Delivery(document, sscc)) => {
                start(window, controllers, document, sscc);
                if controllers.receive.job.is_open() {
                    shell::show_good(window, controllers, strings.get_good_scan());
                }
            }
            Ok(ListScan::Dock(dock)) => {
                controllers.receive.choose_dock(dock.clone());
                show_documents(window, controllers);
                shell::show_good(
                    window,
                    controllers,
                    strings.invoke_dock_chosen(dock.as_str().into()),
                );
            }
            Ok(ListScan::NotADock(code)) => shell::show_bad(
                window,
                controllers,
                strings.invoke_not_a_dock(code.as_str().into()),
            ),
            Ok(ListScan::Other) => {
                shell::navigate(window, controllers, Screen::Lookup);
                super::lookup::show_scan(window, controllers, scan);
            }
            Err(error) => problem(window, controllers, &error),
        }
        return;
    }
    let answer = controllers.receive.job.scan(scan);
    answer_with(window, controllers, answer);
}

fn act(window: &MainWindow, controllers: &Rc<Controllers>, action: Action) {
    let answer = act_on(window, &controllers.receive.job, action);
    answer_with(window, controllers, answer);
}

fn answer_with(window: &MainWindow, controllers: &Rc<Controllers>, answer: Result<Step, JobError>) {
    show_answer(
        window,
        controllers,
        answer,
        || show_documents(window, controllers),
        |prompt| show_prompt(window, controllers, prompt),
        || open(window, controllers),
    );
}

/// Fills the view from the workflow's prompt.
pub fn show_prompt(window: &MainWindow, controllers: &Controllers, prompt: &Prompt) {
    let adapter = window.global::<ReceiveAdapter>();
    adapter.set_more_open(false);
    adapter.set_confirm_close(false);
    if let Some(JobSpec::Receive { dock, .. }) = controllers.receive.job.spec() {
        adapter.set_dock(dock.as_str().into());
    }
    let item = |label: &dockhand_app::workflow::ItemLabel| {
        adapter.set_item_name(label.name.as_str().into());
        adapter.set_sku(label.sku.as_str().into());
    };
    match prompt {
        Prompt::ReceiveItems { document, lines } => {
            adapter.set_document(document.clone().unwrap_or_default().into());
            let rows: Vec<ReceiveLineRow> = lines
                .iter()
                .map(|line| ReceiveLineRow {
                    name: if line.item.name.is_empty() {
                        line.item.words().into()
                    } else {
                        line.item.name.as_str().into()
                    },
                    sku: line.item.sku.as_str().into(),
                    received: count(line.received.units()),
                    expected: count(line.expected.map_or(0, |e| e.units())),
                    has_expected: line.expected.is_some(),
                })
                .collect();
            let complete = lines
                .iter()
                .filter(|l| l.expected.is_some_and(|e| !e.is_zero() && l.received >= e))
                .count();
            adapter.set_lines_complete(count(complete));
            let choices: Vec<SharedString> = rows
                .iter()
                .map(|r| format!("{} · {}", r.name, r.sku).into())
                .collect();
            adapter.set_unlabelled_items(ModelRc::new(VecModel::from(choices)));
            adapter.set_lines(ModelRc::new(VecModel::from(rows)));
            adapter.set_stage(ReceiveStage::Items);
        }
        Prompt::EnterQuantity {
            item: label,
            unit,
            base_units,
        } => {
            item(label);
            adapter.set_lot(Default::default());
            adapter.set_unit(unit.as_str().into());
            adapter.set_base_units(count((*base_units).max(1)));
            adapter.set_quantity(1);
            adapter.set_quantity_fresh(true);
            adapter.set_stage(ReceiveStage::Quantity);
        }
        Prompt::ReceiveLotExpiry {
            item: label,
            lot,
            need_lot,
            need_expiry,
            ..
        } => {
            item(label);
            adapter.set_lot(lot.as_ref().map(|l| l.as_str().into()).unwrap_or_default());
            adapter.set_need_lot(*need_lot);
            adapter.set_need_expiry(*need_expiry);
            adapter.set_lot_text(Default::default());
            adapter.set_expiry_text(Default::default());
            adapter.set_stage(ReceiveStage::LotExpiry);
        }
        other => {
            tracing::warn!(?other, "a receive prompt the screen does not lay out");
            adapter.set_detail(other.text().into());
            adapter.set_stage(ReceiveStage::Other);
        }
    }
}
