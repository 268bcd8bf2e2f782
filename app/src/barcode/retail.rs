//! Retail and case codes that carry a bare GTIN: EAN-13, EAN-8, UPC-A, UPC-E (expanded to
//! UPC-A) and ITF-14, all normalised to the 14-digit [`Gtin`].
//!
//! Owns the digit layouts of these symbologies; the GTIN itself (check digit, 14-digit form)
//! is [`crate::domain::Gtin`]'s.

use super::check_digit::mod10_check_digit;
use super::error::RetailError;
use crate::domain::Gtin;

fn digits_only(value: &str) -> bool {
    !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit())
}

fn exact(
    symbology: &'static str,
    expected: &'static str,
    n: usize,
    value: &str,
) -> Result<(), RetailError> {
    if value.len() == n && digits_only(value) {
        Ok(())
    } else {
        Err(RetailError::Length {
            symbology,
            expected,
            got: value.to_owned(),
        })
    }
}

/// EAN-13 (GTIN-13).
pub fn ean13(value: &str) -> Result<Gtin, RetailError> {
    exact("EAN-13", "13", 13, value)?;
    Ok(Gtin::parse(value)?)
}

/// EAN-8 (GTIN-8).
pub fn ean8(value: &str) -> Result<Gtin, RetailError> {
    exact("EAN-8", "8", 8, value)?;
    Ok(Gtin::parse(value)?)
}

/// UPC-A (GTIN-12).
pub fn upc_a(value: &str) -> Result<Gtin, RetailError> {
    exact("UPC-A", "12", 12, value)?;
    Ok(Gtin::parse(value)?)
}

/// ITF-14 (GTIN-14 on cases).
pub fn itf14(value: &str) -> Result<Gtin, RetailError> {
    exact("ITF-14", "14", 14, value)?;
    Ok(Gtin::parse(value)?)
}

/// Expands UPC-E to its 12-digit UPC-A. Accepts the 6 data digits (number system 0, check
/// digit computed), 7 digits (number system + data) or all 8 (number system + data +
/// check digit, which must match the expanded code's).
pub fn expand_upc_e(value: &str) -> Result<String, RetailError> {
    if !digits_only(value) || !(6..=8).contains(&value.len()) {
        return Err(RetailError::Length {
            symbology: "UPC-E",
            expected: "6, 7 or 8",
            got: value.to_owned(),
        });
    }
    let (system, data, check) = match value.len() {
        6 => ("0", value, None),
        7 => (&value[..1], &value[1..], None),
        _ => (&value[..1], &value[1..7], Some(&value[7..])),
    };
    if system != "0" && system != "1" {
        return Err(RetailError::UpcENumberSystem {
            value: value.to_owned(),
            system: system.chars().next().unwrap_or('?'),
        });
    }
    let d = data.as_bytes();
    let s = |i: usize| char::from(d[i]);
    let body: String = match d[5] {
        b'0' | b'1' | b'2' => [s(0), s(1), s(5), '0', '0', '0', '0', s(2), s(3), s(4)]
            .iter()
            .collect(),
        b'3' => [s(0), s(1), s(2), '0', '0', '0', '0', '0', s(3), s(4)]
            .iter()
            .collect(),
        b'4' => [s(0), s(1), s(2), s(3), '0', '0', '0', '0', '0', s(4)]
            .iter()
            .collect(),
        _ => [s(0), s(1), s(2), s(3), s(4), '0', '0', '0', '0', s(5)]
            .iter()
            .collect(),
    };
    let body = format!("{system}{body}");
    let check = match check {
        Some(c) => c.to_owned(),
        None => mod10_check_digit(&body).unwrap_or(0).to_string(),
    };
    Ok(body + &check)
}

/// UPC-E, expanded and checked.
pub fn upc_e(value: &str) -> Result<Gtin, RetailError> {
    Ok(Gtin::parse(&expand_upc_e(value)?)?)
}

/// Any bare GTIN of 8, 12, 13 or 14 digits, as scanned without a symbology identifier.
pub fn any_gtin(value: &str) -> Result<Gtin, RetailError> {
    match value.len() {
        8 => ean8(value),
        12 => upc_a(value),
        13 => ean13(value),
        14 => itf14(value),
        _ => Err(RetailError::Length {
            symbology: "GTIN",
            expected: "8, 12, 13 or 14",
            got: value.to_owned(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retail_codes_normalise_to_gtin_14() {
        assert_eq!(ean13("9506000134352").unwrap().as_str(), "09506000134352");
        assert_eq!(ean8("95050003").unwrap().as_str(), "00000095050003");
        assert_eq!(upc_a("036000291452").unwrap().as_str(), "00036000291452");
        assert_eq!(itf14("19506000134359").unwrap().as_str(), "19506000134359");
        assert_eq!(
            ean13("9506000134353").unwrap_err().to_string(),
            "GTIN 9506000134353: check digit wrong: expected 2, got 3"
        );
        assert_eq!(
            ean13("950600013435").unwrap_err().to_string(),
            "EAN-13 needs 13 digits, got \"950600013435\""
        );
    }

    #[test]
    fn upc_e_expands_by_its_last_digit() {
        // Worked examples: 0 425261 4 -> 042100005264; 0 123453 -> 012300000457...
        assert_eq!(expand_upc_e("04252614").unwrap(), "042100005264");
        assert_eq!(expand_upc_e("01234565").unwrap(), "012345000065");
        assert_eq!(expand_upc_e("01234133").unwrap(), "012300000413");
        assert_eq!(expand_upc_e("01234144").unwrap(), "012340000014");
        assert_eq!(expand_upc_e("425261").unwrap(), "042100005264");
        assert_eq!(upc_e("04252614").unwrap().as_str(), "00042100005264");
        assert_eq!(
            upc_e("04252615").unwrap_err().to_string(),
            "GTIN 042100005265: check digit wrong: expected 4, got 5"
        );
        assert_eq!(
            expand_upc_e("24252614").unwrap_err().to_string(),
            "UPC-E 24252614 has number system 2; only 0 or 1 exist"
        );
    }
}
