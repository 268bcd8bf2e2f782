//! Conflicts: loads the queue and a conflict through the `ConflictsController` (requests run
//! off the UI thread on the desktop) and words the evidence and each resolution's effect
//! with the `Strings` catalogue. A resolution's answer shows in the feedback band and
//! brings the list back, updated.

use std::rc::Rc;

use chrono::{DateTime, Local, Utc};
use dockhand_app::sync::supervisor::{ConflictAccess, ResolutionAction};
use slint::{ComponentHandle, ModelRc, SharedString, VecModel};

use super::{count, shell, with_window};
use crate::app::Controllers;
use crate::controllers::conflicts::{
    ConflictView, DeviceName, Effects, Evidence, Queue, QueueRow, Trouble,
};
use crate::{
    ConflictRow, ConflictsAdapter, ConflictsStage, EvidenceRow, MainWindow, Resolution, Strings,
};

pub fn connect(window: &MainWindow, controllers: &Rc<Controllers>) {
    let adapter = window.global::<ConflictsAdapter>();

    let (weak, c) = (window.as_weak(), controllers.clone());
    adapter.on_refresh(move || with_window(&weak, |w| show(w, &c)));

    let (weak, c) = (window.as_weak(), controllers.clone());
    adapter.on_open(move |id| with_window(&weak, |w| open(w, &c, i64::from(id))));

    let weak = window.as_weak();
    adapter.on_back_to_list(move || {
        with_window(&weak, |w| {
            w.global::<ConflictsAdapter>()
                .set_stage(ConflictsStage::List)
        })
    });

    let (weak, c) = (window.as_weak(), controllers.clone());
    adapter.on_confirm(move |resolution, delta| {
        with_window(&weak, |w| confirm(w, &c, resolution, i64::from(delta)))
    });
}

/// Shows the screen loading, then the queue (or why there is none).
pub fn show(window: &MainWindow, controllers: &Rc<Controllers>) {
    window
        .global::<ConflictsAdapter>()
        .set_stage(ConflictsStage::Loading);
    let weak = window.as_weak();
    let c = controllers.clone();
    let work = controllers.conflicts.load_queue();
    controllers.conflicts.run(work, move |answer| {
        with_window(&weak, |w| match c.conflicts.queue_loaded(answer) {
            Ok(queue) => show_queue(w, &queue),
            Err(trouble) => show_trouble(w, &trouble),
        })
    });
}

fn show_queue(window: &MainWindow, queue: &Queue) {
    let adapter = window.global::<ConflictsAdapter>();
    let strings = window.global::<Strings>();
    let rows: Vec<ConflictRow> = queue
        .rows
        .iter()
        .map(|row| queue_row(&strings, row))
        .collect();
    adapter.set_rows(ModelRc::new(VecModel::from(rows)));
    set_access(window, &queue.access);
    adapter.set_stage(ConflictsStage::List);
}

fn set_access(window: &MainWindow, access: &ConflictAccess) {
    let adapter = window.global::<ConflictsAdapter>();
    let strings = window.global::<Strings>();
    adapter.set_can_read(access.can_read());
    match access {
        ConflictAccess::Resolve => {
            adapter.set_can_resolve(true);
            adapter.set_read_only_note(SharedString::default());
        }
        ConflictAccess::ReadOnly { role } => {
            adapter.set_can_resolve(false);
            adapter.set_read_only_note(strings.invoke_conflicts_read_only(role.into()));
        }
        ConflictAccess::NotForRole { role } => {
            adapter.set_can_resolve(false);
            adapter.set_read_only_note(strings.invoke_conflicts_not_for_role(role.into()));
        }
    }
}

fn queue_row(strings: &Strings<'_>, row: &QueueRow) -> ConflictRow {
    let headline = if row.recount_requested {
        strings.invoke_recount_asked(row.kind.as_str().into())
    } else {
        strings.invoke_conflict_kind(row.kind.as_str().into())
    };
    let said = match &row.view {
        Some(view) => sentence(strings, view),
        None => format!("{}: {}", device(strings, &row.device), row.message.as_str()).into(),
    };
    ConflictRow {
        id: i32::try_from(row.id).unwrap_or(i32::MAX),
        headline,
        detail: strings.invoke_conflict_row(said, when(row.created_at)),
        blocking: row.blocks_work && !row.recount_requested,
    }
}

