//! Handheld jobs as pure state machines: receiving, putaway, picking, packing, cycle
//! counts, moves and adjustments. Each takes a scan or an action, checks it against the
//! local projections and returns the next prompt plus the events to journal. No I/O here:
//! the UI, the CLI and the tests drive the same code.
