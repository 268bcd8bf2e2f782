//! Put away: what waits at the dock, then the workflow's prompt for the item carried —
//! the suggested bin, the item, the quantity. A wrong bin comes back red in the
//! workflow's words, which name the bin expected.

use std::rc::Rc;

use dockhand_app::barcode::Scan;
use dockhand_app::workflow::{Action, Prompt, Step};
use slint::{ComponentHandle, ModelRc, SharedString, VecModel};

use super::job_step::{
    act_on, close_quietly, operator_or_sign_in, problem, put_down, resume_or_sign_in, show_answer,
};
use super::wiring::{Wiring, quantity};
use super::{count, shell};
use crate::app::Controllers;
use crate::controllers::job_session::JobError;
use crate::controllers::putaway::DockScan;
use crate::{MainWindow, PutawayAdapter, PutawayStage, Screen, Strings};

pub fn connect(window: &MainWindow, controllers: &Rc<Controllers>) {
    let adapter = window.global::<PutawayAdapter>();
    let wiring = Wiring::new(window, controllers);
    adapter.on_set_quantity(wiring.on_arg(|w, c, n| act(w, c, quantity(n))));
    adapter.on_other_bin(wiring.on_arg(|w, c, reason: SharedString| {
        act(
            w,
            c,
            Action::Override {
                reason: reason.to_string(),
            },
        )
    }));
    adapter.on_put_down(wiring.on(|w, c| {
        // Nothing carried: nothing to continue, so no open job is left behind.
        if matches!(c.putaway.job.prompt(), Some(Prompt::ScanPutawayItem { .. })) {
            close_quietly(&c.putaway.job, "putaway");
        }
        put_down(w, c, &c.putaway.job);
    }));
    adapter.on_leave(wiring.on(|w, c| act(w, c, Action::Cancel)));
}

/// The Put away tile: the item being carried, if any, else what waits at the dock.
pub fn open(window: &MainWindow, controllers: &Rc<Controllers>) {
    if !resume_or_sign_in(window, controllers, &controllers.putaway.job) {
        return;
    }
    match controllers.putaway.job.prompt() {
        Some(prompt @ Prompt::ScanPutawayBin { .. })
        | Some(prompt @ Prompt::ScanOverrideBin { .. }) => {
            show_prompt(window, &prompt);
            shell::navigate(window, controllers, Screen::Putaway);
        }
        _ => show_waiting(window, controllers),
    }
}

fn show_waiting(window: &MainWindow, controllers: &Rc<Controllers>) {
    let strings = window.global::<Strings>();
    let waiting = controllers.putaway.waiting().unwrap_or_else(|error| {
        tracing::error!(%error, "cannot read the dock");
        Vec::new()
    });
    let lines: Vec<SharedString> = waiting
        .iter()
        .map(|w| strings.invoke_waiting_line(count(w.qty), w.item.words().into()))
        .collect();
    let adapter = window.global::<PutawayAdapter>();
    let dock = controllers.putaway.dock().unwrap_or_else(|error| {
        tracing::error!(%error, "cannot read the docks");
        None
    });
    adapter.set_dock(dock.map(|d| d.as_str().into()).unwrap_or_default());
    adapter.set_waiting(ModelRc::new(VecModel::from(lines)));
    adapter.set_stage(PutawayStage::Item);
    adapter.set_more_open(false);
    adapter.set_choosing_reason(false);
    adapter.set_choosing_quantity(false);
    shell::navigate(window, controllers, Screen::Putaway);
}

/// A scan while Put away is up: a dock label changes the dock; the rest goes to the job.
pub fn scan(window: &MainWindow, controllers: &Rc<Controllers>, scan: &Scan) {
    let carrying = !matches!(
        controllers.putaway.job.prompt(),
        None | Some(Prompt::ScanPutawayItem { .. })
    );
    if !carrying {
        match controllers.putaway.dock_scan(scan) {
            Ok(DockScan::Dock(dock)) => {
                let chosen = controllers.putaway.choose_dock(dock.clone());
                show_waiting(window, controllers);
                match chosen {
                    Ok(()) => {
                        let strings = window.global::<Strings>();
                        shell::show_good(
                            window,
                            controllers,
                            strings.invoke_dock_chosen(dock.as_str().into()),
                        );
                    }
                    Err(error) => problem(window, controllers, &error),
                }
                return;
            }
            Ok(DockScan::ForJob) => {}
            Err(error) => return problem(window, controllers, &error),
        }
    }
    let Some(operator) = operator_or_sign_in(window, controllers) else {
        return;
    };
    let answer = controllers.putaway.scan(operator, scan);
    answer_with(window, controllers, answer);
}

fn act(window: &MainWindow, controllers: &Rc<Controllers>, action: Action) {
    let answer = act_on(window, &controllers.putaway.job, action);
    answer_with(window, controllers, answer);
}

fn answer_with(window: &MainWindow, controllers: &Rc<Controllers>, answer: Result<Step, JobError>) {
    show_answer(
        window,
        controllers,
        answer,
        || show_waiting(window, controllers),
        |prompt| match prompt {
            Prompt::ScanPutawayItem { .. } => show_waiting(window, controllers),
            prompt => show_prompt(window, prompt),
        },
        || show_waiting(window, controllers),
    );
}

/// Fills the view from the workflow's prompt for the item carried.
pub fn show_prompt(window: &MainWindow, prompt: &Prompt) {
    let adapter = window.global::<PutawayAdapter>();
    adapter.set_more_open(false);
    adapter.set_choosing_reason(false);
    adapter.set_choosing_quantity(false);
    match prompt {
        Prompt::ScanPutawayBin {
            item,
            qty,
            suggested,
        } => {
            adapter.set_item_name(item.name.as_str().into());
            adapter.set_sku(item.sku.as_str().into());
            adapter.set_qty(count(qty.units()));
            // The most that can be carried is what was waiting when the item was scanned.
            if adapter.get_stage() == PutawayStage::Item {
                adapter.set_max_quantity(count(qty.units()));
            }
            adapter.set_suggested(
                suggested
                    .as_ref()
                    .map(|s| s.as_str().into())
                    .unwrap_or_default(),
            );
            adapter.set_stage(PutawayStage::Bin);
        }
        Prompt::ScanOverrideBin { item, reason } => {
            adapter.set_item_name(item.name.as_str().into());
            adapter.set_sku(item.sku.as_str().into());
            adapter.set_reason(reason.as_str().into());
            adapter.set_stage(PutawayStage::OtherBin);
        }
        other => tracing::warn!(?other, "a putaway prompt the screen does not lay out"),
    }
}
