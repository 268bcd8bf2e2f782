//! Dockhand's sync server: takes every device's journal exactly once into PostgreSQL, keeps
//! the movement ledger and balances, detects the conflicts offline work makes possible and
//! serves supervisors. Stateless: several processes may serve one database.
//!
//! Modules: `config` (one typed configuration), `store` (all SQL), `api` (axum routes).