fn show_trouble(window: &MainWindow, trouble: &Trouble) {
    let adapter = window.global::<ConflictsAdapter>();
    let strings = window.global::<Strings>();
    let (title, text, retry) = match trouble {
        Trouble::NotSetUp => (
            strings.get_conflicts_not_set_up_title(),
            strings.get_conflicts_not_set_up(),
            false,
        ),
        Trouble::Offline(detail) => (
            strings.get_conflicts_offline_title(),
            strings.invoke_conflicts_offline(detail.into()),
            true,
        ),
        Trouble::Denied(reason) => (
            strings.get_conflicts_denied_title(),
            strings.invoke_conflicts_denied(reason.into()),
            false,
        ),
        Trouble::Unauthorized(detail) => (
            strings.get_conflicts_enrol_title(),
            strings.invoke_conflicts_enrol(detail.into()),
            false,
        ),
        Trouble::AlreadyDecided(message) | Trouble::Refused(message) => (
            strings.get_conflicts_offline_title(),
            strings.invoke_conflict_not_resolved(message.into()),
            true,
        ),
    };
    adapter.set_problem_title(title);
    adapter.set_problem_text(text);
    adapter.set_can_retry(retry);
    adapter.set_stage(ConflictsStage::Unavailable);
}

/// Loads one conflict and shows its evidence.
pub fn open(window: &MainWindow, controllers: &Rc<Controllers>, id: i64) {
    let weak = window.as_weak();
    let c = controllers.clone();
    let work = controllers.conflicts.load_detail(id);
    controllers.conflicts.run(work, move |answer| {
        with_window(&weak, |w| match c.conflicts.detail_loaded(answer) {
            Ok(view) => show_detail(w, &view),
            Err(trouble) => trouble_in_band(w, &c, &trouble),
        })
    });
}

/// What happened, in one sentence: who did what to which stock, and what the server knew.
pub fn sentence(strings: &Strings<'_>, view: &ConflictView) -> SharedString {
    let did = view.evidence.iter().find_map(|e| match e {
        Evidence::Did {
            device: who,
            kind,
            lines,
            ..
        } => Some((who, kind, lines)),
        _ => None,
    });
    let who = |name: &DeviceName| device(strings, name);
    for line in &view.evidence {
        match (line, did) {
            (
                Evidence::Short {
                    item,
                    location,
                    before,
                    asked,
                    ..
                },
                Some((by, kind, _)),
            ) => {
                return strings.invoke_said_short(
                    who(by),
                    kind.as_str().into(),
                    count(*asked),
                    item_label(strings, item, view),
                    location.as_str().into(),
                    count(*before),
                );
            }
            (
                Evidence::Receipt {
                    expected,
                    received_before,
                    received_after,
                    tolerance_pct,
                },
                Some((by, kind, lines)),
            ) => {
                let sku = lines
                    .first()
                    .map(|(sku, _)| sku.as_str())
                    .unwrap_or_default();
                return strings.invoke_said_receipt(
                    who(by),
                    kind.as_str().into(),
                    count(received_after - received_before),
                    item_label(strings, sku, view),
                    count(*expected),
                    count(*tolerance_pct),
                );
            }
            (
                Evidence::Count {
                    item, location, at, ..
                },
                Some((by, kind, _)),
            ) => {
                return strings.invoke_said_count(
                    item.as_str().into(),
                    location.as_str().into(),
                    at.map(when).unwrap_or_default(),
                    who(by),
                    kind.as_str().into(),
                );
            }
            (Evidence::Refused(reason), Some((by, kind, _))) => {
                return strings.invoke_said_refused(
                    who(by),
                    kind.as_str().into(),
                    reason.as_str().into(),
                );
            }
            _ => {}
        }
    }
    match did {
        Some((by, kind, lines)) => strings.invoke_said_did(
            who(by),
            kind.as_str().into(),
            units_list(strings, lines, view),
        ),
        None => format!("{}: {}", who(&view.device), view.message).into(),
    }
}

/// "2 × Red Mug 350 ml" when the catalogue knows the item, else "2 × SKU 1003".
fn units_list(strings: &Strings<'_>, lines: &[(String, i64)], view: &ConflictView) -> SharedString {
    let words: Vec<String> = lines
        .iter()
        .map(|(sku, units)| {
            strings
                .invoke_units_of(count(*units), item_label(strings, sku, view))
                .to_string()
        })
        .collect();
    words.join(", ").into()
}

fn item_label(strings: &Strings<'_>, sku: &str, view: &ConflictView) -> SharedString {
    match view.item_names.get(sku) {
        Some(name) => name.as_str().into(),
        None => strings.invoke_sku(sku.into()),
    }
}

