//! The warehouse's vocabulary: ids, quantities, items, locations, stock statuses and the
//! events a handheld records. Pure data with validation; no I/O, no storage concerns.
//!
//! Every type here is defined once and shared with the sync server through
//! [`crate::protocol`]; the server must not keep a parallel copy.

mod effects;
mod event;
mod ids;
mod item;
mod location;
mod quantity;
mod status;

pub use effects::StockEffect;
pub use event::{
    Adjust, AdjustReason, CountRecord, DocumentKind, DocumentRef, EVENT_SCHEMA_VERSION, Event,
    EventBody, EventDecodeError, EventHeader, Move, Pack, PackCount, PackedLine, Pick, Putaway,
    Quality, QualityDecision, RawEvent, ReceiptClosed, ReceiptVariance, Receive, ScanRecord, Ship,
    ShortPick, SsccAllocated, StatusChange, StockLine,
};
pub use ids::{
    DeviceId, DeviceSeq, EventId, IdError, LocationCode, LotCode, OperatorId, OrderNumber,
    SerialNumber, Sku, TaskId, WarehouseCode,
};
pub use item::{Gtin, GtinError, Item, Tracking, UnitOfMeasure};
pub use location::{Location, LocationKind, LocationPath};
pub use quantity::{Qty, QtyError};
pub use status::{StockStatus, UnknownStatus};
