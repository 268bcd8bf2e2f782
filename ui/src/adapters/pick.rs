//! Pick: the task list, then the workflow's prompt line by line. Scans and buttons go to
//! the `PickController`; each step's prompt fills `PickAdapter` and its feedback drives the
//! band (the workflow's own words on red). A finished or left task returns to Home.

use std::rc::Rc;

use dockhand_app::barcode::Scan;
use dockhand_app::workflow::{Action, Prompt, Step};
use slint::{ComponentHandle, ModelRc, SharedString, VecModel};

use super::job_step::{operator_or_sign_in, show_feedback, show_refused};
use super::wiring::{Wiring, quantity};
use super::{count, shell};
use crate::app::Controllers;
use crate::controllers::pick::PickError;
use crate::{MainWindow, PickAdapter, PickStage, PickTaskRow, Screen, Strings};

pub fn connect(window: &MainWindow, controllers: &Rc<Controllers>) {
    let adapter = window.global::<PickAdapter>();
    let wiring = Wiring::new(window, controllers);
    adapter.on_choose_task(wiring.on_arg(|w, c, task: SharedString| start(w, c, &task)));
    adapter.on_short_pick(wiring.on_arg(|w, c, reason: SharedString| {
        act(
            w,
            c,
            Action::ShortPick {
                reason: reason.to_string(),
            },
        )
    }));
    adapter.on_keep_lot(wiring.on_arg(|w, c, reason: SharedString| {
        act(
            w,
            c,
            Action::Override {
                reason: reason.to_string(),
            },
        )
    }));
    adapter.on_skip(wiring.on(|w, c| act(w, c, Action::Skip)));
    adapter.on_confirm_quantity(wiring.on_arg(|w, c, n| act(w, c, quantity(n))));
    adapter.on_confirm(wiring.on(|w, c| act(w, c, Action::Confirm)));
    adapter.on_put_down(wiring.on(|w, c| {
        c.pick.put_down();
        shell::navigate(w, c, Screen::Home);
    }));
    adapter.on_leave(wiring.on(|w, c| act(w, c, Action::Cancel)));
}

/// The Pick tile: the job the device was in, at the same line, or the open tasks.
pub fn open(window: &MainWindow, controllers: &Rc<Controllers>) {
    let Some(operator) = operator_or_sign_in(window, controllers) else {
        return;
    };
    match controllers.pick.resume(&operator) {
        Ok(true) => match controllers.pick.prompt() {
            Some(prompt @ Prompt::TaskComplete { .. }) | Some(prompt @ Prompt::JobLeft) => {
                tracing::info!(?prompt, "the open pick job has nothing left");
                controllers.pick.put_down();
                show_tasks(window, controllers);
            }
            Some(prompt) => {
                show_prompt(window, &prompt);
                shell::navigate(window, controllers, Screen::Pick);
            }
            None => show_tasks(window, controllers),
        },
        Ok(false) => show_tasks(window, controllers),
        Err(error) => {
            tracing::error!(%error, "cannot reopen the open pick job");
            show_tasks(window, controllers);
            problem(window, controllers, &error);
        }
    }
}

fn show_tasks(window: &MainWindow, controllers: &Rc<Controllers>) {
    let tasks = controllers.pick.tasks().unwrap_or_else(|error| {
        tracing::error!(%error, "cannot list the pick tasks");
        Vec::new()
    });
    let strings = window.global::<Strings>();
    let rows: Vec<PickTaskRow> = tasks
        .iter()
        .map(|t| PickTaskRow {
            task: t.task.as_str().into(),
            label: strings.invoke_pick_task_row(
                t.task.as_str().into(),
                count(t.lines),
                count(t.units),
            ),
        })
        .collect();
    let adapter = window.global::<PickAdapter>();
    adapter.set_tasks(ModelRc::new(VecModel::from(rows)));
    adapter.set_stage(PickStage::Tasks);
    adapter.set_choosing_reason(false);
    adapter.set_more_open(false);
    shell::navigate(window, controllers, Screen::Pick);
}

fn start(window: &MainWindow, controllers: &Rc<Controllers>, task: &str) {
    let Some(operator) = operator_or_sign_in(window, controllers) else {
        return;
    };
    let task = match dockhand_app::domain::TaskId::new(task) {
        Ok(task) => task,
        Err(error) => {
            tracing::error!(%error, "a listed task has no valid id");
            return;
        }
    };
    match controllers.pick.start(operator, &task) {
        Ok(prompt) => {
            show_prompt(window, &prompt);
            shell::navigate(window, controllers, Screen::Pick);
        }
        Err(PickError::Session(dockhand_app::workflow::SessionError::Open(refused))) => {
            show_refused(window, controllers, &refused)
        }
        Err(error) => problem(window, controllers, &error),
    }
}

