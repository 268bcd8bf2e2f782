//! Keyboard-wedge assembly: turns key events from a scanner that types (Zebra DataWedge in
//! keystroke mode, Honeywell wedge, a USB HID scanner) into scans, and tells scanner bursts
//! from a person typing.
//!
//! Pure state machine: the caller passes every key with the time it arrived and calls
//! [`WedgeAssembler::poll`] when [`WedgeAssembler::next_deadline`] passes. It must not read
//! the keyboard, sleep or look at the clock, so tests drive it with simulated time.
//!
//! # Scanner or person
//!
//! A scanner types a whole code in one burst, a few milliseconds per key; a person needs
//! 100 ms or more per key. Keys closer than [`WedgeConfig::max_key_gap_ms`] form a *run*.
//! When a scan ends (suffix key, or idle timeout without a suffix), the last run — including
//! the gap to the suffix key — is a scanner scan ([`ScanSource::Wedge`]) if it has at least
//! [`WedgeConfig::min_scan_len`] characters or starts with the configured prefix. Anything
//! typed before that run, and a buffer with no such run, is human input: by default it is
//! emitted as [`ScanSource::Manual`] (a worker typing a code the scanner cannot read is
//! still input the UI wants), or dropped with [`HumanInput::Drop`].
//!
//! A pause longer than `max_key_gap_ms` inside a burst (a stalled device) splits it; raise
//! the threshold on slow devices.
//!
//! # Back-to-back scans
//!
//! With an Enter or Tab suffix every suffix key ends a scan, so two scans fired 10 ms apart
//! stay two scans. Without a suffix, scans are separated by the idle timeout or by the
//! prefix character: scans fired closer together than `idle_timeout_ms` need a prefix.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::framing::normalise_scan_text;
use crate::barcode::{Scan, ScanSource};

/// One key as the wedge typed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// A character of text, GS (0x1D) included.
    Char(char),
    Enter,
    Tab,
}

/// A key and when it arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyEvent {
    pub key: Key,
    pub at: Instant,
}

impl KeyEvent {
    pub fn new(key: Key, at: Instant) -> Self {
        Self { key, at }
    }

    /// Key events for text a UI toolkit delivered in one event (Slint's `KeyPressed { text
    /// }`): `"\n"` and `"\r"` are Enter, `"\t"` is Tab.
    pub fn from_text(text: &str, at: Instant) -> impl Iterator<Item = KeyEvent> + '_ {
        text.chars().map(move |c| {
            let key = match c {
                '\n' | '\r' => Key::Enter,
                '\t' => Key::Tab,
                other => Key::Char(other),
            };
            KeyEvent { key, at }
        })
    }
}

/// The key a wedge scanner sends after each scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WedgeSuffix {
    Enter,
    Tab,
    /// No suffix: a scan ends after `idle_timeout_ms` without keys. Enter still ends what a
    /// person typed.
    None,
}

/// What to do with keys a person typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HumanInput {
    /// Emit it as a scan with [`ScanSource::Manual`].
    EmitManual,
    /// Drop it (a field where only scans are allowed).
    Drop,
}

/// How a keyboard-wedge scanner is set up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WedgeConfig {
    /// A character the scanner types before each scan; stripped, and it starts a new scan.
    pub prefix: Option<char>,
    pub suffix: WedgeSuffix,
    /// Longest pause between two keys of one scanner burst.
    pub max_key_gap_ms: u64,
    /// With no suffix: silence that ends a scan.
    pub idle_timeout_ms: u64,
    /// Shortest burst counted as a scan (without the prefix).
    pub min_scan_len: usize,
    /// The character the scanner types in place of FNC1; it becomes GS (0x1D).
    pub fnc1_substitute: Option<char>,
    /// Split a leading AIM symbology identifier (`]C1`…) off the data.
    pub strip_aim_id: bool,
    pub human_input: HumanInput,
}

