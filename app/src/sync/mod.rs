//! The device side of the sync protocol ([`crate::protocol`]): push the outbox in order, pull
//! changes into the projections, learn the server's clock offset.
//!
//! Decisions are pure and tested without a network: [`plan`] says which batches to push,
//! [`backoff`] when to retry, [`classify_push`] what a server answer means for each event.
//! [`client`] is the thin HTTP shell, [`round`] runs one sync round against a journal, and
//! [`service`] keeps rounds going in the background and publishes a [`SyncStatus`] a UI can
//! show.

pub mod backoff;
pub mod client;
mod plan;
pub mod round;
pub mod service;
mod status;
pub mod supervisor;

pub use client::{SyncClient, SyncError};
pub use plan::{PushBatch, classify_push, plan_push_batches};
pub use round::{RoundReport, sync_round};
pub use service::{SyncHandle, SyncService, SyncServiceConfig};
pub use status::{SyncState, SyncStatus};
pub use supervisor::{SupervisorClient, SupervisorError};
