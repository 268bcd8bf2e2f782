//! SSCC allocation from leased blocks, as pure data and arithmetic.
//!
//! An SSCC is the extension digit, the warehouse's GS1 company prefix, a serial reference
//! filling the remaining digits, and a mod-10 check digit: 18 digits. The server owns one
//! counter of serial references per warehouse and leases each device a block
//! ([`lease_next`]); a device allocates from its blocks with no network
//! ([`SsccAllocator`]) and asks for a new block when 20% of its last one remain. Blocks
//! never overlap, so two devices never make the same SSCC.
//!
//! The server's store and the device's journal keep the state; this module only decides.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::barcode::check_digit::{mod10_check_digit, verify_mod10};

/// Share of a block left when the device asks for the next one.
pub const RENEW_AT_FRACTION: f64 = 0.2;

/// Why an SSCC cannot be made or a block cannot be leased.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SsccError {
    #[error(
        "GS1 company prefix {0:?} is not valid: it must be 6 to 12 digits (ask the GS1 member organisation's record)"
    )]
    BadPrefix(String),
    #[error("extension digit {0} is not valid: use 0 to 9")]
    BadExtension(u8),
    #[error(
        "serial reference {serial} does not fit the {digits} digits left by company prefix {prefix}"
    )]
    SerialTooLarge {
        serial: u64,
        digits: usize,
        prefix: String,
    },
    #[error(
        "the SSCC range of company prefix {prefix} with extension {extension} is used up; configure another extension digit"
    )]
    Exhausted { prefix: String, extension: u8 },
    #[error("no SSCCs left on this device; connect to the network so it can lease a new block")]
    NoBlock,
    #[error("{0:?} is not an SSCC: {1}")]
    NotAnSscc(String, String),
    #[error("block size {0} is not allowed; lease between 1 and 1000000 SSCCs at a time")]
    BadBlockSize(u64),
}

/// A valid SSCC: 18 digits with a correct check digit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Sscc(String);

