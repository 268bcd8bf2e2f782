//! Sound and vibration on a good or a bad scan. The Android build implements [`Feedback`]
//! with the device's beeper and vibrator; the desktop rings the terminal bell on a bad scan
//! and logs both. Visual feedback is the feedback band's job, not this module's.

use std::io::Write;

/// The non-visual half of scan feedback: a short high beep, or a low double buzz.
pub trait Feedback {
    fn good(&self);
    fn bad(&self);
}

/// Desktop feedback: a log line for each, and the terminal bell for a bad scan.
#[derive(Debug, Default, Clone, Copy)]
pub struct TerminalFeedback;

impl Feedback for TerminalFeedback {
    fn good(&self) {
        tracing::info!("feedback: good scan (short high beep on a handheld)");
    }

    fn bad(&self) {
        tracing::info!("feedback: bad scan (low double buzz on a handheld)");
        let mut stderr = std::io::stderr();
        // The bell is a nicety; a closed stderr must not disturb scanning.
        let _ = stderr.write_all(b"\x07").and_then(|()| stderr.flush());
    }
}

/// Feedback that does nothing (screenshots).
#[derive(Debug, Default, Clone, Copy)]
pub struct SilentFeedback;

impl Feedback for SilentFeedback {
    fn good(&self) {}
    fn bad(&self) {}
}