impl Default for WedgeConfig {
    fn default() -> Self {
        Self {
            prefix: None,
            suffix: WedgeSuffix::Enter,
            max_key_gap_ms: 40,
            idle_timeout_ms: 50,
            min_scan_len: 3,
            fnc1_substitute: None,
            strip_aim_id: true,
            human_input: HumanInput::EmitManual,
        }
    }
}

impl WedgeConfig {
    pub fn max_key_gap(&self) -> Duration {
        Duration::from_millis(self.max_key_gap_ms)
    }

    pub fn idle_timeout(&self) -> Duration {
        Duration::from_millis(self.idle_timeout_ms)
    }
}

/// Maps the monotonic instants keys carry to wall-clock times for [`Scan::received_at`].
#[derive(Debug, Clone, Copy)]
struct WallClock {
    origin: Instant,
    wall: DateTime<Utc>,
}

impl WallClock {
    fn at(&self, instant: Instant) -> DateTime<Utc> {
        let offset = |d: Duration| chrono::Duration::from_std(d).ok();
        let stamped = if instant >= self.origin {
            offset(instant - self.origin).and_then(|d| self.wall.checked_add_signed(d))
        } else {
            offset(self.origin - instant).and_then(|d| self.wall.checked_sub_signed(d))
        };
        stamped.unwrap_or(self.wall)
    }
}

/// The wedge state machine. See the module documentation for how it classifies keys.
#[derive(Debug)]
pub struct WedgeAssembler {
    config: WedgeConfig,
    clock: WallClock,
    keys: Vec<(char, Instant)>,
}

impl WedgeAssembler {
    /// An assembler whose scans are stamped relative to the current wall clock.
    pub fn new(config: WedgeConfig) -> Self {
        Self::with_clock(config, Instant::now(), Utc::now())
    }

    /// An assembler that stamps a key at `origin` with `wall` (for simulated time).
    pub fn with_clock(config: WedgeConfig, origin: Instant, wall: DateTime<Utc>) -> Self {
        Self {
            config,
            clock: WallClock { origin, wall },
            keys: Vec::new(),
        }
    }

    pub fn config(&self) -> &WedgeConfig {
        &self.config
    }

    /// Feeds one key; returns the scans it completed, oldest first.
    pub fn push(&mut self, event: KeyEvent) -> Vec<Scan> {
        let mut out = Vec::new();
        if self.config.suffix == WedgeSuffix::None
            && self.last_key_at().is_some_and(|last| {
                event.at.saturating_duration_since(last) >= self.config.idle_timeout()
            })
        {
            self.flush_idle_scan(&mut out);
        }
        match event.key {
            Key::Char(c) => {
                if self.config.prefix == Some(c) && !self.keys.is_empty() {
                    self.complete(None, &mut out);
                }
                self.keys.push((c, event.at));
            }
            Key::Enter if matches!(self.config.suffix, WedgeSuffix::Enter | WedgeSuffix::None) => {
                self.complete(Some(event.at), &mut out);
            }
            Key::Tab if self.config.suffix == WedgeSuffix::Tab => {
                self.complete(Some(event.at), &mut out);
            }
            Key::Enter | Key::Tab => {
                tracing::debug!(key = ?event.key, "ignored a key that is not the wedge suffix");
            }
        }
        out
    }

    /// Feeds several keys; returns every scan they completed, oldest first.
    pub fn push_all(&mut self, events: impl IntoIterator<Item = KeyEvent>) -> Vec<Scan> {
        events.into_iter().flat_map(|e| self.push(e)).collect()
    }

    /// Ends a scan that has been idle for the timeout (no-suffix wedges). Call it when
    /// [`WedgeAssembler::next_deadline`] passes.
    pub fn poll(&mut self, now: Instant) -> Vec<Scan> {
        let mut out = Vec::new();
        if self.next_deadline().is_some_and(|deadline| now >= deadline) {
            self.flush_idle_scan(&mut out);
        }
        out
    }

