//! Sign in: by badge scan (routed here by the shell) or by the typed operator id.

use std::rc::Rc;

use slint::{ComponentHandle, SharedString};

use super::{shell, with_window};
use crate::app::Controllers;
use crate::{MainWindow, Screen, SignInAdapter, Strings};

pub fn connect(window: &MainWindow, controllers: &Rc<Controllers>) {
    let (weak, c) = (window.as_weak(), controllers.clone());
    window.global::<SignInAdapter>().on_sign_in(move || {
        with_window(&weak, |w| {
            let typed = w.global::<SignInAdapter>().get_operator_id();
            sign_in_with(w, &c, &typed);
        })
    });
}

/// A clean form.
pub fn show(window: &MainWindow) {
    window
        .global::<SignInAdapter>()
        .set_operator_id(SharedString::new());
}

/// Signs in with a scanned badge or typed id; Home on success, the reason in red if not.
pub fn sign_in_with(window: &MainWindow, controllers: &Rc<Controllers>, operator_id: &str) {
    let strings = window.global::<Strings>();
    if operator_id.trim().is_empty() {
        shell::show_bad(window, controllers, strings.get_operator_id_missing());
        return;
    }
    match controllers.session.sign_in(operator_id) {
        Ok(operator) => {
            shell::navigate(window, controllers, Screen::Home);
            shell::show_good(
                window,
                controllers,
                strings.invoke_signed_in_as(operator.as_str().into()),
            );
        }
        Err(error) => {
            shell::show_bad(
                window,
                controllers,
                strings.invoke_bad_operator(error.to_string().into()),
            );
        }
    }
}
