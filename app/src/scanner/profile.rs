//! Scanner profiles: how one scanner is set up (keyboard wedge or serial, suffix or
//! terminator, timing, FNC1 substitute), as JSON a site can edit, with presets for the common
//! set-ups and validation that says which field is wrong.
//!
//! Owns the profile format only; the wedge, framing and serial modules own what the
//! settings mean. Intents need no profile: the vendor's extras say everything.
//!
//! ```json
//! { "name": "bench-3",
//!   "input": { "kind": "serial",
//!              "port": { "path": "/dev/ttyACM0", "baud_rate": 115200 },
//!              "framing": { "terminator": "crlf", "fnc1_substitute": "~" } } }
//! ```
//!
//! Omitted fields take the defaults of [`WedgeConfig`], [`PortSettings`] and
//! [`FramingConfig`]; unknown fields are an error, so a typo does not pass silently.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::framing::{FramingConfig, Terminator};
use super::serial::{PortSettings, ReconnectPolicy};
use super::wedge::{WedgeConfig, WedgeSuffix};

/// Why a profile cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    // The cause is in the message rather than a `#[source]`, so it is printed once.
    #[error("cannot read scanner profile {}: {error}", path.display())]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("scanner profile {} is not a valid profile: {error}", path.display())]
    Parse {
        path: PathBuf,
        error: serde_json::Error,
    },
    #[error("scanner profile \"{profile}\": {field} {reason}")]
    Invalid {
        profile: String,
        field: &'static str,
        reason: String,
    },
    #[error(
        "no scanner profile named {0:?} and no such file; presets are \
         zebra-datawedge-keystroke, honeywell-wedge and generic-usb-serial"
    )]
    Unknown(String),
}

/// One scanner's set-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScannerProfile {
    pub name: String,
    pub input: ProfileInput,
}

/// The kind of input and its settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ProfileInput {
    Wedge(WedgeConfig),
    Serial(SerialProfile),
}

/// A serial scanner: the line, the framing and how fast to retry a vanished port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SerialProfile {
    pub port: PortSettings,
    pub framing: FramingConfig,
    pub reconnect_first_delay_ms: u64,
    pub reconnect_max_delay_ms: u64,
}

impl Default for SerialProfile {
    fn default() -> Self {
        let policy = ReconnectPolicy::default();
        Self {
            port: PortSettings::default(),
            framing: FramingConfig::default(),
            reconnect_first_delay_ms: duration_ms(policy.first_delay),
            reconnect_max_delay_ms: duration_ms(policy.max_delay),
        }
    }
}

fn duration_ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl SerialProfile {
    pub fn reconnect_policy(&self) -> ReconnectPolicy {
        ReconnectPolicy {
            first_delay: Duration::from_millis(self.reconnect_first_delay_ms),
            max_delay: Duration::from_millis(self.reconnect_max_delay_ms),
        }
    }
}

impl ScannerProfile {
    /// Zebra handheld, DataWedge in keystroke output mode with "Send ENTER key" on (the
    /// usual set-up). DataWedge types a code in a few milliseconds. If the profile replaces
    /// GS with a printable character, set `fnc1_substitute` to it.
    pub fn zebra_datawedge_keystroke() -> Self {
        Self {
            name: "zebra-datawedge-keystroke".into(),
            input: ProfileInput::Wedge(WedgeConfig {
                suffix: WedgeSuffix::Enter,
                max_key_gap_ms: 40,
                ..WedgeConfig::default()
            }),
        }
    }

    /// Honeywell handheld, the built-in wedge ("Wedge as keys") with its default Enter
    /// suffix. Its key events come in slightly less even bursts than DataWedge's, hence the
    /// wider gap.
    pub fn honeywell_wedge() -> Self {
        Self {
            name: "honeywell-wedge".into(),
            input: ProfileInput::Wedge(WedgeConfig {
                suffix: WedgeSuffix::Enter,
                max_key_gap_ms: 50,
                ..WedgeConfig::default()
            }),
        }
    }

