//! Integration tests of `dockhand-app` against real files, processes and pseudo-terminals:
//! one binary, one module per area.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod journal_crash;
mod label_print;
mod scanner_pty;
mod workflow_projections;
mod workflow_property;
mod workflow_restart;
mod workflow_script;
mod workflow_support;
