//! Dockhand's end-to-end tests: one binary, one module per area.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod pg_helper;
