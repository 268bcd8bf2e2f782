//! GS1 modulo-10 check digits (GTIN, SSCC, GLN, GRAI, GSRN…).

/// Why a check digit did not match.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckDigitError {
    #[error("check digit wrong: expected {expected}, got {got}")]
    Mismatch { expected: u8, got: u8 },
    #[error("not a number: {0:?}")]
    NotNumeric(String),
    #[error("too short to carry a check digit")]
    TooShort,
}

/// The GS1 check digit for `body` (all digits but the check digit): weights 3,1,3,1… from
/// the right. `None` when `body` is not all ASCII digits.
pub fn mod10_check_digit(body: &str) -> Option<u8> {
    let mut sum: u32 = 0;
    for (i, b) in body.bytes().rev().enumerate() {
        if !b.is_ascii_digit() {
            return None;
        }
        let digit = u32::from(b - b'0');
        sum += if i % 2 == 0 { digit * 3 } else { digit };
    }
    Some(((10 - sum % 10) % 10) as u8)
}

/// Checks the last digit of `value` against the others.
pub fn verify_mod10(value: &str) -> Result<(), CheckDigitError> {
    if value.len() < 2 {
        return Err(CheckDigitError::TooShort);
    }
    let (body, check) = value.split_at(value.len() - 1);
    let expected =
        mod10_check_digit(body).ok_or_else(|| CheckDigitError::NotNumeric(value.to_owned()))?;
    let got = check.as_bytes()[0];
    if !got.is_ascii_digit() {
        return Err(CheckDigitError::NotNumeric(value.to_owned()));
    }
    let got = got - b'0';
    if got == expected {
        Ok(())
    } else {
        Err(CheckDigitError::Mismatch { expected, got })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gs1_examples_verify() {
        verify_mod10("09506000134352").unwrap(); // GTIN-14 from GS1's examples
        verify_mod10("095060001000000012").unwrap(); // SSCC
        verify_mod10("9506000134352").unwrap(); // EAN-13
        verify_mod10("95050003").unwrap(); // EAN-8
        verify_mod10("036000291452").unwrap(); // UPC-A
    }

    #[test]
    fn mismatch_reports_expected_and_got() {
        assert_eq!(
            verify_mod10("09506000134357"),
            Err(CheckDigitError::Mismatch {
                expected: 2,
                got: 7
            })
        );
        assert_eq!(verify_mod10("7"), Err(CheckDigitError::TooShort));
        assert!(matches!(
            verify_mod10("09A"),
            Err(CheckDigitError::NotNumeric(_))
        ));
    }
}
