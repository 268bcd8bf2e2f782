//! Scanner inputs: keyboard wedge, serial port and Android intents, each turned into the
//! same stream of [`crate::barcode::Scan`]. Owns framing, timing and reconnection; it must
//! not interpret what a scan means (that is [`crate::barcode`]'s job).
//!
//! - [`wedge`]: key events to scans, scanner bursts told from a person typing (pure).
//! - [`framing`]: serial bytes to scans — terminators, noise, maximum length (pure).
//! - [`serial`]: the serial port reader thread, with reconnection (I/O).
//! - [`intent`]: Zebra DataWedge and Honeywell intent extras to scans (pure).
//! - [`profile`]: scanner profiles as JSON, with presets for common set-ups.

pub mod framing;
pub mod intent;
pub mod profile;
pub mod serial;
pub mod wedge;

pub use framing::{FramedScan, FramingConfig, ScanFramer, Terminator};
pub use intent::{IntentError, IntentExtra, decode_intent, decode_intent_json};
pub use profile::{ProfileError, ProfileInput, ScannerProfile};
pub use serial::{LinkState, PortSettings, ReconnectPolicy, ScannerError, SerialScanner};
pub use wedge::{HumanInput, Key, KeyEvent, WedgeAssembler, WedgeConfig, WedgeSuffix};
