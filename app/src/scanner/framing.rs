//! Byte framing for serial scanners: cuts the byte stream of a serial or USB-serial scanner
//! into scans.
//!
//! Owns terminators (CR, LF, CRLF, ETX, or none with an idle timeout), an optional start
//! byte (STX), line-noise handling, the maximum scan length, AIM identifier stripping and the
//! FNC1 substitute. Pure: bytes and timestamps in, [`FramedScan`]s out; it must not read a
//! port, sleep or look at the clock (the caller passes `now`).
//!
//! # Noise
//!
//! Line noise (a wrong baud rate, a cable being plugged in, a scanner booting) shows up as
//! control bytes and bytes that are not UTF-8. Those bytes are dropped wherever they appear,
//! so junk between two scans neither merges them nor swallows one. The bytes that survive are
//! printable ASCII, UTF-8, and the ISO/IEC 15434 separators GS, RS, FS and EOT that GS1 and
//! ANSI MH10.8.2 symbols carry. CR and LF are never data: with a CR terminator a scanner that
//! sends CRLF still works, because the LF is dropped.
//!
//! Scanners must send ASCII or UTF-8 (every GS1 and warehouse code is ASCII); a scanner
//! set to send Latin-1 bytes above 0x7F would see those characters dropped as noise.
//!
//! A partial scan that sits without a terminator for longer than
//! [`FramingConfig::discard_partial_after_ms`] is discarded when the next byte arrives: a
//! scanner sends a whole scan in one burst, so a stale fragment is noise or a broken
//! transmission, and gluing it in front of the next scan would corrupt that scan.
//!
//! # Maximum scan length
//!
//! [`DEFAULT_MAX_SCAN_LEN`] is 8 KiB: the largest symbol a warehouse meets is a QR code with
//! 7,089 digits, and an AIM identifier adds three bytes. A run longer than the limit is a
//! stream without terminators (wrong terminator setting, wrong baud rate): it is discarded up
//! to the next terminator (or idle gap) with an error in the log, and the scans around it
//! are kept.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::barcode::{GS, Scan, ScanSource, SymbologyId};

/// Longest scan accepted, in bytes (see the module documentation).
pub const DEFAULT_MAX_SCAN_LEN: usize = 8192;

const CR: u8 = b'\r';
const LF: u8 = b'\n';
const ETX: u8 = 0x03;
const EOT: u8 = 0x04;
const FS: u8 = 0x1c;
const GS_BYTE: u8 = 0x1d;
const RS: u8 = 0x1e;

/// What ends a scan on a serial line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Terminator {
    /// Carriage return (0x0D); a following LF is ignored.
    Cr,
    /// Line feed (0x0A); a preceding CR is ignored.
    Lf,
    /// CR LF; the scan ends at the LF.
    Crlf,
    /// End of text (0x03), usually with an STX start byte.
    Etx,
    /// Nothing: a scan ends when the line has been idle for `idle_timeout_ms`.
    None,
}

impl Terminator {
    fn ends_scan(self, byte: u8) -> bool {
        match self {
            Terminator::Cr => byte == CR,
            Terminator::Lf | Terminator::Crlf => byte == LF,
            Terminator::Etx => byte == ETX,
            Terminator::None => false,
        }
    }
}

/// How a serial scanner frames its scans.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FramingConfig {
    pub terminator: Terminator,
    /// A start byte (usually STX, `"\u0002"`). It is stripped, and seeing it in the middle of
    /// a scan discards the fragment before it. Scans without it are still accepted.
    pub prefix: Option<char>,
    /// With [`Terminator::None`]: silence that ends a scan.
    pub idle_timeout_ms: u64,
    /// With a terminator: silence after which an unterminated fragment is discarded.
    pub discard_partial_after_ms: u64,
    /// The character the scanner sends in place of FNC1; it becomes GS (0x1D).
    pub fnc1_substitute: Option<char>,
    /// Split a leading AIM symbology identifier (`]C1`…) off the data.
    pub strip_aim_id: bool,
    pub max_scan_len: usize,
}

