//! Pack: order (or tote), then items into the carton as the workflow checks them against
//! the order, then the carton label. A packed order returns to "scan order or tote".

use std::rc::Rc;

use dockhand_app::barcode::Scan;
use dockhand_app::domain::{EventBody, OrderNumber};
use dockhand_app::label::LabelError;
use dockhand_app::workflow::{Action, JobSpec, Prompt, Step};
use slint::{ComponentHandle, Model, ModelRc, SharedString, VecModel};

use super::job_step::{
    act_on, close_quietly, operator_or_sign_in, problem, put_down, resume_or_sign_in, show_answer,
};
use super::wiring::Wiring;
use super::{count, labels, shell};
use crate::app::Controllers;
use crate::controllers::job_session::JobError;
use crate::controllers::labels::{BuiltPallet, LabelsError};
use crate::{MainWindow, PackAdapter, PackRow, PackStage, PalletOrderRow, Screen, Strings};

pub fn connect(window: &MainWindow, controllers: &Rc<Controllers>) {
    let adapter = window.global::<PackAdapter>();
    let wiring = Wiring::new(window, controllers);
    adapter.on_close_carton(wiring.on(|w, c| act(w, c, Action::Close)));
    adapter.on_print_and_close(wiring.on(print_and_close));
    adapter.on_choose_pallet(wiring.on(|w, c| {
        shell::clear_feedback(w);
        show_pallet_orders(w, c);
        w.global::<PackAdapter>().set_choosing_pallet(true);
    }));
    adapter.on_build_pallet(wiring.on_arg(|w, c, order: SharedString| build_pallet(w, c, &order)));
    adapter.on_put_down(wiring.on(|w, c| {
        // No order yet: nothing to continue, so no open job is left behind.
        if matches!(c.pack.job.prompt(), Some(Prompt::ScanOrder)) {
            close_quietly(&c.pack.job, "pack");
        }
        put_down(w, c, &c.pack.job);
    }));
    adapter.on_leave(wiring.on(|w, c| act(w, c, Action::Cancel)));
}

/// The Pack tile: the order the device was packing, or "scan order or tote".
pub fn open(window: &MainWindow, controllers: &Rc<Controllers>) {
    if !resume_or_sign_in(window, controllers, &controllers.pack.job) {
        return;
    }
    show_pallet_orders(window, controllers);
    match controllers.pack.job.prompt() {
        Some(prompt) => show_prompt(window, controllers, &prompt),
        None => show_start(window, controllers),
    }
    shell::navigate(window, controllers, Screen::Pack);
}

fn show_start(window: &MainWindow, controllers: &Controllers) {
    let adapter = window.global::<PackAdapter>();
    let station = controllers.pack.station().unwrap_or_else(|error| {
        tracing::error!(%error, "cannot read the pack stations");
        None
    });
    adapter.set_station(station.map(|s| s.as_str().into()).unwrap_or_default());
    adapter.set_more_open(false);
    adapter.set_in_carton(0);
    adapter.set_stage(PackStage::Order);
    adapter.set_choosing_pallet(false);
    show_pallet_orders(window, controllers);
}

/// A scan while Pack is up: a pack station label before an order changes the station; the
/// rest goes to the job (opened by the first scan).
pub fn scan(window: &MainWindow, controllers: &Rc<Controllers>, scan: &Scan) {
    let starting = matches!(
        controllers.pack.job.prompt(),
        None | Some(Prompt::ScanOrder)
    );
    if starting {
        match controllers.pack.station_from_scan(scan) {
            Ok(Some(station)) => {
                if controllers.pack.job.is_open() {
                    close_quietly(&controllers.pack.job, "pack");
                }
                controllers.pack.choose_station(station.clone());
                show_start(window, controllers);
                let strings = window.global::<Strings>();
                shell::show_good(
                    window,
                    controllers,
                    strings.invoke_station_chosen(station.as_str().into()),
                );
                return;
            }
            Ok(None) => {}
            Err(error) => return problem(window, controllers, &error),
        }
    }
    let Some(operator) = operator_or_sign_in(window, controllers) else {
        return;
    };
    let answer = controllers.pack.scan(operator, scan);
    answer_with(window, controllers, answer);
}

/// Closes the carton on the next SSCC of this device's leased block; the carton label is
/// queued with the carton's facts. No SSCC left: red, and the scan-a-label path stays.
fn print_and_close(window: &MainWindow, controllers: &Rc<Controllers>) {
    shell::clear_feedback(window);
    match controllers.labels.take_sscc() {
        Ok(sscc) => act(window, controllers, Action::CloseWithSscc { sscc }),
        Err(error) => labels::problem(window, controllers, &error),
    }
}

