//! Scan feedback on the handheld: the activity plays a short high beep and a tick of the
//! vibrator for a good scan, a low double buzz for a bad one (`DockhandActivity.scanFeedback`).
//! The band on screen is the UI's; this is the half a worker hears and feels.

use android_activity::AndroidApp;
use dockhand_ui::feedback::Feedback;

use super::java;

pub struct ActivityFeedback {
    app: AndroidApp,
}

impl ActivityFeedback {
    pub fn new(app: &AndroidApp) -> Self {
        Self { app: app.clone() }
    }

    fn play(&self, good: bool) {
        // Sound is a help, never a gate: the scan is already journaled and on screen.
        if let Err(error) = java::scan_feedback(&self.app, good) {
            log::warn!("scan feedback not played: {error}");
        }
    }
}

impl Feedback for ActivityFeedback {
    fn good(&self) {
        self.play(true);
    }

    fn bad(&self) {
        self.play(false);
    }
}
