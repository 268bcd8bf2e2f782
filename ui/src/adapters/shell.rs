//! The shell: navigation, the feedback band, and the scan input. Every scan arrives here
//! first and goes to the screen that is up: a badge on Sign in, an enrolment code on
//! Device setup, a look-up everywhere else.

use std::rc::Rc;
use std::time::Instant;

use dockhand_app::barcode::Scan;
use slint::{ComponentHandle, Timer, TimerMode};

use super::{conflicts, home, labels, lookup, pick, setup, sign_in, sync_status, with_window};
use super::{count, move_adjust, pack, putaway, receive};
use crate::app::Controllers;
use crate::{FeedbackKind, MainWindow, Screen, ShellAdapter};

pub fn connect(window: &MainWindow, controllers: &Rc<Controllers>) {
    let shell = window.global::<ShellAdapter>();

    let (weak, c) = (window.as_weak(), controllers.clone());
    shell.on_navigate(move |screen| with_window(&weak, |w| navigate(w, &c, screen)));

    let (weak, c) = (window.as_weak(), controllers.clone());
    shell.on_sign_out(move || {
        with_window(&weak, |w| {
            c.session.sign_out();
            navigate(w, &c, Screen::SignIn);
        })
    });

    let weak = window.as_weak();
    shell.on_acknowledge_feedback(move || with_window(&weak, clear_feedback));

    let weak = window.as_weak();
    shell.on_tapped(move || with_window(&weak, |w| w.invoke_focus_scan_input()));

    // Wedges without a suffix key end a scan after an idle pause: a timer polls for it.
    let idle_timer = Rc::new(Timer::default());
    let (weak, c) = (window.as_weak(), controllers.clone());
    shell.on_key_text(move |text| {
        let scans = c.scan_input.borrow_mut().key_text(&text, Instant::now());
        with_window(&weak, |w| {
            for scan in scans {
                route_scan(w, &c, scan);
            }
        });
        schedule_idle_poll(&idle_timer, &weak, &c);
    });
}

fn schedule_idle_poll(timer: &Rc<Timer>, weak: &slint::Weak<MainWindow>, c: &Rc<Controllers>) {
    let Some(deadline) = c.scan_input.borrow().next_deadline() else {
        return;
    };
    let (weak, c) = (weak.clone(), c.clone());
    let wait = deadline.saturating_duration_since(Instant::now());
    timer.start(TimerMode::SingleShot, wait, move || {
        let scans = c.scan_input.borrow_mut().poll(Instant::now());
        with_window(&weak, |w| {
            for scan in scans {
                route_scan(w, &c, scan);
            }
        });
    });
}

/// Hands a scan to the screen that is up. The previous feedback is acknowledged by it.
pub fn route_scan(window: &MainWindow, controllers: &Rc<Controllers>, scan: Scan) {
    tracing::debug!(data = %scan.data, source = ?scan.source, "scan");
    clear_feedback(window);
    match window.global::<ShellAdapter>().get_screen() {
        Screen::SignIn => sign_in::sign_in_with(window, controllers, &scan.data),
        Screen::Setup => setup::fill_token(window, controllers, &scan.data),
        Screen::Lookup => lookup::show_scan(window, controllers, &scan),
        Screen::Pick => pick::scan(window, controllers, &scan),
        Screen::Receive => receive::scan(window, controllers, &scan),
        Screen::Putaway => putaway::scan(window, controllers, &scan),
        Screen::Pack => pack::scan(window, controllers, &scan),
        Screen::Count => count::scan(window, controllers, &scan),
        Screen::MoveAdjust => move_adjust::scan(window, controllers, &scan),
        _ => {
            navigate(window, controllers, Screen::Lookup);
            lookup::show_scan(window, controllers, &scan);
        }
    }
}