/// Puts `order`'s closed cartons that are on no pallet yet on a pallet with a new SSCC and
/// queues its label. The chooser stays up while other orders wait for a pallet.
fn build_pallet(window: &MainWindow, controllers: &Rc<Controllers>, order: &str) {
    shell::clear_feedback(window);
    let strings = window.global::<Strings>();
    let Some(operator) = operator_or_sign_in(window, controllers) else {
        return;
    };
    let built = OrderNumber::new(order)
        .map_err(|e| LabelsError::Label(LabelError::Data(e.to_string())))
        .and_then(|order| controllers.labels.build_pallet(&operator, &order));
    show_pallet_orders(window, controllers);
    let adapter = window.global::<PackAdapter>();
    if adapter.get_pallet_orders().row_count() == 0 {
        adapter.set_choosing_pallet(false);
    }
    match built {
        Ok(BuiltPallet {
            sscc,
            label_problem: Some(reason),
            ..
        }) => shell::show_bad(
            window,
            controllers,
            strings.invoke_pallet_label_unprintable(sscc.into(), reason.into()),
        ),
        Ok(BuiltPallet { sscc, cartons, .. }) => shell::show_good(
            window,
            controllers,
            strings.invoke_pallet_label_queued(sscc.into(), count(cartons)),
        ),
        Err(LabelsError::Pallet(refused)) => shell::show_bad(
            window,
            controllers,
            strings.invoke_pallet_refused(refused.to_string().into()),
        ),
        Err(error) => labels::problem(window, controllers, &error),
    }
}

/// The orders "Build pallet" offers, from the journal.
fn show_pallet_orders(window: &MainWindow, controllers: &Controllers) {
    let rows: Vec<PalletOrderRow> = controllers
        .labels
        .orders_to_palletise()
        .unwrap_or_else(|error| {
            tracing::error!(%error, "cannot read the cartons waiting for a pallet");
            vec![]
        })
        .iter()
        .map(|o| PalletOrderRow {
            order: o.order.as_str().into(),
            cartons: count(o.cartons.len()),
        })
        .collect();
    window
        .global::<PackAdapter>()
        .set_pallet_orders(ModelRc::new(VecModel::from(rows)));
}

fn act(window: &MainWindow, controllers: &Rc<Controllers>, action: Action) {
    let answer = act_on(window, &controllers.pack.job, action);
    answer_with(window, controllers, answer);
}

fn answer_with(window: &MainWindow, controllers: &Rc<Controllers>, answer: Result<Step, JobError>) {
    // A carton closed: one more order (or carton) for "Build pallet".
    if let Ok(step) = &answer
        && step.events.iter().any(|e| matches!(e, EventBody::Pack(_)))
    {
        show_pallet_orders(window, controllers);
    }
    show_answer(
        window,
        controllers,
        answer,
        || show_start(window, controllers),
        |prompt| show_prompt(window, controllers, prompt),
        || {
            show_start(window, controllers);
            let strings = window.global::<Strings>();
            shell::show_bad(
                window,
                controllers,
                strings.invoke_bad_with(strings.get_pack_scan_station()),
            );
        },
    );
}

/// Fills the view from the workflow's prompt.
pub fn show_prompt(window: &MainWindow, controllers: &Controllers, prompt: &Prompt) {
    let adapter = window.global::<PackAdapter>();
    adapter.set_more_open(false);
    adapter.set_choosing_pallet(false);
    if let Some(JobSpec::Pack { station, .. }) = controllers.pack.job.spec() {
        adapter.set_station(station.as_str().into());
    }
    match prompt {
        Prompt::ScanOrder => show_start(window, controllers),
        Prompt::ScanOrderTote { order } => {
            adapter.set_order(order.as_str().into());
            adapter.set_remaining(ModelRc::default());
            adapter.set_stage(PackStage::Tote);
        }
        Prompt::PackItems {
            order,
            remaining,
            in_carton,
        } => {
            adapter.set_order(order.as_str().into());
            let rows: Vec<PackRow> = remaining
                .iter()
                .map(|(item, qty)| PackRow {
                    name: item.name.as_str().into(),
                    sku: item.sku.as_str().into(),
                    qty: count(qty.units()),
                })
                .collect();
            adapter.set_remaining(ModelRc::new(VecModel::from(rows)));
            adapter.set_in_carton(count(*in_carton));
            adapter.set_stage(PackStage::Items);
        }
        Prompt::ScanCartonLabel { order } => {
            adapter.set_order(order.as_str().into());
            adapter.set_remaining(ModelRc::default());
            adapter.set_stage(PackStage::CartonLabel);
        }
        other => {
            tracing::warn!(?other, "a pack prompt the screen does not lay out");
            show_start(window, controllers);
        }
    }
}
