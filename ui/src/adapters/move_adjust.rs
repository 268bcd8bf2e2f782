//! Move / adjust: from-bin, item, quantity, to-bin as the workflow asks; or a correction
//! of the bin's count with a reason code. Each recorded change says so in green and the
//! screen is ready for the next one.

use std::rc::Rc;

use dockhand_app::barcode::Scan;
use dockhand_app::workflow::{Action, Prompt, Step};
use slint::ComponentHandle;

use super::job_step::{act_on, close_quietly, operator_or_sign_in, problem, show_feedback};
use super::wiring::{Wiring, quantity};
use super::{count, shell, with_window};
use crate::app::Controllers;
use crate::controllers::job_session::JobError;
use crate::controllers::move_adjust::MoveController;
use crate::{MainWindow, MoveAdapter, MoveStage, Screen};

pub fn connect(window: &MainWindow, controllers: &Rc<Controllers>) {
    let adapter = window.global::<MoveAdapter>();
    let wiring = Wiring::new(window, controllers);
    adapter.on_confirm_quantity(wiring.on_arg(|w, c, n| act(w, c, quantity(n))));
    adapter.on_confirm_serials(wiring.on(|w, c| act(w, c, Action::Confirm)));

    // Two arguments: wired by hand.
    let (weak, c) = (window.as_weak(), controllers.clone());
    adapter.on_adjust(move |delta, reason| {
        with_window(&weak, |w| {
            let action = usize::try_from(reason)
                .ok()
                .and_then(|r| MoveController::adjustment(i64::from(delta), r));
            match action {
                Some(action) => act(w, &c, action),
                None => tracing::error!(reason, "no such adjustment reason"),
            }
        })
    });

    adapter.on_finish(wiring.on(|w, c| {
        // Each change is recorded when confirmed: leaving loses nothing.
        if c.moves.job.is_open() {
            close_quietly(&c.moves.job, "move");
        }
        show_start(w);
        shell::navigate(w, c, Screen::Home);
    }));
    adapter.on_leave(wiring.on(|w, c| act(w, c, Action::Cancel)));
}

/// The Move tile: ready for the first bin.
pub fn open(window: &MainWindow, controllers: &Rc<Controllers>) {
    if operator_or_sign_in(window, controllers).is_none() {
        return;
    }
    match controllers.moves.job.prompt() {
        Some(prompt) => show_prompt(window, &prompt),
        None => show_start(window),
    }
    shell::navigate(window, controllers, Screen::MoveAdjust);
}

fn show_start(window: &MainWindow) {
    let adapter = window.global::<MoveAdapter>();
    adapter.set_more_open(false);
    adapter.set_adjusting(false);
    adapter.set_choosing_reason(false);
    adapter.set_stage(MoveStage::Source);
}

/// A scan while Move is up goes to the job (opened by the first scan).
pub fn scan(window: &MainWindow, controllers: &Rc<Controllers>, scan: &Scan) {
    let Some(operator) = operator_or_sign_in(window, controllers) else {
        return;
    };
    let answer = controllers.moves.scan(operator, scan);
    answer_with(window, controllers, answer);
}

fn act(window: &MainWindow, controllers: &Rc<Controllers>, action: Action) {
    let answer = act_on(window, &controllers.moves.job, action);
    answer_with(window, controllers, answer);
}

fn answer_with(window: &MainWindow, controllers: &Rc<Controllers>, answer: Result<Step, JobError>) {
    match answer {
        Ok(step) if step.done => {
            // Cancelled half way: back to the first question, nothing was recorded.
            show_start(window);
            show_feedback(window, controllers, &step.feedback);
        }
        Ok(step) => {
            show_prompt(window, &step.prompt);
            show_feedback(window, controllers, &step.feedback);
        }
        Err(JobError::NoJob) => show_start(window),
        Err(error) => problem(window, controllers, &error),
    }
}

/// Fills the view from the workflow's prompt.
pub fn show_prompt(window: &MainWindow, prompt: &Prompt) {
    let adapter = window.global::<MoveAdapter>();
    adapter.set_more_open(false);
    adapter.set_adjusting(false);
    adapter.set_choosing_reason(false);
    let item = |label: &dockhand_app::workflow::ItemLabel| {
        adapter.set_item_name(label.name.as_str().into());
        adapter.set_sku(label.sku.as_str().into());
    };
    match prompt {
        Prompt::ScanSourceBin => adapter.set_stage(MoveStage::Source),
        Prompt::ScanMoveItem { from } => {
            adapter.set_from(from.as_str().into());
            adapter.set_stage(MoveStage::Item);
        }
        Prompt::MoveQuantity {
            item: label,
            available,
        } => {
            item(label);
            adapter.set_available(count(*available));
            adapter.set_quantity(1);
            adapter.set_quantity_fresh(true);
            adapter.set_stage(MoveStage::Quantity);
        }
        Prompt::ScanSerials {
            item: label,
            scanned,
            of,
        } => {
            item(label);
            adapter.set_available(count(of.units()));
            adapter.set_serials_scanned(count(*scanned));
            adapter.set_stage(MoveStage::Serials);
        }
        Prompt::ScanTargetBin { item: label, qty } => {
            item(label);
            adapter.set_qty(count(qty.units()));
            adapter.set_stage(MoveStage::Target);
        }
        other => {
            tracing::warn!(?other, "a move prompt the screen does not lay out");
            show_start(window);
        }
    }
}
