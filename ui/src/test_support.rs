//! What the headless UI tests share: the real window shown on the testing backend, and the
//! hands and eyes of a person using it — key events into the focused scan input (as a wedge
//! scanner types), taps on what is found by its label, and what the screen then shows.

use std::rc::Rc;

use i_slint_backend_testing::{AccessibleRole, ElementHandle};
use slint::platform::{PointerEventButton, WindowEvent};
use slint::{ComponentHandle, LogicalSize};

use crate::app::{self, Controllers};
use crate::controllers::SharedJournal;
use crate::sample_device;
use crate::{FeedbackKind, MainWindow, Screen, ShellAdapter};

/// The sample device's journal in a fresh folder, enrolled with the example server.
pub fn enrolled_sample_journal() -> (SharedJournal, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let journal = sample_device::create(&dir.path().join("device.db")).unwrap();
    journal
        .borrow_mut()
        .set_credentials("https://dockhand.example", "token-1")
        .unwrap();
    (journal, dir)
}

/// The app's window over `controllers`, connected and shown at 360×640.
pub fn show_window(controllers: &Rc<Controllers>) -> MainWindow {
    let window = MainWindow::new().unwrap();
    app::connect(&window, controllers);
    window.window().set_size(LogicalSize::new(360.0, 640.0));
    window.show().unwrap();
    window
}

/// A device under test: anything with the app's window.
pub trait OnScreen {
    fn window(&self) -> &MainWindow;

    /// Types `data` and Enter into whatever has focus, as a wedge scanner does.
    fn scan(&self, data: &str) {
        for c in data.chars().chain(['\n']) {
            let text: slint::SharedString = c.to_string().into();
            self.window()
                .window()
                .dispatch_event(WindowEvent::KeyPressed { text: text.clone() });
            self.window()
                .window()
                .dispatch_event(WindowEvent::KeyReleased { text });
        }
    }

    /// Taps the first thing labelled `label`.
    fn tap(&self, label: &str) {
        let target = ElementHandle::find_by_accessible_label(self.window(), label)
            .next()
            .unwrap_or_else(|| panic!("nothing labelled {label:?} on screen"));
        target.mock_single_click(PointerEventButton::Left);
    }

    /// Taps the button labelled `label` (not a text that says the same).
    fn tap_button(&self, label: &str) {
        let button = ElementHandle::find_by_accessible_label(self.window(), label)
            .find(|e| e.accessible_role() == Some(AccessibleRole::Button))
            .unwrap_or_else(|| panic!("no button labelled {label:?} on screen"));
        button.mock_single_click(PointerEventButton::Left);
    }

    fn shows_text(&self, text: &str) -> bool {
        ElementHandle::find_by_accessible_label(self.window(), text)
            .next()
            .is_some()
    }

    fn screen(&self) -> Screen {
        self.window().global::<ShellAdapter>().get_screen()
    }

    fn feedback(&self) -> (FeedbackKind, String) {
        let shell = self.window().global::<ShellAdapter>();
        (
            shell.get_feedback(),
            // Codes in the band hold non-breaking hyphens (U+2011); compare with plain ones.
            shell.get_feedback_text().replace('\u{2011}', "-"),
        )
    }
}
