//! Android entry point for Dockhand (Zebra and Honeywell handhelds): `android_main`, the
//! journal in the app's private data directory, DataWedge/Honeywell intent glue and the
//! lifecycle. Kept thin: everything a handheld does lives in `dockhand-app`, everything it
//! shows in `dockhand-ui`.
//!
//! The crate is split so the host can build and test the glue:
//!
//! - Pure, built everywhere and unit-tested on the host: [`intent`] (scan broadcast extras
//!   → scans, the inbox between the receiver thread and the UI thread), [`lifecycle`]
//!   (activity events → what the app must do, saved instance state), [`data_paths`] (where
//!   the journal lives), [`keys`] (Android key codes → scan-input text) and [`display`]
//!   (pixel formats, density, touch positions).
//! - Android only (`cfg(target_os = "android")`): `android_main`, the Slint platform that
//!   draws with the software renderer into the `ANativeWindow`, the JNI entry points the
//!   Java receiver calls, and scan feedback through the activity. It is checked in CI with
//!   `cargo check --target aarch64-linux-android` (see `android/README.md`).

pub mod data_paths;
pub mod display;
pub mod intent;
pub mod keys;
pub mod lifecycle;

#[cfg(target_os = "android")]
mod device;

#[cfg(test)]
mod packaging_tests;
