//! Checks one AI value against its table entry: length, character set per component, check
//! digits, dates and times, and the small content rules (piece of total, yes/no…). Also
//! turns GS1 dates (YYMMDD, with the century rule and day 00) into calendar dates.
//!
//! Not checked (no data embedded on the handheld): membership in the ISO 3166 and ISO 4217
//! code lists (only the shape is checked), GS1 Company Prefix positions of keys, IBAN
//! per-country lengths, the North American coupon code structure (8110, 8112) and the
//! UN/CEFACT package type list (7041).
//!
//! Owns content validation only; it must not split element strings or decide pairings.

use chrono::{Datelike, NaiveDate};

use super::ai_table::{Ai, AiDef, Charset, Rule};
use super::check_digit::verify_mod10;
use super::error::Gs1Error;

/// Validates `value` as the data of `ai`.
pub fn validate_value(ai: Ai, def: &AiDef, value: &str) -> Result<(), Gs1Error> {
    let len = value.len();
    if len == 0 {
        return Err(Gs1Error::EmptyValue { ai: ai.to_string() });
    }
    // Every valid value is ASCII, so byte length is character length below.
    if let Some(found) = (!value.is_ascii())
        .then(|| value.chars().find(|c| !c.is_ascii()))
        .flatten()
    {
        return Err(Gs1Error::BadCharacter {
            ai: ai.to_string(),
            value: value.to_owned(),
            found,
            allowed: def
                .components
                .last()
                .map_or("ASCII", |c| c.charset.describe()),
        });
    }
    let chars = len;
    if chars > def.max_len() {
        return Err(Gs1Error::TooLong {
            ai: ai.to_string(),
            len: chars,
            max: def.max_len(),
        });
    }
    let bytes = value.as_bytes();
    let mut pos = 0;
    for component in &def.components {
        let remaining = len - pos;
        if remaining == 0 && component.optional {
            break;
        }
        let take = if component.min == component.max {
            usize::from(component.max)
        } else {
            remaining.min(usize::from(component.max))
        };
        if take > remaining || take < usize::from(component.min) {
            return Err(Gs1Error::TooShort {
                ai: ai.to_string(),
                len: chars,
                min: def.min_len().max(pos + usize::from(component.min)),
            });
        }
        let part = &bytes[pos..pos + take];
        check_charset(ai, component.charset, value, pos, part)?;
        if component.charset == Charset::Base64Url {
            let data_len = part.iter().position(|&b| b == b'=').unwrap_or(part.len());
            if part[data_len..].iter().any(|&b| b != b'=') || part.len() - data_len > 2 {
                return Err(bad(ai, value, "'=' may only pad the end of base64url data"));
            }
        }
        // The part is ASCII now, so slicing the str at these byte offsets is safe.
        check_rule(ai, component.rule, &value[pos..pos + take])?;
        check_rule(ai, component.also, &value[pos..pos + take])?;
        pos += take;
    }
    if pos < len {
        return Err(Gs1Error::TooLong {
            ai: ai.to_string(),
            len: chars,
            max: def.max_len(),
        });
    }
    Ok(())
}

