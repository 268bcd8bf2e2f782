//! DataWedge keystroke mode (and Honeywell's keyboard wedge): Android key events become the
//! text Slint's scan input receives, which `dockhand-ui` assembles into scans with the
//! scanner profile's `WedgeAssembler`, exactly as on the desktop.
//!
//! NativeActivity delivers key codes plus meta state; the character comes from the device's
//! `KeyCharacterMap` (looked up by the Android-only code and passed in here). What the
//! NDK cannot deliver are `ACTION_MULTIPLE` events carrying a string: DataWedge sends those
//! when "Send characters as events" is on, so the shipped profile turns it off.

/// Android `KeyEvent` key codes this module treats specially.
pub mod code {
    pub const DPAD_UP: i32 = 19;
    pub const DPAD_DOWN: i32 = 20;
    pub const DPAD_LEFT: i32 = 21;
    pub const DPAD_RIGHT: i32 = 22;
    pub const TAB: i32 = 61;
    pub const ENTER: i32 = 66;
    pub const DEL: i32 = 67;
    pub const RIGHT_BRACKET: i32 = 72;
    pub const ESCAPE: i32 = 111;
    pub const FORWARD_DEL: i32 = 112;
    pub const NUMPAD_ENTER: i32 = 160;
}

/// `KeyEvent.META_CTRL_ON`.
pub const META_CTRL_ON: u32 = 0x1000;

/// A key Slint knows by name (the Android-only code maps it to `slint::platform::Key`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NamedKey {
    Backspace,
    Delete,
    Escape,
    Up,
    Down,
    Left,
    Right,
}

/// What one key event gives the focused scan input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyText {
    /// A typed character, including `\n` (Enter, a wedge's suffix), `\t` and GS (0x1D).
    Char(char),
    Named(NamedKey),
}

