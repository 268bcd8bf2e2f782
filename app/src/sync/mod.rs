//! The device side of the sync protocol ([`crate::protocol`]): push the outbox, pull changes
//! into the projections, learn the server's clock offset. Decisions are pure
//! (`plan`); the HTTP calls are a thin shell around them.
