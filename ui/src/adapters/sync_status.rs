//! The sync badge and the Sync screen: status from the sync loop, recent work from the
//! outbox, and the "Sync now" button.

use std::rc::Rc;

use chrono::{DateTime, Local, Utc};
use dockhand_app::journal::{OutboxEntry, OutboxState};
use dockhand_app::sync::{SyncState, SyncStatus};
use slint::{ComponentHandle, ModelRc, VecModel};

use super::{count, home, with_window};
use crate::app::Controllers;
use crate::controllers::sync_status::RECENT_WORK_ROWS;
use crate::{MainWindow, Screen, ShellAdapter, SyncAdapter, SyncStateKind, Verdict, WorkRow};

pub fn connect(window: &MainWindow, controllers: &Rc<Controllers>) {
    let (weak, c) = (window.as_weak(), controllers.clone());
    window.global::<SyncAdapter>().on_sync_now(move || {
        c.sync.sync_now();
        with_window(&weak, |w| show_status(w, &c.sync.status()));
    });

    let (weak, c) = (window.as_weak(), controllers.clone());
    window.global::<SyncAdapter>().on_status_changed(move || {
        with_window(&weak, |w| match w.global::<ShellAdapter>().get_screen() {
            Screen::Sync => show(w, &c),
            Screen::Home => home::show(w, &c),
            _ => show_status(w, &c.sync.status()),
        })
    });
}

/// Applies a status published by the sync loop (from any thread) on the UI thread.
pub fn publish_status(weak: &slint::Weak<MainWindow>, status: SyncStatus) {
    let delivered =
        weak.upgrade_in_event_loop(move |window| apply_published_status(&window, &status));
    if let Err(error) = delivered {
        tracing::debug!(%error, "sync status not shown: the UI has closed");
    }
}

/// Loads the Sync screen: the latest status and the recent work with its verdicts.
pub fn show(window: &MainWindow, controllers: &Controllers) {
    show_status(window, &controllers.sync.status());
    let entries = controllers
        .sync
        .recent_work(RECENT_WORK_ROWS)
        .unwrap_or_else(|error| {
            tracing::error!(%error, "cannot read recent work from the journal");
            Vec::new()
        });
    let rows: Vec<WorkRow> = entries.iter().map(work_row).collect();
    window
        .global::<SyncAdapter>()
        .set_recent_work(ModelRc::new(VecModel::from(rows)));
}

/// What [`publish_status`] runs on the UI thread: the badge, then whatever the open
/// screen shows from the journal (a round may have brought tasks or verdicts).
pub fn apply_published_status(window: &MainWindow, status: &SyncStatus) {
    show_status(window, status);
    window.global::<SyncAdapter>().invoke_status_changed();
}

/// Updates the badge and the status lines (called on every status change of the loop).
pub fn show_status(window: &MainWindow, status: &SyncStatus) {
    let adapter = window.global::<SyncAdapter>();
    adapter.set_state(match status.state {
        SyncState::NotSetUp => SyncStateKind::NotSetUp,
        SyncState::Syncing => SyncStateKind::Syncing,
        SyncState::Online => SyncStateKind::Online,
        SyncState::Offline => SyncStateKind::Offline,
        SyncState::NeedsEnrolment => SyncStateKind::NeedsEnrolment,
    });
    adapter.set_queued(count(status.queued));
    adapter.set_rejected(count(status.rejected));
    adapter.set_conflicts(count(status.conflicts_waiting));
    adapter.set_offline_since(status.offline_since.map(moment).unwrap_or_default().into());
    adapter.set_last_sync(status.last_sync.map(moment).unwrap_or_default().into());
    adapter.set_problem(status.last_error.clone().unwrap_or_default().into());
}

fn work_row(entry: &OutboxEntry) -> WorkRow {
    WorkRow {
        seq: count(entry.seq.get()),
        kind: entry.kind.as_str().into(),
        verdict: match entry.state {
            OutboxState::Pending => Verdict::Waiting,
            OutboxState::Applied => Verdict::Sent,
            OutboxState::Conflict => Verdict::Conflict,
            OutboxState::Rejected => Verdict::Refused,
        },
        detail: entry.detail.clone().unwrap_or_default().into(),
    }
}

/// A moment on the device's clock: the time today, with the date on other days.
fn moment(at: DateTime<Utc>) -> String {
    let local = at.with_timezone(&Local);
    if local.date_naive() == Local::now().date_naive() {
        local.format("%H:%M").to_string()
    } else {
        local.format("%d %b %H:%M").to_string()
    }
}