    /// When [`WedgeAssembler::poll`] could end a scan, if ever.
    pub fn next_deadline(&self) -> Option<Instant> {
        if self.config.suffix != WedgeSuffix::None {
            return None;
        }
        let last = self.last_key_at()?;
        let start = self.last_run_start();
        if !self.run_is_scan(&self.keys[start..], None) {
            return None;
        }
        last.checked_add(self.config.idle_timeout())
    }

    fn last_key_at(&self) -> Option<Instant> {
        self.keys.last().map(|&(_, at)| at)
    }

    /// Index of the first key of the last run (keys closer than `max_key_gap`).
    fn last_run_start(&self) -> usize {
        run_start(&self.keys, self.config.max_key_gap())
    }

    fn run_is_scan(&self, run: &[(char, Instant)], terminator_at: Option<Instant>) -> bool {
        let Some(&(first, _)) = run.first() else {
            return false;
        };
        let Some(&(_, last_at)) = run.last() else {
            return false;
        };
        if terminator_at
            .is_some_and(|t| t.saturating_duration_since(last_at) > self.config.max_key_gap())
        {
            return false;
        }
        let prefixed = self.config.prefix == Some(first);
        let data_len = run.len() - usize::from(prefixed);
        data_len > 0 && (prefixed || data_len >= self.config.min_scan_len)
    }

    /// Without a suffix: emits the buffer if its last run is a scan; a person's keys wait
    /// for Enter or for the next scan.
    fn flush_idle_scan(&mut self, out: &mut Vec<Scan>) {
        let start = self.last_run_start();
        if self.run_is_scan(&self.keys[start..], None) {
            self.complete(None, out);
        }
    }

    /// Ends the buffer: the last run is a scan if it looks like one, the rest is human.
    fn complete(&mut self, terminator_at: Option<Instant>, out: &mut Vec<Scan>) {
        let keys = std::mem::take(&mut self.keys);
        if keys.is_empty() {
            return;
        }
        let (head, run) = keys.split_at(run_start(&keys, self.config.max_key_gap()));
        if self.run_is_scan(run, terminator_at) {
            self.emit_human(head, out);
            let at = terminator_at.unwrap_or(run[run.len() - 1].1);
            out.push(self.build_scan(run, at, ScanSource::Wedge));
        } else {
            let at = terminator_at.unwrap_or(keys[keys.len() - 1].1);
            self.emit_human_at(&keys, at, out);
        }
    }

    fn emit_human(&self, keys: &[(char, Instant)], out: &mut Vec<Scan>) {
        if let Some(&(_, at)) = keys.last() {
            self.emit_human_at(keys, at, out);
        }
    }

    fn emit_human_at(&self, keys: &[(char, Instant)], at: Instant, out: &mut Vec<Scan>) {
        match self.config.human_input {
            HumanInput::EmitManual => {
                let scan = self.build_scan(keys, at, ScanSource::Manual);
                if !scan.data.is_empty() {
                    out.push(scan);
                }
            }
            HumanInput::Drop => {
                tracing::debug!(keys = keys.len(), "dropped keys typed by a person");
            }
        }
    }

    fn build_scan(&self, keys: &[(char, Instant)], at: Instant, source: ScanSource) -> Scan {
        let mut chars = keys.iter().map(|&(c, _)| c).peekable();
        if self.config.prefix.is_some() && chars.peek().copied() == self.config.prefix {
            chars.next();
        }
        let text: String = chars.collect();
        let (symbology, data) =
            normalise_scan_text(&text, self.config.fnc1_substitute, self.config.strip_aim_id);
        Scan {
            data,
            symbology,
            received_at: self.clock.at(at),
            source,
        }
    }
}