    /// A USB scanner in serial (CDC-ACM, `/dev/ttyACM0`) mode on a packing bench: 9600 8N1,
    /// CR terminator (scanners that send CRLF work too), AIM identifiers stripped if sent.
    pub fn generic_usb_serial() -> Self {
        Self {
            name: "generic-usb-serial".into(),
            input: ProfileInput::Serial(SerialProfile {
                port: PortSettings {
                    path: "/dev/ttyACM0".into(),
                    ..PortSettings::default()
                },
                framing: FramingConfig {
                    terminator: Terminator::Cr,
                    ..FramingConfig::default()
                },
                ..SerialProfile::default()
            }),
        }
    }

    pub fn presets() -> [ScannerProfile; 3] {
        [
            Self::zebra_datawedge_keystroke(),
            Self::honeywell_wedge(),
            Self::generic_usb_serial(),
        ]
    }

    /// A preset by name, or else a profile file.
    pub fn preset_or_file(name_or_path: &str) -> Result<Self, ProfileError> {
        if let Some(preset) = Self::presets().into_iter().find(|p| p.name == name_or_path) {
            return Ok(preset);
        }
        let path = Path::new(name_or_path);
        if !path.exists() {
            return Err(ProfileError::Unknown(name_or_path.to_owned()));
        }
        Self::load(path)
    }

    /// Reads and validates a JSON profile file.
    pub fn load(path: &Path) -> Result<Self, ProfileError> {
        let text = std::fs::read_to_string(path).map_err(|error| ProfileError::Read {
            path: path.to_owned(),
            error,
        })?;
        let profile: Self = serde_json::from_str(&text).map_err(|error| ProfileError::Parse {
            path: path.to_owned(),
            error,
        })?;
        profile.validate()?;
        Ok(profile)
    }

    /// Checks what serde cannot: ranges and settings that contradict each other.
    pub fn validate(&self) -> Result<(), ProfileError> {
        let invalid = |field: &'static str, reason: String| ProfileError::Invalid {
            profile: self.name.clone(),
            field,
            reason,
        };
        if self.name.trim().is_empty() {
            return Err(invalid("name", "must not be empty".into()));
        }
        match &self.input {
            ProfileInput::Wedge(w) => {
                if !(1..=1000).contains(&w.max_key_gap_ms) {
                    return Err(invalid(
                        "input.max_key_gap_ms",
                        format!(
                            "is {} but must be 1 to 1000 (scanners type a key every few ms, \
                             people every 100 ms or more)",
                            w.max_key_gap_ms
                        ),
                    ));
                }
                if w.suffix == WedgeSuffix::None && !(1..=5000).contains(&w.idle_timeout_ms) {
                    return Err(invalid(
                        "input.idle_timeout_ms",
                        "must be 1 to 5000 when the suffix is none: it is what ends a scan".into(),
                    ));
                }
                if w.min_scan_len == 0 {
                    return Err(invalid("input.min_scan_len", "must be at least 1".into()));
                }
                check_char(w.fnc1_substitute).map_err(|r| invalid("input.fnc1_substitute", r))?;
                check_char(w.prefix).map_err(|r| invalid("input.prefix", r))?;
                if w.prefix.is_some() && w.prefix == w.fnc1_substitute {
                    return Err(invalid(
                        "input.prefix",
                        "must differ from input.fnc1_substitute".into(),
                    ));
                }
            }
            ProfileInput::Serial(s) => {
                s.port.validate().map_err(|r| invalid("input.port", r))?;
                let f = &s.framing;
                if f.terminator == Terminator::None && !(1..=5000).contains(&f.idle_timeout_ms) {
                    return Err(invalid(
                        "input.framing.idle_timeout_ms",
                        "must be 1 to 5000 when the terminator is none: it is what ends a scan"
                            .into(),
                    ));
                }
                if f.discard_partial_after_ms == 0 {
                    return Err(invalid(
                        "input.framing.discard_partial_after_ms",
                        "must be at least 1".into(),
                    ));
                }
                if !(1..=1 << 20).contains(&f.max_scan_len) {
                    return Err(invalid(
                        "input.framing.max_scan_len",
                        format!("is {} but must be 1 to 1048576 bytes", f.max_scan_len),
                    ));
                }
                if let Some(p) = f.prefix
                    && (!p.is_ascii() || matches!(p, '\r' | '\n' | '\u{3}'))
                {
                    return Err(invalid(
                        "input.framing.prefix",
                        "must be one ASCII start byte such as \"\\u0002\" (STX), not a terminator"
                            .into(),
                    ));
                }
                if let Some(c) = f.fnc1_substitute
                    && (matches!(c, '\r' | '\n' | '\u{3}') || Some(c) == f.prefix)
                {
                    return Err(invalid(
                        "input.framing.fnc1_substitute",
                        "must not be a terminator or the start byte".into(),
                    ));
                }
                if s.reconnect_first_delay_ms == 0
                    || s.reconnect_max_delay_ms < s.reconnect_first_delay_ms
                {
                    return Err(invalid(
                        "input.reconnect_first_delay_ms",
                        "must be at least 1 and no more than reconnect_max_delay_ms".into(),
                    ));
                }
            }
        }
        Ok(())
    }
}

