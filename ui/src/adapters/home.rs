//! Home tiles: counts of work waiting on the device; a tile opens its job screen.

use std::rc::Rc;

use slint::ComponentHandle;

use super::{count, move_adjust, pack, pick, putaway, receive, with_window};
use crate::app::Controllers;
use crate::{HomeAdapter, Job, MainWindow};

pub fn connect(window: &MainWindow, controllers: &Rc<Controllers>) {
    let (weak, c) = (window.as_weak(), controllers.clone());
    window.global::<HomeAdapter>().on_open_job(move |which| {
        with_window(&weak, |w| match which {
            Job::Pick => pick::open(w, &c),
            Job::Receive => receive::open(w, &c),
            Job::Putaway => putaway::open(w, &c),
            Job::Pack => pack::open(w, &c),
            Job::Count => super::count::open(w, &c),
            Job::Move => move_adjust::open(w, &c),
        })
    });
}

/// Loads the counts for the tiles.
pub fn show(window: &MainWindow, controllers: &Controllers) {
    let waiting = controllers.home.work_waiting().unwrap_or_else(|error| {
        tracing::error!(%error, "cannot count the work waiting on this device");
        Default::default()
    });
    let home = window.global::<HomeAdapter>();
    home.set_inbound_documents(count(waiting.inbound_documents));
    // Tasks with something left to pick: a finished one waits for sync to close it.
    let pick_tasks = controllers.pick.tasks().map_or_else(
        |error| {
            tracing::error!(%error, "cannot list the pick tasks");
            waiting.pick_tasks
        },
        |tasks| tasks.len(),
    );
    home.set_pick_tasks(count(pick_tasks));
}