fn show_detail(window: &MainWindow, view: &ConflictView) {
    let adapter = window.global::<ConflictsAdapter>();
    let strings = window.global::<Strings>();
    adapter.set_conflict_id(i32::try_from(view.id).unwrap_or(i32::MAX));
    adapter.set_title(strings.invoke_conflict_kind(view.kind.as_str().into()));
    adapter.set_message(sentence(&strings, view));
    let mut rows = evidence_rows(&strings, view);
    // The server's own words last, for support and for anything the lines above lack.
    rows.push(EvidenceRow {
        heading: strings.get_evidence_server(),
        text: view.message.as_str().into(),
    });
    adapter.set_evidence(ModelRc::new(VecModel::from(rows)));
    set_effects(&adapter, &strings, &view.effects);
    adapter.set_delta(0);
    adapter.set_stage(ConflictsStage::Detail);
}

fn set_effects(adapter: &ConflictsAdapter<'_>, strings: &Strings<'_>, effects: &Effects) {
    let kind: SharedString = effects.event_kind.as_str().into();
    let accept = if effects.refused_event {
        strings.invoke_accept_applies(kind.clone())
    } else if let Some((_, location, units)) = effects.write_off.first() {
        let total: i64 = effects.write_off.iter().map(|(_, _, n)| n).sum();
        let _ = units;
        strings.invoke_accept_writes_off(kind.clone(), count(total), location.as_str().into())
    } else {
        strings.invoke_accept_keeps(kind.clone())
    };
    let reject = if effects.refused_event || effects.reversal.is_empty() {
        strings.invoke_reject_dismisses()
    } else {
        let changes: Vec<String> = effects
            .reversal
            .iter()
            .map(|(item, location, delta)| {
                strings
                    .invoke_stock_change(
                        count(*delta),
                        item.as_str().into(),
                        location.as_str().into(),
                    )
                    .to_string()
            })
            .collect();
        strings.invoke_reject_undoes(kind.clone(), changes.join(", ").into())
    };
    match &effects.target {
        Some(target) => {
            let words = strings.invoke_adjust_target(
                target.item.as_str().into(),
                target.location.as_str().into(),
                target.status.as_str().into(),
            );
            adapter.set_adjust_effect(strings.invoke_adjust_corrects(kind, words.clone()));
            adapter.set_adjust_target(words);
            adapter.set_can_adjust(true);
            adapter
                .set_recount_effect(strings.invoke_recount_effect(target.location.as_str().into()));
        }
        None => {
            adapter.set_adjust_effect(strings.get_no_stock_record());
            adapter.set_adjust_target(SharedString::default());
            adapter.set_can_adjust(false);
            adapter.set_recount_effect(strings.invoke_recount_effect(SharedString::default()));
        }
    }
    adapter.set_accept_effect(accept);
    adapter.set_reject_effect(reject);
}

fn evidence_rows(strings: &Strings<'_>, view: &ConflictView) -> Vec<EvidenceRow> {
    let mut rows = Vec::new();
    let mut last_heading = SharedString::default();
    let mut push = |heading: SharedString, text: SharedString| {
        // A heading once per group of lines.
        let shown = if heading == last_heading {
            SharedString::default()
        } else {
            last_heading = heading.clone();
            heading
        };
        rows.push(EvidenceRow {
            heading: shown,
            text,
        });
    };
    for line in &view.evidence {
        match line {
            Evidence::Did {
                device: who,
                operator,
                at,
                kind,
                lines,
                from,
                to,
            } => {
                let text = format!(
                    "{}\n{}",
                    strings.invoke_evidence_who(
                        device(strings, who),
                        operator.as_str().into(),
                        when(*at)
                    ),
                    strings.invoke_evidence_did(
                        kind.as_str().into(),
                        units_list(strings, lines, view),
                        from.as_deref().unwrap_or_default().into(),
                        to.as_deref().unwrap_or_default().into(),
                    )
                );
                push(strings.get_evidence_what_happened(), text.into());
            }
            Evidence::Short {
                item,
                location,
                lot,
                before,
                asked,
                short,
            } => {
                let location = match lot {
                    Some(lot) => format!("{location} · {}", strings.invoke_lot(lot.into())),
                    None => location.clone(),
                };
                push(
                    strings.get_evidence_stock(),
                    strings.invoke_evidence_short(
                        item.as_str().into(),
                        location.into(),
                        count(*before),
                        count(*asked),
                        count(*short),
                    ),
                );
            }
            Evidence::Movement {
                device: who,
                at,
                delta,
                cause,
            } => push(
                strings.get_evidence_before(),
                strings.invoke_evidence_movement(
                    when(*at),
                    device(strings, who),
                    strings.invoke_signed(count(*delta)),
                    cause.as_str().into(),
                ),
            ),
            Evidence::Count {
                item,
                location,
                at,
                counted,
                variance_before,
                variance_after,
            } => push(
                strings.get_evidence_count(),
                strings.invoke_evidence_count_line(
                    item.as_str().into(),
                    location.as_str().into(),
                    at.map(when).unwrap_or_default(),
                    count(*counted),
                    count(*variance_before),
                    count(*variance_after),
                ),
            ),
            Evidence::Receipt {
                expected,
                received_before,
                received_after,
                tolerance_pct,
            } => push(
                strings.get_evidence_delivery(),
                strings.invoke_evidence_delivery_line(
                    count(*expected),
                    count(*tolerance_pct),
                    count(*received_before),
                    count(*received_after),
                ),
            ),
            Evidence::Refused(reason) => {
                push(strings.get_evidence_refused(), reason.as_str().into())
            }
            Evidence::Decided { action, by, at } => push(
                strings.get_evidence_decided(),
                strings.invoke_evidence_decided_line(
                    action.as_str().into(),
                    device(strings, by),
                    at.map(when).unwrap_or_default(),
                ),
            ),
        }
    }
    rows
}

