//! The scan input: keys the focused scan field receives, assembled into scans by the
//! scanner profile's [`WedgeAssembler`], so a wedge scanner and a person typing behave here
//! exactly as they do in `dockhand-cli listen`.

use std::time::Instant;

use dockhand_app::barcode::Scan;
use dockhand_app::scanner::{KeyEvent, WedgeAssembler, WedgeConfig};

/// Turns key text into scans.
#[derive(Debug)]
pub struct ScanInput {
    assembler: WedgeAssembler,
}

impl ScanInput {
    pub fn new(config: WedgeConfig) -> Self {
        Self {
            assembler: WedgeAssembler::new(config),
        }
    }

    /// Uses a new scanner profile from now on (after device setup).
    pub fn reconfigure(&mut self, config: WedgeConfig) {
        self.assembler = WedgeAssembler::new(config);
    }

    /// Feeds the text of one key event; returns the scans it completed. Keys a toolkit
    /// reports as text but that are not typed characters (arrows, Escape, function keys,
    /// which Slint encodes in the private use area) are ignored.
    pub fn key_text(&mut self, text: &str, at: Instant) -> Vec<Scan> {
        let typed: String = text.chars().filter(|&c| is_typed(c)).collect();
        if typed.is_empty() {
            return Vec::new();
        }
        self.assembler.push_all(KeyEvent::from_text(&typed, at))
    }

    /// Ends a scan that has been idle long enough (wedges without a suffix key).
    pub fn poll(&mut self, now: Instant) -> Vec<Scan> {
        self.assembler.poll(now)
    }

    /// When [`ScanInput::poll`] should be called next, if at all.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.assembler.next_deadline()
    }
}

fn is_typed(c: char) -> bool {
    let private_use = ('\u{E000}'..='\u{F8FF}').contains(&c);
    let control_kept = matches!(c, '\n' | '\r' | '\t' | '\u{1d}');
    !private_use && (!c.is_control() || control_kept)
}

#[cfg(test)]
mod tests {
    use super::*;
    use dockhand_app::barcode::ScanSource;

    #[test]
    fn a_burst_ending_in_enter_is_one_wedge_scan() {
        let mut input = ScanInput::new(WedgeConfig::default());
        let now = Instant::now();
        let mut scans = Vec::new();
        for c in "09506000134352\n".chars() {
            scans.extend(input.key_text(&c.to_string(), now));
        }
        assert_eq!(scans.len(), 1);
        assert_eq!(scans[0].data, "09506000134352");
        assert_eq!(scans[0].source, ScanSource::Wedge);
    }

    #[test]
    fn special_keys_do_not_become_scan_data() {
        let mut input = ScanInput::new(WedgeConfig::default());
        let now = Instant::now();
        // Escape and an arrow key as Slint reports them.
        assert!(input.key_text("\u{1b}", now).is_empty());
        assert!(input.key_text("\u{F700}", now).is_empty());
        let scans = input.key_text("A-03-2-B\n", now);
        assert_eq!(scans[0].data, "A-03-2-B");
    }
}
