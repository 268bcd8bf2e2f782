//! Android entry point for Dockhand (Zebra and Honeywell handhelds): `android_main`, the
//! journal in the app's private data directory, DataWedge/Honeywell intent glue and the
//! lifecycle. Kept thin: everything a handheld does lives in `dockhand-app`.
