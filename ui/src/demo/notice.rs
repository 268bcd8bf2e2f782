//! Tells the person at the screen how the demo came up: the band says which server the
//! handheld syncs with and how many conflicts wait, or that it runs without one and why.

use crate::adapters::shell;
use crate::app::Controllers;
use crate::{MainWindow, Strings};
use slint::ComponentHandle;

use super::DemoStatus;

pub fn show(window: &MainWindow, controllers: &Controllers, status: &DemoStatus) {
    let strings = window.global::<Strings>();
    match status {
        DemoStatus::Online { url, seeded, .. } => {
            let waiting = i32::try_from(seeded.conflicts.len()).unwrap_or(i32::MAX);
            shell::show_good(
                window,
                controllers,
                strings.invoke_demo_ready(url.into(), waiting),
            );
        }
        DemoStatus::Offline { reason } => {
            // The first line of the reason is enough on a handheld; stderr has it all.
            let short: String = reason
                .lines()
                .next()
                .unwrap_or_default()
                .chars()
                .take(160)
                .collect();
            shell::show_warn(
                window,
                controllers,
                strings.invoke_demo_offline(short.into()),
            );
        }
    }
}