impl Default for FramingConfig {
    fn default() -> Self {
        Self {
            terminator: Terminator::Cr,
            prefix: None,
            idle_timeout_ms: 50,
            discard_partial_after_ms: 1000,
            fnc1_substitute: None,
            strip_aim_id: true,
            max_scan_len: DEFAULT_MAX_SCAN_LEN,
        }
    }
}

impl FramingConfig {
    pub fn idle_timeout(&self) -> Duration {
        Duration::from_millis(self.idle_timeout_ms)
    }

    pub fn discard_partial_after(&self) -> Duration {
        Duration::from_millis(self.discard_partial_after_ms)
    }
}

/// A complete scan cut from the byte stream, not yet stamped with a time and source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FramedScan {
    pub symbology: Option<SymbologyId>,
    /// The data with FNC1 as GS and the AIM identifier removed.
    pub data: String,
}

impl FramedScan {
    pub fn into_scan(self, received_at: DateTime<Utc>, source: ScanSource) -> Scan {
        Scan {
            data: self.data,
            symbology: self.symbology,
            received_at,
            source,
        }
    }
}

/// Turns raw scan text into data and identifier: splits off the AIM identifier (before
/// substituting, so a substitute like `]` cannot eat it), then maps the FNC1 substitute to GS.
pub(crate) fn normalise_scan_text(
    text: &str,
    fnc1_substitute: Option<char>,
    strip_aim_id: bool,
) -> (Option<SymbologyId>, String) {
    let (symbology, rest) = if strip_aim_id {
        SymbologyId::strip_prefix(text)
    } else {
        (None, text)
    };
    let data = match fnc1_substitute {
        Some(substitute) => rest.replace(substitute, &GS.to_string()),
        None => rest.to_owned(),
    };
    (symbology, data)
}

/// What the framer threw away, for logs and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FramerStats {
    /// Control and non-UTF-8 bytes dropped as line noise.
    pub noise_bytes: u64,
    /// Fragments discarded because they went stale or a start byte cut them off.
    pub fragments_discarded: u64,
    /// Runs discarded for exceeding the maximum scan length.
    pub overlong_discarded: u64,
}

/// The byte framer. Feed it every chunk read from the port with [`ScanFramer::push`], and
/// call [`ScanFramer::poll`] when [`ScanFramer::next_deadline`] passes without data.
#[derive(Debug)]
pub struct ScanFramer {
    config: FramingConfig,
    buf: Vec<u8>,
    last_byte_at: Option<Instant>,
    /// Inside a run longer than the maximum: drop bytes until it ends.
    discarding_overlong: bool,
    stats: FramerStats,
}

impl ScanFramer {
    pub fn new(config: FramingConfig) -> Self {
        Self {
            config,
            buf: Vec::new(),
            last_byte_at: None,
            discarding_overlong: false,
            stats: FramerStats::default(),
        }
    }

    pub fn config(&self) -> &FramingConfig {
        &self.config
    }

    pub fn stats(&self) -> FramerStats {
        self.stats
    }

    /// Feeds bytes that arrived at `now`; returns the scans they completed, oldest first.
    pub fn push(&mut self, bytes: &[u8], now: Instant) -> Vec<FramedScan> {
        let mut out = Vec::new();
        self.expire(now, &mut out);
        for &byte in bytes {
            self.push_byte(byte, &mut out);
        }
        if !bytes.is_empty() {
            self.last_byte_at = Some(now);
        }
        out
    }

    /// Ends an idle scan (terminator `none`) or discards a stale fragment, if `now` is past
    /// [`ScanFramer::next_deadline`].
    pub fn poll(&mut self, now: Instant) -> Vec<FramedScan> {
        let mut out = Vec::new();
        self.expire(now, &mut out);
        out
    }

