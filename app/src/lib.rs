//! Dockhand's handheld core: everything a device does that is not drawing.
//!
//! The crate is split so the sync server can reuse the pure parts without the device's I/O:
//! with `default-features = false` only [`domain`], [`barcode`], [`workflow`], [`protocol`]
//! and the pure part of [`label`] (templates, ZPL, SSCC allocation) are built. The `device`
//! feature adds the SQLite [`journal`], the scanner inputs in [`scanner`], the label print
//! queue and the HTTP [`sync`] client.

pub mod barcode;
pub mod domain;
pub mod protocol;

#[cfg(feature = "device")]
pub mod journal;
pub mod label;
#[cfg(feature = "device")]
pub mod scanner;
#[cfg(feature = "device")]
pub mod sim;
#[cfg(feature = "device")]
pub mod sync;
pub mod workflow;