/// IBAN shape and ISO 7064 mod-97 checksum.
fn iban_valid(iban: &str) -> bool {
    let b = iban.as_bytes();
    if b.len() < 5
        || !b[..2].iter().all(u8::is_ascii_uppercase)
        || !b[2..4].iter().all(u8::is_ascii_digit)
        || !b[4..]
            .iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    {
        return false;
    }
    let mut rem: u32 = 0;
    for &c in b[4..].iter().chain(&b[..4]) {
        let v = if c.is_ascii_digit() {
            u32::from(c - b'0')
        } else {
            u32::from(c - b'A') + 10
        };
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    rem == 1
}

fn check_charset(
    ai: Ai,
    charset: Charset,
    value: &str,
    offset: usize,
    part: &[u8],
) -> Result<(), Gs1Error> {
    match part.iter().position(|&b| !charset.allows(b)) {
        None => Ok(()),
        Some(i) => Err(Gs1Error::BadCharacter {
            ai: ai.to_string(),
            value: value.to_owned(),
            found: value
                .get(offset + i..)
                .and_then(|s| s.chars().next())
                .unwrap_or('\u{fffd}'),
            allowed: charset.describe(),
        }),
    }
}

fn bad(ai: Ai, value: &str, reason: &'static str) -> Gs1Error {
    Gs1Error::BadContent {
        ai: ai.to_string(),
        value: value.to_owned(),
        reason,
    }
}

fn two_digits(s: &str, at: usize) -> Option<u32> {
    s.get(at..at + 2)?.parse().ok()
}

fn check_rule(ai: Ai, rule: Rule, part: &str) -> Result<(), Gs1Error> {
    let not_a_date = || Gs1Error::NotADate {
        ai: ai.to_string(),
        value: part.to_owned(),
    };
    match rule {
        Rule::None | Rule::Unchecked => Ok(()),
        Rule::CheckDigit => verify_mod10(part).map_err(|source| Gs1Error::CheckDigit {
            ai: ai.to_string(),
            source,
        }),
        Rule::CheckPairAlpha => {
            if check_pair_alpha_ok(part) {
                Ok(())
            } else {
                Err(bad(ai, part, "check character pair wrong"))
            }
        }
        Rule::DateDay00 => yymmdd_valid(part, true)
            .then_some(())
            .ok_or_else(not_a_date),
        Rule::Date => yymmdd_valid(part, false)
            .then_some(())
            .ok_or_else(not_a_date),
        Rule::DateLong => {
            let ok = part.len() == 8
                && part
                    .get(..4)
                    .and_then(|y| y.parse::<i32>().ok())
                    .zip(two_digits(part, 4))
                    .zip(two_digits(part, 6))
                    .is_some_and(|((y, m), d)| NaiveDate::from_ymd_opt(y, m, d).is_some());
            ok.then_some(()).ok_or_else(not_a_date)
        }
        Rule::DateHour => {
            let ok = part.get(..6).is_some_and(|d| yymmdd_valid(d, false))
                && two_digits(part, 6).is_some_and(|h| h < 24);
            ok.then_some(()).ok_or_else(not_a_date)
        }
        Rule::HourMinute => {
            let ok = two_digits(part, 0).is_some_and(|h| h < 24)
                && two_digits(part, 2).is_some_and(|m| m < 60);
            ok.then_some(())
                .ok_or_else(|| bad(ai, part, "not a time HHMM"))
        }
        Rule::Hour => two_digits(part, 0)
            .is_some_and(|h| h < 24)
            .then_some(())
            .ok_or_else(|| bad(ai, part, "hour must be 00 to 23")),
        Rule::Minute | Rule::Second => two_digits(part, 0)
            .is_some_and(|m| m < 60)
            .then_some(())
            .ok_or_else(|| bad(ai, part, "minutes and seconds must be 00 to 59")),
        Rule::YesNo => matches!(part, "0" | "1")
            .then_some(())
            .ok_or_else(|| bad(ai, part, "must be 0 or 1")),
        Rule::Zero => (part == "0")
            .then_some(())
            .ok_or_else(|| bad(ai, part, "must be 0")),
        Rule::NonZero => part
            .bytes()
            .any(|b| b != b'0')
            .then_some(())
            .ok_or_else(|| bad(ai, part, "must not be zero")),
        Rule::Winding => matches!(part, "0" | "1" | "9")
            .then_some(())
            .ok_or_else(|| bad(ai, part, "winding direction must be 0, 1 or 9")),
        Rule::Hyphen => (part == "-")
            .then_some(())
            .ok_or_else(|| bad(ai, part, "only '-' may follow the value")),
        Rule::PieceOfTotal => {
            let ok = two_digits(part, 0)
                .zip(two_digits(part, 2))
                .is_some_and(|(piece, total)| piece >= 1 && piece <= total);
            ok.then_some(())
                .ok_or_else(|| bad(ai, part, "piece number must be 1 to the total"))
        }
        Rule::Iso5218 => matches!(part, "0" | "1" | "2" | "9")
            .then_some(())
            .ok_or_else(|| bad(ai, part, "sex code must be 0, 1, 2 or 9")),
        Rule::NoZeroPrefix => (!part.starts_with('0') || part == "0")
            .then_some(())
            .ok_or_else(|| bad(ai, part, "must not start with 0")),
        Rule::HasNonDigit => part
            .bytes()
            .any(|b| !b.is_ascii_digit())
            .then_some(())
            .ok_or_else(|| bad(ai, part, "must contain a character that is not a digit")),
        Rule::Latitude => part
            .parse::<u64>()
            .is_ok_and(|v| v <= 1_800_000_000)
            .then_some(())
            .ok_or_else(|| bad(ai, part, "latitude out of range")),
        Rule::Longitude => part
            .parse::<u64>()
            .is_ok_and(|v| v <= 3_600_000_000)
            .then_some(())
            .ok_or_else(|| bad(ai, part, "longitude out of range")),
        Rule::MediaType => two_digits(part, 0)
            .is_some_and(|v| (1..=10).contains(&v) || (80..=99).contains(&v))
            .then_some(())
            .ok_or_else(|| bad(ai, part, "media type must be 01 to 10 or 80 to 99")),
        Rule::PositionInSequence => {
            let ok = part.split_once('/').is_some_and(|(p, t)| {
                match (p.parse::<u32>(), t.parse::<u32>()) {
                    (Ok(p), Ok(t)) => p >= 1 && p <= t,
                    _ => false,
                }
            });
            ok.then_some(())
                .ok_or_else(|| bad(ai, part, "must be position/total, e.g. 1/2"))
        }
        Rule::PercentEncoded => {
            let b = part.as_bytes();
            let ok = b.iter().enumerate().all(|(i, &c)| {
                c != b'%'
                    || (b.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                        && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
            });
            ok.then_some(())
                .ok_or_else(|| bad(ai, part, "'%' must be followed by two hex digits"))
        }
        Rule::CountryAlpha2 => part
            .bytes()
            .all(|b| b.is_ascii_uppercase())
            .then_some(())
            .ok_or_else(|| bad(ai, part, "country code must be two capital letters")),
        // The code lists (ISO 3166, ISO 4217) are not embedded; the shape was checked.
        Rule::CountryNumeric | Rule::Currency => Ok(()),
        Rule::ImporterIndex => part
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            .then_some(())
            .ok_or_else(|| {
                bad(
                    ai,
                    part,
                    "importer index must be a letter, digit, '-' or '_'",
                )
            }),
        Rule::Iban => iban_valid(part)
            .then_some(())
            .ok_or_else(|| bad(ai, part, "not a valid IBAN")),
    }
}

fn days_in_month(year_is_leap: bool, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if year_is_leap => 29,
        2 => 28,
        _ => 0,
    }
}

/// Whether `s` is YYMMDD (DD = 00 allowed when `day_zero`). Leap years are YY divisible by
/// 4, as for every year GS1's century rule can produce until 2100.
fn yymmdd_valid(s: &str, day_zero: bool) -> bool {
    let (Some(yy), Some(mm), Some(dd)) = (two_digits(s, 0), two_digits(s, 2), two_digits(s, 4))
    else {
        return false;
    };
    s.len() == 6
        && (1..=12).contains(&mm)
        && ((day_zero && dd == 0) || (dd >= 1 && dd <= days_in_month(yy % 4 == 0, mm)))
}

/// A GS1 YYMMDD value as a calendar date. The century follows GS1 General Specifications
/// 7.12 relative to `today`: up to 49 years ahead, else up to 50 years back. Day 00 means
/// the last day of the month.
pub fn gs1_date(value: &str, today: NaiveDate) -> Option<NaiveDate> {
    if !yymmdd_valid(value, true) {
        return None;
    }
    let (yy, mm, dd) = (
        two_digits(value, 0)? as i32,
        two_digits(value, 2)?,
        two_digits(value, 4)?,
    );
    let current = today.year();
    let century = current - current.rem_euclid(100);
    let diff = yy - current.rem_euclid(100);
    let year = if (51..=99).contains(&diff) {
        century - 100 + yy
    } else if (-99..=-50).contains(&diff) {
        century + 100 + yy
    } else {
        century + yy
    };
    let day = if dd == 0 {
        let leap = NaiveDate::from_ymd_opt(year, 2, 29).is_some();
        days_in_month(leap, mm)
    } else {
        dd
    };
    NaiveDate::from_ymd_opt(year, mm, day)
}

const CSET82_ORDER: &[u8] =
    b"!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";
const CSET32_ORDER: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

/// The GS1 check character pair for `body` (GS1 General Specifications 7.9.5): characters
/// valued by their place in set 82, weighted by primes from the right, modulo 1021.
pub fn check_pair_alpha(body: &str) -> Option<[u8; 2]> {
    const PRIMES: [u32; 97] = [
        2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89,
        97, 101, 103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167, 173, 179, 181,
        191, 193, 197, 199, 211, 223, 227, 229, 233, 239, 241, 251, 257, 263, 269, 271, 277, 281,
        283, 293, 307, 311, 313, 317, 331, 337, 347, 349, 353, 359, 367, 373, 379, 383, 389, 397,
        401, 409, 419, 421, 431, 433, 439, 443, 449, 457, 461, 463, 467, 479, 487, 491, 499, 503,
        509,
    ];
    if body.len() > PRIMES.len() {
        return None;
    }
    let mut sum = 0u32;
    for (b, weight) in body.bytes().rev().zip(PRIMES) {
        let v = CSET82_ORDER.iter().position(|&c| c == b)? as u32;
        sum += v * weight;
    }
    sum %= 1021;
    Some([
        CSET32_ORDER[(sum >> 5) as usize],
        CSET32_ORDER[(sum & 31) as usize],
    ])
}

fn check_pair_alpha_ok(value: &str) -> bool {
    value.len() >= 2
        && value.is_ascii()
        && check_pair_alpha(&value[..value.len() - 2])
            .is_some_and(|pair| pair == value.as_bytes()[value.len() - 2..])
}

#[cfg(test)]
mod tests {
    use super::super::ai_table::lookup;
    use super::*;

    fn check(ai: &str, value: &str) -> Result<(), String> {
        let (ai, def) = lookup(ai).unwrap();
        validate_value(ai, def, value).map_err(|e| e.to_string())
    }

    #[test]
    fn dates_check_month_day_and_leap_years() {
        assert_eq!(check("17", "271231"), Ok(()));
        assert_eq!(check("17", "270200"), Ok(())); // DD=00: end of month
        assert_eq!(check("17", "280229"), Ok(()));
        assert_eq!(
            check("17", "270229"),
            Err("AI 17 date 270229 is not a date".into())
        );
        assert_eq!(
            check("17", "251341"),
            Err("AI 17 date 251341 is not a date".into())
        );
        assert_eq!(
            check("7006", "270200"),
            Err("AI 7006 date 270200 is not a date".into())
        );
        assert_eq!(check("7250", "20240229"), Ok(()));
        assert_eq!(
            check("7003", "2712312460"),
            Err("AI 7003 value \"2460\" is not valid: not a time HHMM".into())
        );
    }

    #[test]
    fn century_rule_and_day_zero() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
        assert_eq!(
            gs1_date("270200", today),
            NaiveDate::from_ymd_opt(2027, 2, 28)
        );
        assert_eq!(
            gs1_date("280200", today),
            NaiveDate::from_ymd_opt(2028, 2, 29)
        );
        // 51+ years ahead is last century; 50+ years back is next century.
        assert_eq!(
            gs1_date("770101", today),
            NaiveDate::from_ymd_opt(1977, 1, 1)
        );
        assert_eq!(
            gs1_date("760101", today),
            NaiveDate::from_ymd_opt(2076, 1, 1)
        );
        let late = NaiveDate::from_ymd_opt(2095, 6, 1).unwrap();
        assert_eq!(
            gs1_date("050101", late),
            NaiveDate::from_ymd_opt(2105, 1, 1)
        );
        assert_eq!(gs1_date("251341", today), None);
    }

    #[test]
    fn lengths_charsets_and_check_digits() {
        assert_eq!(
            check("10", "ABCDEFGHIJKLMNOPQRSTU"),
            Err("AI 10 value is 21 characters; at most 20 allowed".into())
        );
        assert_eq!(
            check("01", "0950600013435"),
            Err("AI 01 value is 13 characters; 14 required".into())
        );
        assert_eq!(
            check("01", "09506000134357"),
            Err("AI 01 check digit wrong: expected 2, got 7".into())
        );
        assert_eq!(
            check("10", "AB|C"),
            Err("AI 10 value \"AB|C\" contains '|'; GS1 character set 82 allowed".into())
        );
        assert_eq!(
            check("01", "0950600013435A"),
            Err("AI 01 value \"0950600013435A\" contains 'A'; digits only allowed".into())
        );
        assert_eq!(
            check("10", "lotä"),
            Err("AI 10 value \"lotä\" contains 'ä'; GS1 character set 82 allowed".into())
        );
        assert_eq!(check("253", "9506000134352"), Ok(()));
        assert_eq!(check("253", "9506000134352ABC"), Ok(()));
        assert_eq!(check("8003", "09506000134352X1"), Ok(()));
        assert_eq!(
            check("8003", "19506000134352"),
            Err("AI 8003 value \"1\" is not valid: must be 0".into())
        );
        assert_eq!(check("8006", "095060001343520102"), Ok(()));
        assert_eq!(
            check("8006", "095060001343520302"),
            Err("AI 8006 value \"0302\" is not valid: piece number must be 1 to the total".into())
        );
        assert_eq!(check("4330", "000440-"), Ok(()));
        assert_eq!(check("4330", "000440"), Ok(()));
    }

    #[test]
    fn alphanumeric_check_pairs() {
        assert_eq!(check("8013", "1987654Ad4X4bL5ttr2310c2K"), Ok(()));
        assert_eq!(
            check("8013", "1987654Ad4X4bL5ttr2310cXK"),
            Err(
                "AI 8013 value \"1987654Ad4X4bL5ttr2310cXK\" is not valid: check character pair wrong"
                    .into()
            )
        );
        assert_eq!(check_pair_alpha("12345_ABCDEFGHIJKLM"), Some(*b"CP"));
    }
}
