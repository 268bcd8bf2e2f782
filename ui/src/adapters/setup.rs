//! Device setup: loads the stored setup into the form, saves it, and puts a scanned
//! enrolment code into the token field.

use std::rc::Rc;

use slint::{ComponentHandle, Model, ModelRc, SharedString, VecModel};

use super::{shell, with_window};
use crate::app::Controllers;
use crate::controllers::setup::{DeviceSetup, SetupError};
use crate::{MainWindow, Screen, SetupAdapter, Strings};

pub fn connect(window: &MainWindow, controllers: &Rc<Controllers>) {
    let (weak, c) = (window.as_weak(), controllers.clone());
    window
        .global::<SetupAdapter>()
        .on_save(move || with_window(&weak, |w| save(w, &c)));
}

/// Fills the form from the journal and the stored scanner profile; `printer`: opened from
/// the label screen, so it starts at the label printer.
pub fn show(window: &MainWindow, controllers: &Controllers, printer: bool) {
    let adapter = window.global::<SetupAdapter>();
    adapter.set_show_printer(printer);
    let choices = controllers.setup.scanner_choices();
    let current = controllers.setup.current().unwrap_or_else(|error| {
        tracing::error!(%error, "cannot read the device setup");
        DeviceSetup {
            server_url: String::new(),
            token: String::new(),
            scanner_profile: String::new(),
            printer: String::new(),
            printer_dpi: "203".into(),
            label_stock: "4x6".into(),
        }
    });
    let chosen = choices
        .iter()
        .position(|name| *name == current.scanner_profile)
        .unwrap_or(0);
    adapter.set_server_url(current.server_url.into());
    adapter.set_token(current.token.into());
    adapter.set_printer(current.printer.into());
    adapter.set_printer_dpi(current.printer_dpi.into());
    adapter.set_label_stock(current.label_stock.into());
    let names: Vec<SharedString> = choices.into_iter().map(SharedString::from).collect();
    adapter.set_scanner_profiles(ModelRc::new(VecModel::from(names)));
    adapter.set_scanner_index(i32::try_from(chosen).unwrap_or(0));
    adapter.set_back_to(if controllers.session.operator().is_some() {
        Screen::Home
    } else {
        Screen::SignIn
    });
}

/// A scan on the setup screen is an enrolment code.
pub fn fill_token(window: &MainWindow, controllers: &Controllers, data: &str) {
    let adapter = window.global::<SetupAdapter>();
    // The token field is in the first section: show it filled.
    adapter.set_show_printer(false);
    adapter.set_token(data.trim().into());
    let scanned = window.global::<Strings>().invoke_token_scanned();
    shell::show_good(window, controllers, scanned);
}

fn save(window: &MainWindow, controllers: &Rc<Controllers>) {
    let adapter = window.global::<SetupAdapter>();
    let strings = window.global::<Strings>();
    let profiles = adapter.get_scanner_profiles();
    let chosen = usize::try_from(adapter.get_scanner_index())
        .ok()
        .and_then(|index| profiles.row_data(index))
        .unwrap_or_default();
    let form = DeviceSetup {
        server_url: adapter.get_server_url().to_string(),
        token: adapter.get_token().to_string(),
        scanner_profile: chosen.to_string(),
        printer: adapter.get_printer().to_string(),
        printer_dpi: adapter.get_printer_dpi().to_string(),
        label_stock: adapter.get_label_stock().to_string(),
    };
    match controllers.setup.save(&form) {
        Ok(()) => {
            controllers
                .scan_input
                .borrow_mut()
                .reconfigure(controllers.setup.wedge_config());
            // The sync loop reads the new credentials on its next round: start it now.
            controllers.sync.sync_now();
            // A printer set now prints what waited for one.
            controllers.labels.wake();
            let next = if controllers.session.operator().is_some() {
                Screen::Home
            } else {
                Screen::SignIn
            };
            shell::navigate(window, controllers, next);
            shell::show_good(window, controllers, strings.get_setup_saved());
        }
        Err(error) => {
            let text = match error {
                SetupError::ServerAddress => strings.get_setup_needs_address(),
                SetupError::MissingToken => strings.get_setup_needs_token(),
                SetupError::Printer(words) => {
                    adapter.set_show_printer(true);
                    strings.invoke_setup_bad_printer(words.into())
                }
                other => strings.invoke_setup_failed(other.to_string().into()),
            };
            shell::show_bad(window, controllers, text);
        }
    }
}