fn device(strings: &Strings<'_>, name: &DeviceName) -> SharedString {
    match name {
        DeviceName::ThisDevice => strings.get_this_device(),
        DeviceName::Named(name) => name.as_str().into(),
        DeviceName::Unknown(id) => strings.invoke_unknown_device(id.as_str().into()),
        DeviceName::Server => strings.get_the_server(),
    }
}

/// Local time of day; with the date when it is not today.
fn when(at: DateTime<Utc>) -> SharedString {
    let local = at.with_timezone(&Local);
    if local.date_naive() == Local::now().date_naive() {
        local.format("%H:%M").to_string().into()
    } else {
        local.format("%Y-%m-%d %H:%M").to_string().into()
    }
}

fn action_of(resolution: Resolution) -> ResolutionAction {
    match resolution {
        Resolution::Accept => ResolutionAction::Accept,
        Resolution::Reject => ResolutionAction::Reject,
        Resolution::Adjust => ResolutionAction::Adjust,
        Resolution::Recount => ResolutionAction::Recount,
    }
}

/// Sends the chosen resolution; on success the band says what was done and the list
/// comes back without it (or marked "recount asked").
fn confirm(window: &MainWindow, controllers: &Rc<Controllers>, resolution: Resolution, delta: i64) {
    let action = action_of(resolution);
    let (id, request) = match controllers.conflicts.resolution(action, delta) {
        Ok(request) => request,
        Err(trouble) => return trouble_in_band(window, controllers, &trouble),
    };
    window
        .global::<ConflictsAdapter>()
        .set_stage(ConflictsStage::Loading);
    let weak = window.as_weak();
    let c = controllers.clone();
    let work = controllers.conflicts.resolve(id, request);
    controllers.conflicts.run(work, move |answer| {
        with_window(&weak, |w| match answer {
            Ok(_) => {
                let strings = w.global::<Strings>();
                let text = strings.invoke_resolved(
                    action.as_str().into(),
                    i32::try_from(id).unwrap_or(i32::MAX),
                );
                // The server changed balances: pull them now.
                c.sync.sync_now();
                show(w, &c);
                shell::show_good(w, &c, text);
            }
            Err(trouble) => {
                trouble_in_band(w, &c, &trouble);
            }
        })
    });
}

/// A failed request on a conflict: the reason in the band, and the list reloaded so the
/// screen shows what is true now.
fn trouble_in_band(window: &MainWindow, controllers: &Rc<Controllers>, trouble: &Trouble) {
    let strings = window.global::<Strings>();
    let text = match trouble {
        Trouble::AlreadyDecided(message) => strings.invoke_conflict_decided_first(message.into()),
        Trouble::Refused(message)
        | Trouble::Offline(message)
        | Trouble::Denied(message)
        | Trouble::Unauthorized(message) => strings.invoke_conflict_not_resolved(message.into()),
        Trouble::NotSetUp => strings.get_conflicts_not_set_up(),
    };
    show(window, controllers);
    match trouble {
        Trouble::AlreadyDecided(_) => shell::show_warn(window, controllers, text),
        _ => shell::show_bad(window, controllers, text),
    }
}