/// Loads a screen's data, shows it, and gives focus back to the scan input.
pub fn navigate(window: &MainWindow, controllers: &Rc<Controllers>, screen: Screen) {
    match screen {
        Screen::Home => home::show(window, controllers),
        Screen::Sync => sync_status::show(window, controllers),
        Screen::Setup => {
            let from = window.global::<ShellAdapter>().get_screen();
            setup::show(window, controllers, from == Screen::Labels);
        }
        Screen::SignIn => sign_in::show(window),
        Screen::Lookup => lookup::reset(window),
        Screen::Pick | Screen::More => {}
        // Job screens load their data in their own `open`.
        Screen::Receive | Screen::Putaway | Screen::Pack | Screen::Count | Screen::MoveAdjust => {}
        Screen::Conflicts => conflicts::show(window, controllers),
        Screen::Labels => {
            let from = window.global::<ShellAdapter>().get_screen();
            labels::show(window, controllers, from);
        }
    }
    labels::refresh_waiting(window, controllers);
    let shell = window.global::<ShellAdapter>();
    let operator = controllers.session.operator();
    shell.set_operator(operator.map(|o| o.as_str().into()).unwrap_or_default());
    shell.set_screen(screen);
    window.invoke_focus_scan_input();
}

/// Codes in the band's words (bins `A-03-2-B`, documents `ASN-4711`) never break at
/// their hyphens: a hyphen between letters or digits of a word that holds a digit becomes
/// a non-breaking hyphen (U+2011), which the band's font draws like a hyphen.
pub fn no_break_codes(text: &str) -> String {
    text.split(' ')
        .map(|word| {
            if !word.chars().any(|c| c.is_ascii_digit()) {
                return word.to_owned();
            }
            let chars: Vec<char> = word.chars().collect();
            chars
                .iter()
                .enumerate()
                .map(|(i, &c)| {
                    let joins = c == '-'
                        && i > 0
                        && chars[i - 1].is_alphanumeric()
                        && chars.get(i + 1).is_some_and(|n| n.is_alphanumeric());
                    if joins { '\u{2011}' } else { c }
                })
                .collect()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn set_band(window: &MainWindow, controllers: &Controllers, text: &str, kind: FeedbackKind) {
    let shell = window.global::<ShellAdapter>();
    shell.set_feedback_text(no_break_codes(text).into());
    shell.set_feedback(kind);
    // Every step shows the band: the strip's label count stays current with it.
    labels::refresh_waiting(window, controllers);
}

/// Shows the green band with its words and beeps.
pub fn show_good(window: &MainWindow, controllers: &Controllers, text: slint::SharedString) {
    set_band(window, controllers, &text, FeedbackKind::Good);
    controllers.feedback.good();
}

/// Shows the red band with the reason and buzzes; it stays until tapped or the next scan.
pub fn show_bad(window: &MainWindow, controllers: &Controllers, text: slint::SharedString) {
    set_band(window, controllers, &text, FeedbackKind::Bad);
    controllers.feedback.bad();
}

/// Shows the amber band: accepted, but the workflow needs a decision; it stays like red.
pub fn show_warn(window: &MainWindow, controllers: &Controllers, text: slint::SharedString) {
    set_band(window, controllers, &text, FeedbackKind::Warn);
    controllers.feedback.bad();
}

pub fn clear_feedback(window: &MainWindow) {
    let shell = window.global::<ShellAdapter>();
    shell.set_feedback(FeedbackKind::None);
    shell.set_feedback_text(Default::default());
}

#[cfg(test)]
mod tests {
    use super::no_break_codes;

    #[test]
    fn codes_keep_their_hyphens_together_and_words_do_not() {
        assert_eq!(
            no_break_codes("Wrong bin: go to A-03-2-B, scanned B-01-1-A"),
            "Wrong bin: go to A\u{2011}03\u{2011}2\u{2011}B, scanned B\u{2011}01\u{2011}1\u{2011}A"
        );
        assert_eq!(
            no_break_codes("a well-known item - ok"),
            "a well-known item - ok"
        );
    }
}