    /// When [`ScanFramer::poll`] has something to do, if ever.
    pub fn next_deadline(&self) -> Option<Instant> {
        if self.buf.is_empty() && !self.discarding_overlong {
            return None;
        }
        // No deadline at all if the limit is too far out to represent.
        self.last_byte_at?.checked_add(self.idle_limit())
    }

    /// Ends the input: a final scan without terminator (the last line of a file) is
    /// returned rather than lost.
    pub fn finish_input(&mut self) -> Vec<FramedScan> {
        let mut out = Vec::new();
        self.finish(&mut out);
        self.last_byte_at = None;
        out
    }

    /// Forgets a partial scan, e.g. when the port vanished mid-scan. Returns how many bytes
    /// were dropped.
    pub fn reset(&mut self) -> usize {
        let dropped = self.buf.len();
        self.buf.clear();
        self.discarding_overlong = false;
        self.last_byte_at = None;
        dropped
    }

    fn idle_limit(&self) -> Duration {
        match self.config.terminator {
            Terminator::None => self.config.idle_timeout(),
            _ => self.config.discard_partial_after(),
        }
    }

    fn expire(&mut self, now: Instant, out: &mut Vec<FramedScan>) {
        let Some(deadline) = self.next_deadline() else {
            return;
        };
        if now < deadline {
            return;
        }
        // Idle ends a scan without terminator, and an over-long run either way.
        if self.config.terminator == Terminator::None || self.discarding_overlong {
            self.finish(out);
        } else {
            self.stats.fragments_discarded += 1;
            tracing::warn!(
                bytes = self.buf.len(),
                "discarded an unterminated fragment from the serial scanner (no terminator \
                 within {} ms)",
                self.config.discard_partial_after_ms
            );
            self.buf.clear();
        }
    }

    fn push_byte(&mut self, byte: u8, out: &mut Vec<FramedScan>) {
        if self.config.terminator.ends_scan(byte) {
            self.finish(out);
            return;
        }
        if self
            .config
            .prefix
            .is_some_and(|p| p.is_ascii() && p as u8 == byte)
        {
            if !self.buf.is_empty() && !self.discarding_overlong {
                self.stats.fragments_discarded += 1;
                tracing::warn!(
                    bytes = self.buf.len(),
                    "discarded an unterminated fragment cut off by the scanner's start byte"
                );
            }
            self.buf.clear();
            self.discarding_overlong = false;
            return;
        }
        if !is_data_byte(byte) {
            if byte != CR && byte != LF {
                self.stats.noise_bytes += 1;
            }
            return;
        }
        if self.discarding_overlong {
            return;
        }
        if self.buf.len() >= self.config.max_scan_len {
            self.discarding_overlong = true;
            self.buf.clear();
            return;
        }
        self.buf.push(byte);
    }

    fn finish(&mut self, out: &mut Vec<FramedScan>) {
        if self.discarding_overlong {
            self.discarding_overlong = false;
            self.stats.overlong_discarded += 1;
            tracing::error!(
                max_scan_len = self.config.max_scan_len,
                "discarded a scan longer than {} bytes from the serial scanner; check its \
                 terminator and baud rate settings",
                self.config.max_scan_len
            );
            self.buf.clear();
            return;
        }
        if self.buf.is_empty() {
            return;
        }
        let mut text = String::with_capacity(self.buf.len());
        for chunk in self.buf.utf8_chunks() {
            text.push_str(chunk.valid());
            self.stats.noise_bytes += chunk.invalid().len() as u64;
        }
        self.buf.clear();
        let (symbology, data) =
            normalise_scan_text(&text, self.config.fnc1_substitute, self.config.strip_aim_id);
        if data.is_empty() {
            return;
        }
        out.push(FramedScan { symbology, data });
    }
}

