//! Labels: the queue newest first, the preview of the label tapped, its actions, and the
//! "N labels waiting" of the status strip.

use std::rc::Rc;

use dockhand_app::label::queue::Resolution;
use slint::{ComponentHandle, Model, ModelRc, SharedString, VecModel};

use super::{count, shell, with_window};
use crate::app::Controllers;
use crate::controllers::labels::{JobRow, JobStatus, LabelsError};
use crate::{LabelJobRow, LabelsAdapter, MainWindow, Screen, ShellAdapter, Strings};

/// How many jobs the screen lists.
const SHOWN: usize = 50;

pub fn connect(window: &MainWindow, controllers: &Rc<Controllers>) {
    let adapter = window.global::<LabelsAdapter>();

    let (weak, c) = (window.as_weak(), controllers.clone());
    adapter.on_refresh(move || with_window(&weak, |w| worker_changed(w, &c)));

    let (weak, c) = (window.as_weak(), controllers.clone());
    adapter.on_select(move |index| {
        with_window(&weak, |w| {
            w.global::<LabelsAdapter>().set_selected(index);
            show_preview(w, &c);
        })
    });

    let (weak, c) = (window.as_weak(), controllers.clone());
    adapter.on_retry_now(move || {
        with_window(&weak, |w| {
            c.labels.wake();
            refresh(w, &c);
        })
    });

    let (weak, c) = (window.as_weak(), controllers.clone());
    adapter.on_reprint(move || {
        with_window(&weak, |w| {
            if let Some(id) = selected_id(w) {
                let done = c.labels.reprint(&id).map(|_| ());
                after(w, &c, done, true);
            }
        })
    });

    let (weak, c) = (window.as_weak(), controllers.clone());
    adapter.on_cancel_job(move || {
        with_window(&weak, |w| {
            if let Some(id) = selected_id(w) {
                let done = c.labels.cancel(&id).map(|_| ());
                after(w, &c, done, false);
            }
        })
    });

    let (weak, c) = (window.as_weak(), controllers.clone());
    adapter.on_resolve_printed(move || {
        with_window(&weak, |w| {
            if let Some(id) = selected_id(w) {
                let done = c.labels.resolve(&id, Resolution::Printed).map(|_| ());
                after(w, &c, done, false);
            }
        })
    });

    let (weak, c) = (window.as_weak(), controllers.clone());
    adapter.on_resolve_reprint(move || {
        with_window(&weak, |w| {
            if let Some(id) = selected_id(w) {
                let done = c.labels.resolve(&id, Resolution::Reprint).map(|_| ());
                after(w, &c, done, false);
            }
        })
    });
}

/// Called on the UI thread when the print worker changed the queue.
pub fn worker_changed(window: &MainWindow, controllers: &Controllers) {
    if window.global::<ShellAdapter>().get_screen() == Screen::Labels {
        refresh(window, controllers);
    } else {
        refresh_waiting(window, controllers);
    }
}

fn selected_id(window: &MainWindow) -> Option<String> {
    let adapter = window.global::<LabelsAdapter>();
    let index = usize::try_from(adapter.get_selected()).ok()?;
    adapter.get_jobs().row_data(index).map(|r| r.id.to_string())
}

fn after(
    window: &MainWindow,
    controllers: &Controllers,
    done: Result<(), LabelsError>,
    newest: bool,
) {
    match done {
        Ok(()) => {
            if newest {
                window.global::<LabelsAdapter>().set_selected(0);
            }
            refresh(window, controllers);
        }
        Err(error) => problem(window, controllers, &error),
    }
}

/// A label action that did not happen: red, with the reason.
pub fn problem(window: &MainWindow, controllers: &Controllers, error: &LabelsError) {
    let strings = window.global::<Strings>();
    let text = match error {
        LabelsError::NoSscc => strings.get_no_sscc_left(),
        other => strings.invoke_label_problem(other.to_string().into()),
    };
    shell::show_bad(window, controllers, text);
}

/// Opens the label screen; Back returns to `from`.
pub fn show(window: &MainWindow, controllers: &Controllers, from: Screen) {
    let adapter = window.global::<LabelsAdapter>();
    if from != Screen::Labels {
        adapter.set_back_to(from);
        adapter.set_selected(-1);
    }
    refresh(window, controllers);
}

/// Reloads the queue, the printer, the preview and the strip's count.
pub fn refresh(window: &MainWindow, controllers: &Controllers) {
    let adapter = window.global::<LabelsAdapter>();
    let printer = controllers
        .labels
        .settings()
        .printer
        .map(|p| p.to_string())
        .unwrap_or_default();
    adapter.set_printer(printer.into());
    let rows: Vec<LabelJobRow> = controllers
        .labels
        .jobs(SHOWN)
        .unwrap_or_else(|error| {
            tracing::error!(%error, "cannot read the label queue");
            vec![]
        })
        .iter()
        .map(view_row)
        .collect();
    if adapter.get_selected() >= count(rows.len()) {
        adapter.set_selected(-1);
    }
    adapter.set_jobs(ModelRc::new(VecModel::from(rows)));
    show_preview(window, controllers);
    refresh_waiting(window, controllers);
}

/// The strip's "N labels waiting".
pub fn refresh_waiting(window: &MainWindow, controllers: &Controllers) {
    match controllers.labels.waiting() {
        Ok((waiting, _)) => {
            let adapter = window.global::<LabelsAdapter>();
            // New jobs: the print worker need not wait for its next look.
            if count(waiting) > adapter.get_waiting() {
                controllers.labels.wake();
            }
            adapter.set_waiting(count(waiting));
        }
        Err(error) => tracing::error!(%error, "cannot count the labels waiting"),
    }
}

fn show_preview(window: &MainWindow, controllers: &Controllers) {
    let adapter = window.global::<LabelsAdapter>();
    let preview = selected_id(window)
        .map(|id| {
            controllers.labels.preview(&id).unwrap_or_else(|error| {
                tracing::error!(%error, "cannot lay the label out for its preview");
                Default::default()
            })
        })
        .unwrap_or_default();
    let strings = |v: Vec<String>| -> ModelRc<SharedString> {
        ModelRc::new(VecModel::from(
            v.into_iter().map(SharedString::from).collect::<Vec<_>>(),
        ))
    };
    adapter.set_preview_lines(strings(preview.lines));
    adapter.set_preview_symbols(strings(preview.symbols));
}

fn view_row(job: &JobRow) -> LabelJobRow {
    LabelJobRow {
        id: job.id.as_str().into(),
        kind: job.kind.as_str().into(),
        key: job.key.as_str().into(),
        status: match job.status {
            JobStatus::Waiting => 0,
            JobStatus::Printed => 1,
            JobStatus::Failed => 2,
            JobStatus::Cancelled => 3,
        },
        in_doubt: job.in_doubt,
        unprintable: job.unprintable,
        attempts: count(job.attempts),
        error: job.last_error.as_deref().unwrap_or_default().into(),
        time: job.time.as_str().into(),
    }
}
