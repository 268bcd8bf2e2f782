//! Input events from NativeActivity into the Slint window: keys (a DataWedge or Honeywell
//! keyboard wedge types into the focused scan input, see [`crate::keys`]) and touches.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use android_activity::input::{
    InputEvent, KeyAction, KeyCharacterMap, KeyEvent, KeyMapChar, MotionAction, MotionEvent,
};
use android_activity::{AndroidApp, InputStatus};
use slint::platform::software_renderer::MinimalSoftwareWindow;
use slint::platform::{Key, PointerEventButton, WindowEvent};
use slint::{LogicalPosition, SharedString};

use crate::display;
use crate::keys::{self, KeyText, NamedKey};

/// The key character maps of the input devices seen so far (one JNI look-up each).
#[derive(Default)]
pub struct KeyInput {
    maps: HashMap<i32, KeyCharacterMap>,
}

impl KeyInput {
    fn unicode(&mut self, app: &AndroidApp, event: &KeyEvent<'_>) -> Option<char> {
        let device = event.device_id();
        // Device 0 is a virtual device without a key map.
        if device == 0 {
            return None;
        }
        let map = match self.maps.entry(device) {
            Entry::Occupied(entry) => entry.into_mut(),
            Entry::Vacant(entry) => match app.device_key_character_map(device) {
                Ok(map) => entry.insert(map),
                Err(error) => {
                    log::warn!("no key map for input device {device}: {error}");
                    return None;
                }
            },
        };
        match map.get(event.key_code(), event.meta_state()) {
            Ok(KeyMapChar::Unicode(c)) => Some(c),
            Ok(KeyMapChar::None | KeyMapChar::CombiningAccent(_)) => None,
            Err(error) => {
                log::warn!("key map look-up failed: {error}");
                None
            }
        }
    }
}

fn named(key: NamedKey) -> SharedString {
    match key {
        NamedKey::Backspace => Key::Backspace.into(),
        NamedKey::Delete => Key::Delete.into(),
        NamedKey::Escape => Key::Escape.into(),
        NamedKey::Up => Key::UpArrow.into(),
        NamedKey::Down => Key::DownArrow.into(),
        NamedKey::Left => Key::LeftArrow.into(),
        NamedKey::Right => Key::RightArrow.into(),
    }
}

/// Hands one input event to the window; unhandled events go back to Android (Back, volume,
/// the scan trigger).
pub fn dispatch(
    app: &AndroidApp,
    window: &MinimalSoftwareWindow,
    keys: &mut KeyInput,
    scale_factor: f32,
    event: &InputEvent<'_>,
) -> InputStatus {
    match event {
        InputEvent::KeyEvent(key) => dispatch_key(app, window, keys, key),
        InputEvent::MotionEvent(motion) => dispatch_touch(window, scale_factor, motion),
        _ => InputStatus::Unhandled,
    }
}

fn dispatch_key(
    app: &AndroidApp,
    window: &MinimalSoftwareWindow,
    keys: &mut KeyInput,
    event: &KeyEvent<'_>,
) -> InputStatus {
    let code: u32 = event.key_code().into();
    let code = i32::try_from(code).unwrap_or(i32::MAX);
    let unicode = keys.unicode(app, event);
    let Some(text) = keys::key_text(code, event.meta_state().0, unicode) else {
        return InputStatus::Unhandled;
    };
    let text: SharedString = match text {
        KeyText::Char(c) => c.into(),
        KeyText::Named(key) => named(key),
    };
    let event = match event.action() {
        KeyAction::Down if event.repeat_count() > 0 => WindowEvent::KeyPressRepeated { text },
        KeyAction::Down => WindowEvent::KeyPressed { text },
        KeyAction::Up => WindowEvent::KeyReleased { text },
        _ => return InputStatus::Unhandled,
    };
    window.dispatch_event(event);
    InputStatus::Handled
}

fn dispatch_touch(
    window: &MinimalSoftwareWindow,
    scale_factor: f32,
    event: &MotionEvent<'_>,
) -> InputStatus {
    // One finger drives the UI (gloves); further pointers are ignored.
    let pointer = event.pointer_at_index(0);
    let (x, y) = display::logical_position(pointer.x(), pointer.y(), scale_factor);
    let position = LogicalPosition::new(x, y);
    let button = PointerEventButton::Left;
    let event = match event.action() {
        MotionAction::Down => WindowEvent::PointerPressed { position, button },
        MotionAction::Move => WindowEvent::PointerMoved { position },
        MotionAction::Up => WindowEvent::PointerReleased { position, button },
        MotionAction::Cancel | MotionAction::Outside => WindowEvent::PointerExited,
        _ => return InputStatus::Unhandled,
    };
    window.dispatch_event(event);
    InputStatus::Handled
}
