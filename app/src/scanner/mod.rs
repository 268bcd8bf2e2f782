//! Scanner inputs: keyboard wedge, serial port and Android intents, each turned into the
//! same stream of [`crate::barcode::Scan`]. Owns framing, timing and reconnection; it must
//! not interpret what a scan means (that is [`crate::barcode`]'s job).
