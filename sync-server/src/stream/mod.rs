//! The stock stream (issue 13): every ledger movement, conflict opened or resolved and
//! replenishment alert, as messages for the systems around the warehouse.
//!
//! - Migration 0002 writes an `outbox` row in the same transaction as each change
//!   (statement-level triggers), so a message exists exactly when its change committed.
//! - [`relay`] publishes the outbox to NATS JetStream in commit order per item
//!   (`<prefix>.<warehouse>.stock.<item>`, `….conflict.<kind>`, `….alert.<kind>`), the message
//!   id being the ledger id so a republished row is dropped by JetStream.
//! - `GET /v1/stream` (`api/stream.rs`) serves the same messages as Server-Sent Events from
//!   the outbox itself, so it works without NATS; [`tail`] prints them for an operator.
//!
//! This module holds the outbox's SQL (`outbox`), the NATS client side (`jetstream`) and
//! subject naming (`subject`). It never writes a message: only the triggers do.

pub mod gate;
pub mod jetstream;
pub mod outbox;
pub mod relay;
pub mod subject;
pub mod tail;

pub use outbox::{OutboxBacklog, OutboxMessage};
pub use relay::{RELAY_STATUS, run_relay, spawn_relay_thread};