/// The text of a key event: `unicode` is what the device's key character map gives for
/// the key code and meta state, if anything. Keys with no text (the scan trigger, volume,
/// shift on its own) give `None` and are left to Android.
pub fn key_text(key_code: i32, meta_state: u32, unicode: Option<char>) -> Option<KeyText> {
    let named = |key| Some(KeyText::Named(key));
    match key_code {
        code::ENTER | code::NUMPAD_ENTER => Some(KeyText::Char('\n')),
        code::TAB => Some(KeyText::Char('\t')),
        code::DEL => named(NamedKey::Backspace),
        code::FORWARD_DEL => named(NamedKey::Delete),
        code::ESCAPE => named(NamedKey::Escape),
        code::DPAD_UP => named(NamedKey::Up),
        code::DPAD_DOWN => named(NamedKey::Down),
        code::DPAD_LEFT => named(NamedKey::Left),
        code::DPAD_RIGHT => named(NamedKey::Right),
        // DataWedge with "Send control characters" types GS (FNC1 in GS1 data) as Ctrl+],
        // the ASCII way of typing 0x1D; the key character map has no character for it.
        code::RIGHT_BRACKET if meta_state & META_CTRL_ON != 0 => Some(KeyText::Char('\u{1d}')),
        _ => unicode
            .filter(|c| !c.is_control() || *c == '\u{1d}')
            .map(KeyText::Char),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds the key events a wedge scanner makes for `text` (one key per character, as
    /// the key character map resolves them) and collects the scan-input text.
    fn typed(keys: &[(i32, u32, Option<char>)]) -> String {
        keys.iter()
            .filter_map(|&(code, meta, unicode)| key_text(code, meta, unicode))
            .map(|k| match k {
                KeyText::Char(c) => c,
                KeyText::Named(_) => '?',
            })
            .collect()
    }

    #[test]
    fn a_datawedge_keystroke_burst_types_the_barcode_and_enter() {
        // "A-03" then Enter: letters and digits come from the key character map.
        let keys = [
            (29, 0x41, Some('A')), // KEYCODE_A with shift
            (69, 0, Some('-')),    // KEYCODE_MINUS
            (7, 0, Some('0')),     // KEYCODE_0
            (10, 0, Some('3')),    // KEYCODE_3
            (code::ENTER, 0, Some('\n')),
        ];
        assert_eq!(typed(&keys), "A-03\n");
    }

    #[test]
    fn gs1_separator_typed_as_ctrl_right_bracket_becomes_gs() {
        let keys = [
            (8, 0, Some('1')),
            (7, 0, Some('0')),
            (code::RIGHT_BRACKET, META_CTRL_ON, None),
            (8, 0, Some('1')),
            (code::NUMPAD_ENTER, 0, None),
        ];
        assert_eq!(typed(&keys), "10\u{1d}1\n");
        // Without Ctrl it is just the bracket.
        assert_eq!(
            key_text(code::RIGHT_BRACKET, 0, Some(']')),
            Some(KeyText::Char(']'))
        );
    }

    /// The whole keystroke path short of Slint: DataWedge's key events for a GS1-128 label
    /// (digits, GS as Ctrl+], Enter), 5 ms apart, through the `zebra-datawedge-keystroke`
    /// profile's assembler — what the scan input does with the same text.
    #[test]
    fn a_keystroke_gs1_scan_becomes_one_wedge_scan_with_its_gs() {
        use std::time::{Duration, Instant};

        use dockhand_app::barcode::ScanSource;
        use dockhand_app::scanner::{KeyEvent, ProfileInput, ScannerProfile, WedgeAssembler};

        let ProfileInput::Wedge(config) = ScannerProfile::zebra_datawedge_keystroke().input else {
            panic!("the DataWedge keystroke preset is a wedge profile");
        };
        let mut wedge = WedgeAssembler::new(config);
        // KEYCODE_0..9 are 7..16; the key map gives the digit.
        let digit = |d: char| (7 + d.to_digit(10).unwrap() as i32, 0, Some(d));
        let mut keys: Vec<(i32, u32, Option<char>)> =
            "0109506000134352".chars().map(digit).collect();
        keys.push((code::RIGHT_BRACKET, META_CTRL_ON, None));
        keys.extend("10".chars().map(digit));
        keys.extend([
            (29, 0x41, Some('A')),
            (30, 0x41, Some('B')),
            (31, 0x41, Some('C')),
        ]);
        keys.extend("123".chars().map(digit));
        keys.push((code::ENTER, 0, Some('\n')));

        let start = Instant::now();
        let mut scans = Vec::new();
        for (i, &(code, meta, unicode)) in keys.iter().enumerate() {
            let Some(KeyText::Char(c)) = key_text(code, meta, unicode) else {
                panic!("key {code} gave no character");
            };
            let at = start + Duration::from_millis(5 * i as u64);
            scans.extend(wedge.push_all(KeyEvent::from_text(&c.to_string(), at)));
        }
        assert_eq!(scans.len(), 1, "{scans:?}");
        assert_eq!(scans[0].data, "0109506000134352\u{1d}10ABC123");
        assert_eq!(scans[0].source, ScanSource::Wedge);
    }

    #[test]
    fn editing_and_arrow_keys_are_named_and_silent_keys_give_nothing() {
        assert_eq!(
            key_text(code::DEL, 0, None),
            Some(KeyText::Named(NamedKey::Backspace))
        );
        assert_eq!(
            key_text(code::DPAD_DOWN, 0, None),
            Some(KeyText::Named(NamedKey::Down))
        );
        assert_eq!(key_text(code::TAB, 0, None), Some(KeyText::Char('\t')));
        // The scan trigger (Zebra 10036 / Honeywell 293 class keys), volume, bare shift.
        assert_eq!(key_text(10036, 0, None), None);
        assert_eq!(key_text(24, 0, None), None);
        assert_eq!(key_text(59, 0, None), None);
        // A control character from the key map other than GS is not typed.
        assert_eq!(key_text(1000, 0, Some('\u{7}')), None);
    }
}