/// Index of the first key of the last run: keys no more than `gap` apart.
fn run_start(keys: &[(char, Instant)], gap: Duration) -> usize {
    (1..keys.len())
        .rev()
        .find(|&i| keys[i].1.saturating_duration_since(keys[i - 1].1) > gap)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::barcode::{GS, Symbology};

    const SCANNER_GAP: Duration = Duration::from_millis(5);
    const HUMAN_GAP: Duration = Duration::from_millis(120);

    /// Keys for `text` typed with `gap` between keys from `start`, then `suffix` after one
    /// more gap; returns the events and the time of the last one.
    fn typed(
        text: &str,
        suffix: Option<Key>,
        start: Instant,
        gap: Duration,
    ) -> (Vec<KeyEvent>, Instant) {
        let mut at = start;
        let mut events = Vec::new();
        for (i, c) in text.chars().enumerate() {
            if i > 0 {
                at += gap;
            }
            events.push(KeyEvent::new(Key::Char(c), at));
        }
        if let Some(key) = suffix {
            at += gap;
            events.push(KeyEvent::new(key, at));
        }
        (events, at)
    }

    fn assembler(config: WedgeConfig) -> (WedgeAssembler, Instant) {
        let t0 = Instant::now();
        (WedgeAssembler::with_clock(config, t0, Utc::now()), t0)
    }

    fn summary(scans: &[Scan]) -> Vec<(String, ScanSource)> {
        scans.iter().map(|s| (s.data.clone(), s.source)).collect()
    }

    #[test]
    fn a_scanner_burst_with_enter_is_one_scan() {
        let (mut w, t0) = assembler(WedgeConfig::default());
        let (events, end) = typed("0109506000134352", Some(Key::Enter), t0, SCANNER_GAP);
        let scans = w.push_all(events);
        assert_eq!(
            summary(&scans),
            [("0109506000134352".into(), ScanSource::Wedge)]
        );
        assert_eq!(scans[0].received_at, w.clock.at(end));
    }

    #[test]
    fn a_person_typing_is_manual_input_or_dropped() {
        let (mut w, t0) = assembler(WedgeConfig::default());
        let (events, _) = typed("A-03-2", Some(Key::Enter), t0, HUMAN_GAP);
        assert_eq!(
            summary(&w.push_all(events.clone())),
            [("A-03-2".into(), ScanSource::Manual)]
        );

        let (mut w, _) = assembler(WedgeConfig {
            human_input: HumanInput::Drop,
            ..WedgeConfig::default()
        });
        assert!(w.push_all(events).is_empty());
    }

    #[test]
    fn a_burst_followed_by_a_slow_enter_is_not_a_scan() {
        let (mut w, t0) = assembler(WedgeConfig::default());
        let (mut events, end) = typed("12345", None, t0, SCANNER_GAP);
        events.push(KeyEvent::new(Key::Enter, end + HUMAN_GAP));
        assert_eq!(
            summary(&w.push_all(events)),
            [("12345".into(), ScanSource::Manual)]
        );
    }

    #[test]
    fn two_scans_10_ms_apart_stay_two_scans() {
        let (mut w, t0) = assembler(WedgeConfig::default());
        let (mut events, end) = typed("]C10109506000134352", Some(Key::Enter), t0, SCANNER_GAP);
        let (second, _) = typed(
            "095060001000000012",
            Some(Key::Enter),
            end + Duration::from_millis(10),
            SCANNER_GAP,
        );
        events.extend(second);
        let scans = w.push_all(events);
        assert_eq!(
            summary(&scans),
            [
                ("0109506000134352".into(), ScanSource::Wedge),
                ("095060001000000012".into(), ScanSource::Wedge)
            ]
        );
        assert_eq!(
            scans[0].symbology.map(|s| s.symbology()),
            Some(Symbology::Gs1_128)
        );
        assert_eq!(scans[1].symbology, None);
    }

    #[test]
    fn a_thousand_scans_back_to_back_are_each_kept() {
        let (mut w, t0) = assembler(WedgeConfig::default());
        let mut at = t0;
        let mut scans = Vec::new();
        for n in 0..1000 {
            let (events, end) = typed(&format!("SSCC{n:014}"), Some(Key::Enter), at, SCANNER_GAP);
            scans.extend(w.push_all(events));
            at = end + SCANNER_GAP;
        }
        assert_eq!(scans.len(), 1000);
        for (n, scan) in scans.iter().enumerate() {
            assert_eq!(scan.data, format!("SSCC{n:014}"));
            assert_eq!(scan.source, ScanSource::Wedge);
        }
    }

    #[test]
    fn the_fnc1_substitute_becomes_gs() {
        let (mut w, t0) = assembler(WedgeConfig {
            fnc1_substitute: Some('|'),
            ..WedgeConfig::default()
        });
        let (events, _) = typed(
            "]C10109506000134352|10ABC|17271231",
            Some(Key::Enter),
            t0,
            SCANNER_GAP,
        );
        let scans = w.push_all(events);
        assert_eq!(
            scans[0].data,
            format!("0109506000134352{GS}10ABC{GS}17271231")
        );
        assert_eq!(
            scans[0].symbology.map(|s| s.to_string()),
            Some("]C1".into())
        );
    }

    #[test]
    fn a_real_gs_key_is_kept() {
        let (mut w, t0) = assembler(WedgeConfig::default());
        let (events, _) = typed("10ABC\u{1d}17271231", Some(Key::Enter), t0, SCANNER_GAP);
        assert_eq!(w.push_all(events)[0].data, "10ABC\u{1d}17271231");
    }

    #[test]
    fn keys_typed_before_a_scan_are_split_off_as_manual() {
        let (mut w, t0) = assembler(WedgeConfig::default());
        let (mut events, end) = typed("12", None, t0, HUMAN_GAP);
        let (scan, _) = typed(
            "ABCDEF",
            Some(Key::Enter),
            end + Duration::from_millis(400),
            SCANNER_GAP,
        );
        events.extend(scan);
        assert_eq!(
            summary(&w.push_all(events)),
            [
                ("12".into(), ScanSource::Manual),
                ("ABCDEF".into(), ScanSource::Wedge)
            ]
        );
    }

    #[test]
    fn tab_suffix_ends_scans_and_enter_is_ignored() {
        let (mut w, t0) = assembler(WedgeConfig {
            suffix: WedgeSuffix::Tab,
            ..WedgeConfig::default()
        });
        let (mut events, end) = typed("LOT42", Some(Key::Tab), t0, SCANNER_GAP);
        events.push(KeyEvent::new(Key::Enter, end + SCANNER_GAP));
        let (second, _) = typed("LOT43", Some(Key::Tab), end + 2 * SCANNER_GAP, SCANNER_GAP);
        events.extend(second);
        assert_eq!(
            summary(&w.push_all(events)),
            [
                ("LOT42".into(), ScanSource::Wedge),
                ("LOT43".into(), ScanSource::Wedge)
            ]
        );
    }

    #[test]
    fn without_a_suffix_a_scan_ends_after_the_idle_timeout() {
        let (mut w, t0) = assembler(WedgeConfig {
            suffix: WedgeSuffix::None,
            ..WedgeConfig::default()
        });
        let (events, end) = typed("0950600013435", None, t0, SCANNER_GAP);
        assert!(w.push_all(events).is_empty());
        assert_eq!(w.next_deadline(), Some(end + Duration::from_millis(50)));
        assert!(w.poll(end + Duration::from_millis(49)).is_empty());
        let scans = w.poll(end + Duration::from_millis(50));
        assert_eq!(
            summary(&scans),
            [("0950600013435".into(), ScanSource::Wedge)]
        );
        assert_eq!(w.next_deadline(), None);
    }

    #[test]
    fn without_a_suffix_a_person_ends_input_with_enter() {
        let (mut w, t0) = assembler(WedgeConfig {
            suffix: WedgeSuffix::None,
            ..WedgeConfig::default()
        });
        let (events, end) = typed("B-7", None, t0, HUMAN_GAP);
        assert!(w.push_all(events).is_empty());
        // No deadline: a person's keys wait for Enter instead of becoming one scan per key.
        assert_eq!(w.next_deadline(), None);
        assert!(w.poll(end + Duration::from_secs(5)).is_empty());
        let scans = w.push(KeyEvent::new(Key::Enter, end + Duration::from_secs(6)));
        assert_eq!(summary(&scans), [("B-7".into(), ScanSource::Manual)]);
    }

    #[test]
    fn without_a_suffix_two_scans_10_ms_apart_are_split_by_prefix_or_short_timeout() {
        // A prefix starts a new scan whatever the timing.
        let (mut w, t0) = assembler(WedgeConfig {
            suffix: WedgeSuffix::None,
            prefix: Some('$'),
            ..WedgeConfig::default()
        });
        let (mut events, end) = typed("$AAA111", None, t0, SCANNER_GAP);
        let (second, end2) = typed(
            "$BBB222",
            None,
            end + Duration::from_millis(10),
            SCANNER_GAP,
        );
        events.extend(second);
        let mut scans = w.push_all(events);
        scans.extend(w.poll(end2 + Duration::from_millis(50)));
        let expected = [
            ("AAA111".into(), ScanSource::Wedge),
            ("BBB222".into(), ScanSource::Wedge),
        ];
        assert_eq!(summary(&scans), expected);

        // Without a prefix, an idle timeout between the key gap and the scan gap works too.
        let (mut w, t0) = assembler(WedgeConfig {
            suffix: WedgeSuffix::None,
            idle_timeout_ms: 8,
            ..WedgeConfig::default()
        });
        let (mut events, end) = typed("AAA111", None, t0, SCANNER_GAP);
        let (second, end2) = typed("BBB222", None, end + Duration::from_millis(10), SCANNER_GAP);
        events.extend(second);
        let mut scans = w.push_all(events);
        scans.extend(w.poll(end2 + Duration::from_millis(8)));
        assert_eq!(summary(&scans), expected);
    }

    #[test]
    fn an_enter_on_an_empty_buffer_is_nothing() {
        let (mut w, t0) = assembler(WedgeConfig::default());
        assert!(w.push(KeyEvent::new(Key::Enter, t0)).is_empty());
    }

    proptest::proptest! {
        /// Scans typed 1–30 ms per key and fired 0–200 ms apart, Enter after each: every
        /// scan comes out once, whole, in order.
        #[test]
        fn back_to_back_scans_are_never_lost_or_merged(
            scans in proptest::collection::vec(
                ("[A-Z0-9]{3,40}", 1u64..=30, 0u64..=200),
                1..60,
            ),
        ) {
            let (mut w, t0) = assembler(WedgeConfig::default());
            let mut at = t0;
            let mut out = Vec::new();
            for (code, key_gap, pause) in &scans {
                at += Duration::from_millis(*pause);
                let gap = Duration::from_millis(*key_gap);
                let (events, end) = typed(code, Some(Key::Enter), at, gap);
                out.extend(w.push_all(events));
                at = end;
            }
            let got: Vec<(String, ScanSource)> = summary(&out);
            let want: Vec<(String, ScanSource)> =
                scans.iter().map(|(code, _, _)| (code.clone(), ScanSource::Wedge)).collect();
            proptest::prop_assert_eq!(got, want);
        }
    }

    #[test]
    fn text_events_map_newline_and_tab_to_keys() {
        let t = Instant::now();
        let keys: Vec<Key> = KeyEvent::from_text("a\t\n", t).map(|e| e.key).collect();
        assert_eq!(keys, [Key::Char('a'), Key::Tab, Key::Enter]);
    }
}
