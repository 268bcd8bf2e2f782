//! Count: a bin scan opens its blind count; then the workflow's prompt item by item. The
//! view is only ever given what the counter may see: never the expected quantity (the
//! workflow's prompts do not carry it). A finished bin returns to "scan a bin".

use std::rc::Rc;

use dockhand_app::barcode::Scan;
use dockhand_app::workflow::{Action, JobSpec, Prompt, SessionError, Step};
use slint::ComponentHandle;

use super::job_step::{
    act_on, operator_or_sign_in, problem, put_down, resume_or_sign_in, show_answer, show_refused,
};
use super::wiring::{Wiring, quantity};
use super::{count, shell};
use crate::app::Controllers;
use crate::controllers::job_session::JobError;
use crate::{CountAdapter, CountStage, MainWindow, Screen, Strings};

pub fn connect(window: &MainWindow, controllers: &Rc<Controllers>) {
    let adapter = window.global::<CountAdapter>();
    let wiring = Wiring::new(window, controllers);
    adapter.on_confirm_quantity(wiring.on_arg(|w, c, n| act(w, c, quantity(n))));
    adapter.on_confirm_serials(wiring.on(|w, c| act(w, c, Action::Confirm)));
    adapter.on_bin_done(wiring.on(|w, c| act(w, c, Action::Close)));
    adapter.on_count_again(wiring.on(|w, c| act(w, c, Action::Recount)));
    adapter.on_put_down(wiring.on(|w, c| put_down(w, c, &c.count.job)));
    adapter.on_leave(wiring.on(|w, c| act(w, c, Action::Cancel)));
}

/// The Count tile: the count the device was in, at the same item, or "scan a bin".
pub fn open(window: &MainWindow, controllers: &Rc<Controllers>) {
    if !resume_or_sign_in(window, controllers, &controllers.count.job) {
        return;
    }
    match controllers.count.job.prompt() {
        Some(prompt) => show_prompt(window, controllers, &prompt),
        None => show_scan_bin(window),
    }
    shell::navigate(window, controllers, Screen::Count);
}

fn show_scan_bin(window: &MainWindow) {
    let adapter = window.global::<CountAdapter>();
    adapter.set_more_open(false);
    adapter.set_stage(CountStage::Bin);
}

/// A scan while Count is up: a bin starts its count; the rest goes to the open count.
pub fn scan(window: &MainWindow, controllers: &Rc<Controllers>, scan: &Scan) {
    if controllers.count.job.is_open() {
        let answer = controllers.count.job.scan(scan);
        return answer_with(window, controllers, answer);
    }
    let strings = window.global::<Strings>();
    let Some(bin) = controllers.count.bin_from_scan(scan) else {
        shell::show_bad(
            window,
            controllers,
            strings.invoke_bad_with(strings.get_count_scan_bin()),
        );
        return;
    };
    let Some(operator) = operator_or_sign_in(window, controllers) else {
        return;
    };
    match controllers.count.start(operator, bin) {
        Ok(prompt) => {
            show_prompt(window, controllers, &prompt);
            shell::show_good(window, controllers, strings.get_good_scan());
        }
        Err(JobError::Session(SessionError::Open(refused))) => {
            show_refused(window, controllers, &refused)
        }
        Err(error) => problem(window, controllers, &error),
    }
}

fn act(window: &MainWindow, controllers: &Rc<Controllers>, action: Action) {
    let answer = act_on(window, &controllers.count.job, action);
    answer_with(window, controllers, answer);
}

fn answer_with(window: &MainWindow, controllers: &Rc<Controllers>, answer: Result<Step, JobError>) {
    show_answer(
        window,
        controllers,
        answer,
        || show_scan_bin(window),
        |prompt| show_prompt(window, controllers, prompt),
        || show_scan_bin(window),
    );
}

/// Fills the view from the workflow's prompt.
pub fn show_prompt(window: &MainWindow, controllers: &Controllers, prompt: &Prompt) {
    let adapter = window.global::<CountAdapter>();
    adapter.set_more_open(false);
    if let Some(JobSpec::Count { location, .. }) = controllers.count.job.spec() {
        adapter.set_bin(location.as_str().into());
    }
    let item = |label: &dockhand_app::workflow::ItemLabel,
                lot: Option<&dockhand_app::domain::LotCode>| {
        adapter.set_item_name(label.name.as_str().into());
        adapter.set_sku(label.sku.as_str().into());
        adapter.set_lot(lot.map(|l| l.as_str().into()).unwrap_or_default());
    };
    // A blind count starts from nothing: the pad shows 0 and the first digit replaces it.
    let fresh_pad = || {
        adapter.set_quantity(0);
        adapter.set_quantity_fresh(true);
    };
    match prompt {
        Prompt::CountItems {
            location,
            counted_lines,
        } => {
            adapter.set_bin(location.as_str().into());
            adapter.set_counted_lines(count(*counted_lines));
            adapter.set_stage(CountStage::Items);
        }
        Prompt::CountQuantity {
            item: label,
            lot,
            unit,
            base_units,
        } => {
            item(label, lot.as_ref());
            adapter.set_unit(unit.as_str().into());
            adapter.set_base_units(count((*base_units).max(1)));
            fresh_pad();
            adapter.set_stage(CountStage::Quantity);
        }
        Prompt::Recount { item: label, lot } => {
            item(label, lot.as_ref());
            adapter.set_unit("EA".into());
            adapter.set_base_units(1);
            fresh_pad();
            adapter.set_stage(CountStage::Recount);
        }
        Prompt::CountSerials {
            item: label,
            scanned,
        } => {
            item(label, None);
            adapter.set_serials_scanned(count(*scanned));
            adapter.set_stage(CountStage::Serials);
        }
        other => {
            tracing::warn!(?other, "a count prompt the screen does not lay out");
            show_scan_bin(window);
        }
    }
}