impl Sscc {
    pub fn parse(value: &str) -> Result<Sscc, SsccError> {
        if value.len() != 18 || !value.bytes().all(|b| b.is_ascii_digit()) {
            return Err(SsccError::NotAnSscc(
                value.to_owned(),
                "it must be 18 digits".into(),
            ));
        }
        verify_mod10(value).map_err(|e| SsccError::NotAnSscc(value.to_owned(), e.to_string()))?;
        Ok(Sscc(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Sscc {
    type Error = SsccError;
    fn try_from(value: String) -> Result<Sscc, SsccError> {
        Sscc::parse(&value)
    }
}

impl From<Sscc> for String {
    fn from(value: Sscc) -> String {
        value.0
    }
}

impl fmt::Display for Sscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Extension digit + GS1 company prefix: the part of an SSCC a warehouse owns.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SsccScheme {
    pub extension: u8,
    pub company_prefix: String,
}

impl SsccScheme {
    pub fn new(extension: u8, company_prefix: &str) -> Result<SsccScheme, SsccError> {
        if extension > 9 {
            return Err(SsccError::BadExtension(extension));
        }
        if !(6..=12).contains(&company_prefix.len())
            || !company_prefix.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(SsccError::BadPrefix(company_prefix.to_owned()));
        }
        Ok(SsccScheme {
            extension,
            company_prefix: company_prefix.to_owned(),
        })
    }

    /// Digits left for the serial reference.
    pub fn serial_digits(&self) -> usize {
        16 - self.company_prefix.len()
    }

    /// How many serial references exist (0 to capacity − 1).
    pub fn capacity(&self) -> u64 {
        10u64.pow(self.serial_digits() as u32)
    }

    /// The SSCC with serial reference `serial`.
    pub fn sscc(&self, serial: u64) -> Result<Sscc, SsccError> {
        if serial >= self.capacity() {
            return Err(SsccError::SerialTooLarge {
                serial,
                digits: self.serial_digits(),
                prefix: self.company_prefix.clone(),
            });
        }
        // Written digit by digit: allocation is on the hot path of a busy dock.
        let mut digits = [b'0'; 18];
        digits[0] = b'0' + self.extension;
        let prefix = self.company_prefix.as_bytes();
        digits[1..1 + prefix.len()].copy_from_slice(prefix);
        let mut rest = serial;
        for d in digits[1 + prefix.len()..17].iter_mut().rev() {
            *d = b'0' + (rest % 10) as u8;
            rest /= 10;
        }
        let body = std::str::from_utf8(&digits[..17]).unwrap_or_default();
        digits[17] = b'0' + mod10_check_digit(body).unwrap_or(0);
        Ok(Sscc(digits.iter().map(|&b| char::from(b)).collect()))
    }

    /// The serial reference inside `sscc`, when it belongs to this scheme.
    pub fn serial_of(&self, sscc: &Sscc) -> Option<u64> {
        let s = sscc.as_str();
        let head = format!("{}{}", self.extension, self.company_prefix);
        s.strip_prefix(&head)?
            .get(..self.serial_digits())?
            .parse()
            .ok()
    }
}

/// Serial references `first..=last` leased to one device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SsccBlock {
    #[serde(flatten)]
    pub scheme: SsccScheme,
    pub first: u64,
    pub last: u64,
}

impl SsccBlock {
    pub fn len(&self) -> u64 {
        self.last - self.first + 1
    }

    pub fn is_empty(&self) -> bool {
        false
    }

    pub fn contains(&self, serial: u64) -> bool {
        (self.first..=self.last).contains(&serial)
    }
}

/// The server's side: the block of `size` after `next_free`, and the new `next_free`.
/// Serial reference 0 is never leased (an all-zero serial looks like a missing value).
pub fn lease_next(
    scheme: &SsccScheme,
    next_free: u64,
    size: u64,
) -> Result<(SsccBlock, u64), SsccError> {
    if !(1..=1_000_000).contains(&size) {
        return Err(SsccError::BadBlockSize(size));
    }
    let first = next_free.max(1);
    let last = first
        .checked_add(size - 1)
        .filter(|last| *last < scheme.capacity())
        .ok_or_else(|| SsccError::Exhausted {
            prefix: scheme.company_prefix.clone(),
            extension: scheme.extension,
        })?;
    Ok((
        SsccBlock {
            scheme: scheme.clone(),
            first,
            last,
        },
        last + 1,
    ))
}

/// A block and the next serial reference to hand out from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockState {
    pub block: SsccBlock,
    pub next: u64,
}

impl BlockState {
    pub fn remaining(&self) -> u64 {
        (self.block.last + 1).saturating_sub(self.next)
    }
}

/// The device's side: hands out SSCCs from its leased blocks in lease order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SsccAllocator {
    blocks: Vec<BlockState>,
}

impl SsccAllocator {
    pub fn new(blocks: Vec<BlockState>) -> SsccAllocator {
        SsccAllocator { blocks }
    }

    pub fn add_block(&mut self, block: SsccBlock) {
        let next = block.first;
        self.blocks.push(BlockState { block, next });
    }

    pub fn blocks(&self) -> &[BlockState] {
        &self.blocks
    }

    /// SSCCs left on the device.
    pub fn remaining(&self) -> u64 {
        self.blocks.iter().map(BlockState::remaining).sum()
    }

    /// True when at most 20% of the newest block is left (or there is none): time to ask
    /// the server for the next block while the network is there.
    pub fn needs_renewal(&self) -> bool {
        match self.blocks.last() {
            None => true,
            Some(last) => (self.remaining() as f64) <= last.block.len() as f64 * RENEW_AT_FRACTION,
        }
    }