fn is_data_byte(byte: u8) -> bool {
    matches!(byte, 0x20..=0x7e | 0x80..=0xfe | GS_BYTE | RS | FS | EOT)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::barcode::Symbology;

    fn framer(terminator: Terminator) -> ScanFramer {
        ScanFramer::new(FramingConfig {
            terminator,
            ..FramingConfig::default()
        })
    }

    fn data(scans: &[FramedScan]) -> Vec<&str> {
        scans.iter().map(|s| s.data.as_str()).collect()
    }

    #[test]
    fn each_terminator_ends_a_scan() {
        let t = Instant::now();
        let cases: [(Terminator, &[u8]); 4] = [
            (Terminator::Cr, b"ABC\rDEF\r"),
            (Terminator::Lf, b"ABC\nDEF\n"),
            (Terminator::Crlf, b"ABC\r\nDEF\r\n"),
            (Terminator::Etx, b"\x02ABC\x03\x02DEF\x03"),
        ];
        for (terminator, bytes) in cases {
            let mut f = ScanFramer::new(FramingConfig {
                terminator,
                prefix: Some('\u{2}'),
                ..FramingConfig::default()
            });
            assert_eq!(data(&f.push(bytes, t)), ["ABC", "DEF"], "{terminator:?}");
            assert_eq!(f.stats(), FramerStats::default(), "{terminator:?}");
        }
    }

    #[test]
    fn a_cr_terminator_accepts_scanners_that_send_crlf() {
        let mut f = framer(Terminator::Cr);
        let t = Instant::now();
        assert_eq!(data(&f.push(b"A1\r\nB2\r\n", t)), ["A1", "B2"]);
    }

    #[test]
    fn no_terminator_ends_scans_on_idle() {
        let mut f = framer(Terminator::None);
        let t = Instant::now();
        assert!(f.push(b"ABC", t).is_empty());
        assert_eq!(f.next_deadline(), Some(t + Duration::from_millis(50)));
        assert!(f.poll(t + Duration::from_millis(49)).is_empty());
        assert_eq!(data(&f.poll(t + Duration::from_millis(50))), ["ABC"]);
        assert_eq!(f.next_deadline(), None);
        // A new burst after the idle gap ends the previous scan even without a poll.
        f.push(b"DEF", t + Duration::from_millis(100));
        let out = f.push(b"GHI", t + Duration::from_millis(200));
        assert_eq!(data(&out), ["DEF"]);
    }

    #[test]
    fn aim_identifier_and_fnc1_substitute_are_mapped() {
        let mut f = ScanFramer::new(FramingConfig {
            fnc1_substitute: Some('~'),
            ..FramingConfig::default()
        });
        let out = f.push(b"]C10109506000134352~10ABC123\r", Instant::now());
        assert_eq!(out[0].data, "0109506000134352\u{1d}10ABC123");
        assert_eq!(
            out[0].symbology.map(|s| s.symbology()),
            Some(Symbology::Gs1_128)
        );
    }

    #[test]
    fn line_noise_between_and_inside_scans_is_dropped() {
        let mut f = framer(Terminator::Cr);
        let t = Instant::now();
        let out = f.push(b"\x00\xff\x07SCAN1\r\x1b\x80\xfe\xffSC\x00AN2\r\x00\r\r", t);
        assert_eq!(data(&out), ["SCAN1", "SCAN2"]);
        assert_eq!(f.stats().noise_bytes, 9);
    }

    #[test]
    fn gs1_and_iso15434_separators_are_kept() {
        let mut f = framer(Terminator::Lf);
        let out = f.push(b"[)>\x1e06\x1d1PABC\x1e\x04\n", Instant::now());
        assert_eq!(out[0].data, "[)>\u{1e}06\u{1d}1PABC\u{1e}\u{4}");
    }

    #[test]
    fn utf8_survives_and_invalid_utf8_is_noise() {
        let mut f = framer(Terminator::Cr);
        let out = f.push("Größe-ß\r".as_bytes(), Instant::now());
        assert_eq!(out[0].data, "Größe-ß");
    }

    #[test]
    fn a_stale_fragment_does_not_merge_with_the_next_scan() {
        let mut f = framer(Terminator::Cr);
        let t = Instant::now();
        assert!(f.push(b"JUNK", t).is_empty());
        let out = f.push(b"SCAN\r", t + Duration::from_secs(2));
        assert_eq!(data(&out), ["SCAN"]);
        assert_eq!(f.stats().fragments_discarded, 1);
    }

    #[test]
    fn a_start_byte_cuts_off_a_fragment() {
        let mut f = ScanFramer::new(FramingConfig {
            terminator: Terminator::Etx,
            prefix: Some('\u{2}'),
            ..FramingConfig::default()
        });
        let out = f.push(b"\x02BRO\x02WHOLE\x03", Instant::now());
        assert_eq!(data(&out), ["WHOLE"]);
        assert_eq!(f.stats().fragments_discarded, 1);
    }

    #[test]
    fn an_overlong_run_is_discarded_and_its_neighbours_kept() {
        let mut f = ScanFramer::new(FramingConfig {
            max_scan_len: 16,
            ..FramingConfig::default()
        });
        let t = Instant::now();
        let mut bytes = b"BEFORE\r".to_vec();
        bytes.extend(std::iter::repeat_n(b'X', 100));
        bytes.extend(b"\rAFTER\r");
        assert_eq!(data(&f.push(&bytes, t)), ["BEFORE", "AFTER"]);
        assert_eq!(f.stats().overlong_discarded, 1);
        // Exactly the maximum is still a scan.
        let exact = "Y".repeat(16);
        assert_eq!(data(&f.push(format!("{exact}\r").as_bytes(), t)), [exact]);
    }

    #[test]
    fn the_end_of_input_ends_a_last_unterminated_scan() {
        let mut f = framer(Terminator::Lf);
        assert_eq!(data(&f.push(b"ONE\nTWO", Instant::now())), ["ONE"]);
        assert_eq!(data(&f.finish_input()), ["TWO"]);
        assert!(f.finish_input().is_empty());
    }

    #[test]
    fn reset_drops_a_partial_scan() {
        let mut f = framer(Terminator::Cr);
        let t = Instant::now();
        f.push(b"HALF", t);
        assert_eq!(f.reset(), 4);
        assert_eq!(data(&f.push(b"WHOLE\r", t)), ["WHOLE"]);
    }

    proptest! {
        /// However the stream is cut into reads, the same scans come out, in order.
        #[test]
        fn any_split_of_the_stream_yields_the_same_scans(
            codes in prop::collection::vec("[A-Z0-9]{1,30}", 1..40),
            cuts in prop::collection::vec(1usize..64, 0..40),
            terminator in prop::sample::select(vec![
                Terminator::Cr,
                Terminator::Lf,
                Terminator::Crlf,
                Terminator::Etx,
            ]),
        ) {
            let end: &[u8] = match terminator {
                Terminator::Cr => b"\r",
                Terminator::Lf => b"\n",
                Terminator::Crlf => b"\r\n",
                _ => b"\x03",
            };
            let mut stream = Vec::new();
            for code in &codes {
                stream.extend(b"\x00\xff");
                stream.extend(code.as_bytes());
                stream.extend(end);
            }
            let mut f = framer(terminator);
            let t = Instant::now();
            let mut out = Vec::new();
            let mut rest = stream.as_slice();
            for cut in cuts {
                let (head, tail) = rest.split_at(cut.min(rest.len()));
                out.extend(f.push(head, t));
                rest = tail;
            }
            out.extend(f.push(rest, t));
            let got: Vec<String> = out.into_iter().map(|s| s.data).collect();
            prop_assert_eq!(got, codes);
        }
    }
}
