//! What every job screen does with a workflow step: the feedback band in the workflow's
//! own words (green, amber or red, with the beep or buzz), and a device problem in red.
//! Shared by the receive, put away, pack, count and move/adjust adapters.

use dockhand_app::domain::OperatorId;
use dockhand_app::workflow::{Feedback, Step};
use slint::ComponentHandle;

use super::shell;
use crate::app::Controllers;
use crate::{MainWindow, Screen, Strings};

/// The band for a step's feedback; "✔ Good scan" when the workflow had nothing to add.
pub fn show_feedback(window: &MainWindow, controllers: &Controllers, feedback: &Feedback) {
    let strings = window.global::<Strings>();
    match feedback {
        Feedback::Good { message: Some(m) } => {
            shell::show_good(window, controllers, strings.invoke_good_with(m.into()))
        }
        Feedback::Good { message: None } => {
            shell::show_good(window, controllers, strings.get_good_scan())
        }
        Feedback::Bad { message } => {
            shell::show_bad(window, controllers, strings.invoke_bad_with(message.into()))
        }
        Feedback::Warn { message } => shell::show_warn(
            window,
            controllers,
            strings.invoke_warn_with(message.into()),
        ),
    }
}

/// The band for a finished job: what the workflow says it came to (amber when it warns,
/// e.g. an order packed short).
pub fn show_finished(window: &MainWindow, controllers: &Controllers, step: &Step) {
    match &step.feedback {
        Feedback::Warn { .. } | Feedback::Bad { .. } => {
            show_feedback(window, controllers, &step.feedback)
        }
        Feedback::Good { .. } => {
            let strings = window.global::<Strings>();
            shell::show_good(
                window,
                controllers,
                strings.invoke_good_with(step.prompt.text().into()),
            );
        }
    }
}

/// A failure of the device itself (journal, storage), in red.
pub fn problem(window: &MainWindow, controllers: &Controllers, error: &dyn std::fmt::Display) {
    tracing::error!(%error, "job screen");
    let strings = window.global::<Strings>();
    shell::show_bad(
        window,
        controllers,
        strings.invoke_device_problem(error.to_string().into()),
    );
}

/// The signed-in operator, or Sign in when there is none.
pub fn operator_or_sign_in(
    window: &MainWindow,
    controllers: &std::rc::Rc<Controllers>,
) -> Option<OperatorId> {
    let operator = controllers.session.operator();
    if operator.is_none() {
        shell::navigate(window, controllers, Screen::SignIn);
    }
    operator
}