    /// The next SSCC, from the oldest block with serials left; spent blocks are dropped.
    pub fn allocate(&mut self) -> Result<Sscc, SsccError> {
        while let Some(state) = self.blocks.first_mut() {
            if state.remaining() == 0 {
                self.blocks.remove(0);
                continue;
            }
            let sscc = state.block.scheme.sscc(state.next)?;
            state.next += 1;
            return Ok(sscc);
        }
        Err(SsccError::NoBlock)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scheme() -> SsccScheme {
        SsccScheme::new(0, "9506000").unwrap()
    }

    #[test]
    fn builds_gs1_example_sscc() {
        // GS1's example SSCC 095060001000000012: extension 0, prefix 9506000, serial 100000001.
        assert_eq!(
            scheme().sscc(100000001).unwrap().as_str(),
            "095060001000000012"
        );
        assert_eq!(
            scheme().serial_of(&Sscc::parse("095060001000000012").unwrap()),
            Some(100000001)
        );
        assert_eq!(scheme().capacity(), 1_000_000_000);
        assert!(scheme().sscc(1_000_000_000).is_err());
        assert_eq!(
            Sscc::parse("095060001000000013").unwrap_err().to_string(),
            "\"095060001000000013\" is not an SSCC: check digit wrong: expected 2, got 3"
        );
        assert_eq!(
            SsccScheme::new(0, "95A").unwrap_err().to_string(),
            "GS1 company prefix \"95A\" is not valid: it must be 6 to 12 digits (ask the GS1 member organisation's record)"
        );
    }

    #[test]
    fn leases_never_overlap_and_stop_at_capacity() {
        let small = SsccScheme::new(3, "950600012345").unwrap(); // 4 serial digits
        let (a, next) = lease_next(&small, 0, 5000).unwrap();
        assert_eq!((a.first, a.last, next), (1, 5000, 5001));
        let (b, next) = lease_next(&small, next, 4999).unwrap();
        assert_eq!((b.first, b.last, next), (5001, 9999, 10000));
        assert_eq!(
            lease_next(&small, next, 1).unwrap_err().to_string(),
            "the SSCC range of company prefix 950600012345 with extension 3 is used up; configure another extension digit"
        );
        assert!(lease_next(&small, 1, 0).is_err());
    }

    #[test]
    fn allocator_asks_for_more_at_twenty_percent_and_then_runs_dry() {
        let mut alloc = SsccAllocator::default();
        assert!(alloc.needs_renewal());
        let (block, _) = lease_next(&scheme(), 1, 10).unwrap();
        alloc.add_block(block);
        for _ in 0..7 {
            alloc.allocate().unwrap();
            assert!(!alloc.needs_renewal());
        }
        alloc.allocate().unwrap(); // 2 of 10 left
        assert!(alloc.needs_renewal());
        alloc.allocate().unwrap();
        alloc.allocate().unwrap();
        assert_eq!(alloc.allocate(), Err(SsccError::NoBlock));
    }

    /// A small deterministic generator, so a failing case can be replayed from its seed.
    struct Lcg(u64);
    impl Lcg {
        fn below(&mut self, bound: u64) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (self.0 >> 33) % bound
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1))]

        /// 20 devices, mostly offline, allocate 1,000,000 SSCCs in total, renewing blocks
        /// of random sizes only when they happen to be online (or have run dry): no SSCC
        /// twice, every check digit right, every one inside its scheme.
        #[test]
        fn twenty_devices_never_allocate_the_same_sscc(
            seed in proptest::prelude::any::<u64>(),
            prefix in proptest::prelude::prop_oneof![
                proptest::prelude::Just("9506000"),
                proptest::prelude::Just("950600012"),
            ],
        ) {
            const DEVICES: usize = 20;
            const TOTAL: usize = 1_000_000;
            let scheme = SsccScheme::new(0, prefix).unwrap();
            let mut rng = Lcg(seed);
            let mut next_free = 0u64; // the server's counter
            let mut devices: Vec<SsccAllocator> = vec![SsccAllocator::default(); DEVICES];
            let mut seen = std::collections::HashSet::with_capacity(TOTAL);
            let mut renewals = 0usize;
            let head = format!("0{prefix}");
            for _ in 0..TOTAL {
                let d = rng.below(DEVICES as u64) as usize;
                let online = rng.below(50) == 0;
                let device = &mut devices[d];
                if (online && device.needs_renewal()) || device.remaining() == 0 {
                    let size = 100 + rng.below(20_000);
                    let (block, next) = lease_next(&scheme, next_free, size).unwrap();
                    next_free = next;
                    device.add_block(block);
                    renewals += 1;
                }
                let sscc = device.allocate().unwrap();
                let s = sscc.as_str();
                proptest::prop_assert_eq!(s.len(), 18);
                proptest::prop_assert!(verify_mod10(s).is_ok(), "bad check digit {}", s);
                proptest::prop_assert!(s.starts_with(&head));
                let n: u64 = s.parse().unwrap();
                proptest::prop_assert!(seen.insert(n), "seed {}: {} allocated twice", seed, s);
            }
            proptest::prop_assert_eq!(seen.len(), TOTAL);
            proptest::prop_assert!(renewals > DEVICES * 2, "only {} renewals", renewals);
        }
    }
}