/// A wedge character must be one a keyboard can type.
fn check_char(c: Option<char>) -> Result<(), String> {
    match c {
        Some(c) if c.is_control() => Err(format!(
            "is the control character {c:?}, which a keyboard wedge cannot type; use a \
             printable character"
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_are_valid_and_round_trip_through_json() {
        for preset in ScannerProfile::presets() {
            preset.validate().unwrap();
            let json = serde_json::to_string_pretty(&preset).unwrap();
            let back: ScannerProfile = serde_json::from_str(&json).unwrap();
            assert_eq!(back, preset);
        }
    }

    #[test]
    fn a_short_file_takes_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bench.json");
        std::fs::write(
            &path,
            r#"{"name": "bench-3", "input": {"kind": "serial",
                "port": {"path": "/dev/ttyACM1", "baud_rate": 115200},
                "framing": {"terminator": "crlf", "fnc1_substitute": "~"}}}"#,
        )
        .unwrap();
        let profile = ScannerProfile::load(&path).unwrap();
        let ProfileInput::Serial(serial) = profile.input else {
            panic!("not serial: {profile:?}");
        };
        assert_eq!(serial.port.baud_rate, 115200);
        assert_eq!(serial.port.data_bits, 8);
        assert_eq!(serial.framing.terminator, Terminator::Crlf);
        assert_eq!(serial.framing.fnc1_substitute, Some('~'));
        assert_eq!(
            serial.framing.max_scan_len,
            super::super::framing::DEFAULT_MAX_SCAN_LEN
        );
    }

    #[test]
    fn errors_name_the_field() {
        let parse = |json: &str| serde_json::from_str::<ScannerProfile>(json);
        let typo = parse(r#"{"name": "x", "input": {"kind": "wedge", "sufix": "enter"}}"#);
        assert!(
            typo.unwrap_err()
                .to_string()
                .contains("unknown field `sufix`")
        );

        let profile = parse(
            r#"{"name": "x", "input": {"kind": "wedge", "suffix": "none", "idle_timeout_ms": 0}}"#,
        )
        .unwrap();
        assert_eq!(
            profile.validate().unwrap_err().to_string(),
            "scanner profile \"x\": input.idle_timeout_ms must be 1 to 5000 when the suffix is \
             none: it is what ends a scan"
        );

        let profile =
            parse(r#"{"name": "x", "input": {"kind": "serial", "port": {"stop_bits": 3}}}"#)
                .unwrap();
        assert_eq!(
            profile.validate().unwrap_err().to_string(),
            "scanner profile \"x\": input.port stop bits must be 1 or 2, not 3"
        );

        let profile =
            parse(r#"{"name": "x", "input": {"kind": "wedge", "fnc1_substitute": "\u001d"}}"#)
                .unwrap();
        assert!(
            profile
                .validate()
                .unwrap_err()
                .to_string()
                .contains("cannot type")
        );
    }

    #[test]
    fn presets_are_found_by_name_and_unknown_names_are_explained() {
        assert_eq!(
            ScannerProfile::preset_or_file("honeywell-wedge").unwrap(),
            ScannerProfile::honeywell_wedge()
        );
        let err = ScannerProfile::preset_or_file("zebra")
            .unwrap_err()
            .to_string();
        assert!(err.contains("zebra-datawedge-keystroke"), "{err}");
    }
}
