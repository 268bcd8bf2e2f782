//! Allocating an SSCC on the device, with or without a network: the serial is taken from
//! the journal's leased blocks, then recorded as an `sscc_allocated` event (synced like any
//! other, so the server can spot a duplicate). A crash between the two skips a serial;
//! it never hands one out twice.

use crate::domain::{EventBody, OperatorId, SsccAllocated};
use crate::journal::{EventDraft, Journal, JournalError, RecordedEvent};
use crate::label::sscc::{Sscc, SsccAllocator, SsccBlock, SsccError};
use crate::sync::{SyncClient, SyncError};

/// Why no SSCC could be allocated or leased.
#[derive(Debug, thiserror::Error)]
pub enum AllocateError {
    #[error(transparent)]
    Sscc(#[from] SsccError),
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error("could not lease SSCCs from the server: {0}")]
    Lease(#[from] SyncError),
}

/// Allocates the next SSCC for `purpose` (`pallet`, `carton`) and records it.
pub fn allocate_sscc(
    journal: &mut Journal,
    operator: OperatorId,
    purpose: &str,
) -> Result<(Sscc, RecordedEvent), AllocateError> {
    if journal.warehouse().is_none() {
        // Checked first, so a device not yet enrolled does not spend serials.
        return Err(JournalError::NoWarehouse.into());
    }
    let sscc = journal.take_sscc()?.ok_or(SsccError::NoBlock)?;
    let event = journal.record(EventDraft {
        operator,
        occurred_at: None,
        scan: None,
        body: EventBody::SsccAllocated(SsccAllocated {
            sscc: sscc.to_string(),
            purpose: Some(purpose.to_owned()),
            contents: vec![],
            order: None,
        }),
    })?;
    Ok((sscc, event))
}

/// Whether the device should lease a new block now (20% or less of its newest block left).
pub fn needs_renewal(journal: &Journal) -> Result<bool, JournalError> {
    Ok(SsccAllocator::new(journal.sscc_blocks()?).needs_renewal())
}

/// Leases a block from the server when [`needs_renewal`] says so; returns it if one was
/// leased. Call it whenever the device is online (e.g. after a sync round).
pub async fn renew_if_needed(
    journal: &mut Journal,
    client: &SyncClient,
    block_size: u64,
) -> Result<Option<SsccBlock>, AllocateError> {
    if !needs_renewal(journal)? {
        return Ok(None);
    }
    let block = client.lease_sscc_block(block_size).await?;
    journal.add_sscc_block(&block)?;
    Ok(Some(block))
}
