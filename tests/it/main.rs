//! Dockhand's end-to-end tests: one binary, one module per area.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod pg_helper;
mod reports;
mod server_auth;
mod server_conflicts;
mod server_counts;
mod server_pull;
mod server_push;
mod server_sscc;
mod server_support;
mod server_tasks;
mod stream;
mod supervisor_client;
mod sync_balance_order;
mod sync_barrier;
mod sync_e2e;
mod sync_kill;
mod sync_model;
mod sync_support;
