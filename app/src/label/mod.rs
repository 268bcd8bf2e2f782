//! Labels printed from the device: templates rendered to ZPL, SSCC allocation from leased
//! blocks, and the durable print queue.
