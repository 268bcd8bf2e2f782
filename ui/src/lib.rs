//! Dockhand's handheld UI: Slint views (`ui/*.slint`), the adapters that bind them to Rust
//! (`adapters`), and the controllers that decide what a screen shows (`controllers`).
//!
//! Controllers own the journal and the sync handle and know nothing of Slint; adapters
//! only move data between a controller and its view's `global XxxAdapter`. The desktop
//! binary (`dockhand`) and the headless screenshot mode both build on [`app::connect`].

/// The code Slint generates from `ui/main.slint`: the window, the adapters' globals and
/// the view types. It is not ours to lint: generated types carry no `Debug`, and the
/// generator uses `unwrap` and `todo!` on paths our views never take.
#[allow(
    missing_debug_implementations,
    clippy::all,
    clippy::unwrap_used,
    clippy::todo,
    clippy::unimplemented
)]
mod views {
    slint::include_modules!();
}
pub use views::*;

pub mod adapters;
pub mod app;
pub mod controllers;
pub mod demo;
pub mod feedback;
pub mod headless;
pub mod print_worker;
pub mod sample_device;
pub mod screenshots;

#[cfg(test)]
mod test_printer;
#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_jobs;
#[cfg(test)]
mod tests_supervisor;