/// A scan while Pick is up: into the open job; on the task list a task label opens it.
pub fn scan(window: &MainWindow, controllers: &Rc<Controllers>, scan: &Scan) {
    if controllers.pick.prompt().is_none() {
        if let Some(task) = controllers.pick.task_from_scan(scan) {
            start(window, controllers, task.as_str());
        } else {
            shell::navigate(window, controllers, Screen::Lookup);
            super::lookup::show_scan(window, controllers, scan);
        }
        return;
    }
    let answer = controllers.pick.scan(scan);
    answer_with(window, controllers, answer);
}

fn act(window: &MainWindow, controllers: &Rc<Controllers>, action: Action) {
    shell::clear_feedback(window);
    let answer = controllers.pick.act(action);
    answer_with(window, controllers, answer);
}

fn answer_with(
    window: &MainWindow,
    controllers: &Rc<Controllers>,
    answer: Result<Step, PickError>,
) {
    let strings = window.global::<Strings>();
    match answer {
        Ok(step) if step.done => {
            // Finished or left: say so on Home.
            shell::navigate(window, controllers, Screen::Home);
            shell::show_good(
                window,
                controllers,
                strings.invoke_good_with(step.prompt.text().into()),
            );
        }
        Ok(step) => {
            show_prompt(window, &step.prompt);
            show_feedback(window, controllers, &step.feedback);
        }
        Err(PickError::NoJob) => open(window, controllers),
        Err(error) => problem(window, controllers, &error),
    }
}

fn problem(window: &MainWindow, controllers: &Controllers, error: &PickError) {
    let strings = window.global::<Strings>();
    shell::show_bad(
        window,
        controllers,
        strings.invoke_device_problem(error.to_string().into()),
    );
}

/// Fills the view from the workflow's prompt. Stages that say less than the one before
/// (the quantity) keep the bin and line already shown.
pub fn show_prompt(window: &MainWindow, prompt: &Prompt) {
    let adapter = window.global::<PickAdapter>();
    adapter.set_choosing_reason(false);
    adapter.set_lot_reason(false);
    adapter.set_more_open(false);
    let item = |label: &dockhand_app::workflow::ItemLabel| {
        adapter.set_item_name(label.name.as_str().into());
        adapter.set_sku(label.sku.as_str().into());
    };
    match prompt {
        Prompt::ScanTote => {
            adapter.set_progress(SharedString::new());
            adapter.set_stage(PickStage::Tote);
        }
        Prompt::ScanPickLocation {
            location,
            item: label,
            qty,
            lot,
            line,
            of,
        }
        | Prompt::ScanPickItem {
            location,
            item: label,
            qty,
            lot,
            line,
            of,
        } => {
            adapter.set_bin(location.as_str().into());
            item(label);
            adapter.set_qty(count(qty.units()));
            adapter.set_lot(lot.as_ref().map(|l| l.as_str().into()).unwrap_or_default());
            adapter.set_progress(dockhand_app::workflow::text::progress(*line, *of).into());
            adapter.set_stage(if matches!(prompt, Prompt::ScanPickLocation { .. }) {
                PickStage::Bin
            } else {
                PickStage::Item
            });
        }
        Prompt::PickQuantity {
            item: label,
            remaining,
            unit,
            base_units,
        } => {
            item(label);
            let per = i64::from((*base_units).max(1));
            let most = (remaining.units() / per).max(1);
            adapter.set_unit(unit.as_str().into());
            adapter.set_base_units(count(per));
            adapter.set_max_quantity(count(most));
            adapter.set_quantity(count(most));
            adapter.set_stage(PickStage::Quantity);
        }
        Prompt::ScanSerials { item: label, .. } => {
            item(label);
            adapter.set_detail(prompt.text().into());
            adapter.set_stage(PickStage::Serials);
        }
        Prompt::FefoReason {
            item: label,
            earliest_lot,
            earliest_expiry,
            ..
        } => {
            item(label);
            adapter.set_first_lot(earliest_lot.as_str().into());
            adapter.set_first_expiry(earliest_expiry.to_string().into());
            adapter.set_stage(PickStage::LotCheck);
        }
        other => {
            // Not a picking prompt: say it in the workflow's words where serials go.
            tracing::warn!(?other, "a pick prompt the screen does not lay out");
            adapter.set_detail(other.text().into());
            adapter.set_stage(PickStage::Serials);
        }
    }
}
