//! Job screens that are not built yet: which job, and how much of its work is waiting.

use std::rc::Rc;

use slint::ComponentHandle;

use super::{count, shell};
use crate::app::Controllers;
use crate::{Job, JobAdapter, MainWindow, Screen};

/// Opens the screen for `job` with the device's count of its work.
pub fn open(window: &MainWindow, controllers: &Rc<Controllers>, job: Job) {
    let waiting = controllers.home.work_waiting().unwrap_or_else(|error| {
        tracing::error!(%error, "cannot count the work waiting on this device");
        Default::default()
    });
    let adapter = window.global::<JobAdapter>();
    adapter.set_job(job);
    adapter.set_waiting(match job {
        Job::Receive => count(waiting.inbound_documents),
        Job::Pick => count(waiting.pick_tasks),
        _ => 0,
    });
    shell::navigate(window, controllers, Screen::Job);
}
