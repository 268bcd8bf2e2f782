//! Shared test support for Dockhand's end-to-end tests: a throwaway PostgreSQL database per
//! test, made from `DATABASE_URL` and dropped afterwards.

pub mod pg;
pub mod proxy;
