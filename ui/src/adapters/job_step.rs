//! What every job screen does with a workflow step: the feedback band in the workflow's
//! own words (green, amber or red, with the beep or buzz), and a device problem in red.
//! Shared by the job adapters (pick uses the feedback band only).

use dockhand_app::domain::OperatorId;
use dockhand_app::workflow::{Action, Feedback, Prompt, Step};
use slint::ComponentHandle;

use super::shell;
use crate::app::Controllers;
use crate::controllers::job_session::{JobError, JobSession};
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

/// A job tile opened: Sign in when nobody is signed in (false); otherwise the device's open
/// job of this kind reopened, a device problem in red when it cannot be (true).
pub fn resume_or_sign_in(
    window: &MainWindow,
    controllers: &std::rc::Rc<Controllers>,
    job: &JobSession,
) -> bool {
    let Some(operator) = operator_or_sign_in(window, controllers) else {
        return false;
    };
    if let Err(error) = job.resume(&operator) {
        problem(window, controllers, &error);
    }
    true
}

/// A button's action on `job`, the feedback band cleared first.
pub fn act_on(window: &MainWindow, job: &JobSession, action: Action) -> Result<Step, JobError> {
    shell::clear_feedback(window);
    job.act(action)
}

/// What a job screen shows for the answer to a scan or a button: the next prompt (`prompt`)
/// and then its feedback; a finished job, the screen's start (`finished`) and then what the
/// job came to; `no_job` when there is no job open; a device problem in red.
pub fn show_answer(
    window: &MainWindow,
    controllers: &Controllers,
    answer: Result<Step, JobError>,
    finished: impl FnOnce(),
    prompt: impl FnOnce(&Prompt),
    no_job: impl FnOnce(),
) {
    match answer {
        Ok(step) if step.done => {
            finished();
            show_finished(window, controllers, &step);
        }
        Ok(step) => {
            prompt(&step.prompt);
            show_feedback(window, controllers, &step.feedback);
        }
        Err(JobError::NoJob) => no_job(),
        Err(error) => problem(window, controllers, &error),
    }
}

/// A job refused to open (another job holds it): red, in the workflow's words.
pub fn show_refused(
    window: &MainWindow,
    controllers: &Controllers,
    refused: &dyn std::fmt::Display,
) {
    let strings = window.global::<Strings>();
    shell::show_bad(
        window,
        controllers,
        strings.invoke_bad_with(refused.to_string().into()),
    );
}

/// Closes `job` (the `what` job, in the log) when it holds nothing worth continuing.
pub fn close_quietly(job: &JobSession, what: &str) {
    if let Err(error) = job.act(Action::Cancel) {
        tracing::warn!(%error, "could not close the {what} job");
    }
}

/// Put down: the job stays as it is, to be continued from its tile, and Home.
pub fn put_down(window: &MainWindow, controllers: &std::rc::Rc<Controllers>, job: &JobSession) {
    job.put_down();
    shell::navigate(window, controllers, Screen::Home);
}
