//! GS1 Digital Link URIs (`https://id.example.com/01/09506000134352/10/ABC?17=201225`) to and
//! from the same [`ElementString`] an element string gives: primary key and ordered
//! qualifiers in the path, other AIs as query attributes, values percent-encoded.
//!
//! Owns URI syntax only; AI formats and pairings stay with the table and the element list.
//! Query parameters that are not AIs (`linkType`, `context`…) are ignored, as the GS1 Digital
//! Link standard says.

use std::collections::HashSet;

use super::ai_table::{AiDef, DlRole, lookup};
use super::element_string::{Element, ElementString};
use super::error::{DigitalLinkError, Gs1Error};

/// Whether `data` looks like a web URI (and so may be a Digital Link). The scheme is all
/// lower or all upper case, as the GS1 Digital Link standard allows.
pub fn is_web_uri(data: &str) -> bool {
    ["https://", "HTTPS://", "http://", "HTTP://"]
        .iter()
        .any(|scheme| data.starts_with(scheme))
}

/// Reads a GS1 Digital Link URI into its element list (key, qualifiers, then attributes).
///
/// The primary key is the rightmost one followed only by AI/value pairs, so a custom path
/// before it (`/shop/products/01/…`) is skipped. GTIN-8/12/13 in AI 01 are widened to 14
/// digits. Each AI may appear once; an AI that belongs in the path as a qualifier of the
/// key may not be given as a query attribute.
pub fn parse(uri: &str) -> Result<ElementString, DigitalLinkError> {
    if !is_web_uri(uri) {
        return Err(DigitalLinkError::NotAUri);
    }
    let after_scheme = uri.split_once("://").map_or("", |(_, rest)| rest);
    let without_fragment = after_scheme.split('#').next().unwrap_or("");
    let (location, query) = without_fragment
        .split_once('?')
        .unwrap_or((without_fragment, ""));
    let (host, path) = location.split_once('/').unwrap_or((location, ""));
    if host.is_empty() || !host.bytes().all(is_host_byte) {
        return Err(DigitalLinkError::NotAUri);
    }
    if path.ends_with('/') {
        return Err(DigitalLinkError::NoPrimaryKey);
    }
    let segments: Vec<&str> = path.split('/').collect();

    let (key_at, key_def) = find_primary_key(&segments).ok_or(DigitalLinkError::NoPrimaryKey)?;
    let key_ai = segments[key_at];
    let qualifiers: Vec<&str> = segments[key_at + 2..].iter().step_by(2).copied().collect();
    if let Some(bad) = misplaced_qualifier(key_def, &qualifiers) {
        return Err(DigitalLinkError::BadQualifier {
            key: key_ai.to_owned(),
            ai: bad.to_owned(),
        });
    }
    let mut elements = Vec::with_capacity(4);
    for pair in segments[key_at..].chunks(2) {
        if let [ai, value] = pair {
            push_element(&mut elements, ai, percent_decode(value, false)?)?;
        }
    }

    for param in query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = param.split_once('=').unwrap_or((param, ""));
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let (_, def) = lookup(name).ok_or_else(|| Gs1Error::UnknownAi {
            ai: name.to_owned(),
            position: 0,
        })?;
        if !def.dl_attribute || belongs_in_path(key_def, &qualifiers, name) {
            return Err(DigitalLinkError::NotAllowed {
                ai: name.to_owned(),
            });
        }
        push_element(&mut elements, name, percent_decode(value, true)?)?;
    }
    Ok(ElementString::from_elements(elements)?)
}

fn push_element(
    elements: &mut Vec<Element>,
    ai: &str,
    mut value: String,
) -> Result<(), DigitalLinkError> {
    if elements.iter().any(|e| e.ai.is(ai)) {
        return Err(DigitalLinkError::Repeated { ai: ai.to_owned() });
    }
    if ai == "01" && matches!(value.len(), 8 | 12 | 13) {
        // GTIN-8/12/13 are written as GTIN-14 in element strings.
        value = format!("{value:0>14}");
    }
    elements.push(Element::new(ai, value)?);
    Ok(())
}

/// Letters, digits and the punctuation of host names, ports and IP literals.
fn is_host_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b':' | b'[' | b']')
}

/// Whether `ai` is a qualifier of the key in a sequence the path's qualifiers allow, and so
/// must be written in the path.
fn belongs_in_path(key: &AiDef, path_qualifiers: &[&str], ai: &str) -> bool {
    let DlRole::PrimaryKey(seqs) = &key.dl else {
        return false;
    };
    seqs.iter().any(|seq| {
        let mut rest = seq.iter();
        let fits = path_qualifiers
            .iter()
            .all(|q| rest.by_ref().any(|s| s.as_str() == *q));
        fits && seq.iter().any(|s| s.as_str() == ai)
    })
}

/// Writes `elements` as a Digital Link URI under `base` (`https://id.gs1.org`): the first
/// primary key AI, the qualifiers it permits in their standard order, everything else as
/// query attributes.
pub fn to_uri(elements: &ElementString, base: &str) -> Result<String, DigitalLinkError> {
    let list = elements.elements();
    let (key_index, key_def) = list
        .iter()
        .enumerate()
        .find_map(|(i, e)| {
            e.def()
                .filter(|d| matches!(d.dl, DlRole::PrimaryKey(_)))
                .map(|d| (i, d))
        })
        .ok_or(DigitalLinkError::NoPrimaryKey)?;
    let key = &list[key_index];
    let DlRole::PrimaryKey(sequences) = &key_def.dl else {
        return Err(DigitalLinkError::NoPrimaryKey);
    };
    // The permitted sequence that carries most of the qualifiers present.
    let sequence = sequences
        .iter()
        .max_by_key(|seq| {
            seq.iter()
                .filter(|q| list.iter().any(|e| e.ai.is(q)))
                .count()
        })
        .map(Vec::as_slice)
        .unwrap_or(&[]);

    let mut uri = String::with_capacity(base.len() + 64);
    uri.push_str(base.trim_end_matches('/'));
    push_segment(&mut uri, key.ai.as_str(), &key.value);
    let mut in_path = vec![false; list.len()];
    in_path[key_index] = true;
    for qualifier in sequence {
        if let Some(i) = list.iter().position(|e| e.ai.is(qualifier)) {
            push_segment(&mut uri, &list[i].ai.to_string(), &list[i].value);
            in_path[i] = true;
        }
    }
    let mut separator = '?';
    // What the path carries, and exact repeats (a symbol may repeat an element), are
    // written once.
    let mut written: HashSet<&Element> = list
        .iter()
        .zip(&in_path)
        .filter(|(_, in_path)| **in_path)
        .map(|(e, _)| e)
        .collect();
    for (i, element) in list.iter().enumerate() {
        if in_path[i] || !written.insert(element) {
            continue;
        }
        if !element.def().is_some_and(|d| d.dl_attribute) {
            return Err(DigitalLinkError::NotAllowed {
                ai: element.ai.to_string(),
            });
        }
        uri.push(separator);
        separator = '&';
        uri.push_str(element.ai.as_str());
        uri.push('=');
        percent_encode(&mut uri, &element.value);
    }
    Ok(uri)
}

fn push_segment(uri: &mut String, ai: &str, value: &str) {
    uri.push('/');
    uri.push_str(ai);
    uri.push('/');
    percent_encode(uri, value);
}

/// The rightmost primary key whose following segments are all AI/value pairs.
fn find_primary_key(segments: &[&str]) -> Option<(usize, &'static AiDef)> {
    let mut k = segments.len().checked_sub(2)?;
    loop {
        let (_, def) = lookup(segments[k])?;
        if matches!(def.dl, DlRole::PrimaryKey(_)) {
            return Some((k, def));
        }
        k = k.checked_sub(2)?;
    }
}

/// The first qualifier that breaks every permitted order (`None` when they fit one).
fn misplaced_qualifier<'q>(key: &AiDef, qualifiers: &[&'q str]) -> Option<&'q str> {
    if qualifiers.is_empty() {
        return None;
    }
    let DlRole::PrimaryKey(seqs) = &key.dl else {
        return qualifiers.first().copied();
    };
    let fitting = |seq: &Vec<String>| {
        let mut rest = seq.iter();
        qualifiers
            .iter()
            .take_while(|q| rest.by_ref().any(|s| s.as_str() == **q))
            .count()
    };
    let best = seqs.iter().map(fitting).max().unwrap_or(0);
    qualifiers.get(best).copied()
}

fn percent_encode(out: &mut String, value: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
}

/// Undoes percent-encoding; in a query, `+` is a space (which no AI value may contain).
fn percent_decode(segment: &str, in_query: bool) -> Result<String, DigitalLinkError> {
    let bad = || DigitalLinkError::BadPercentEncoding {
        segment: segment.to_owned(),
    };
    let plain_plus = !in_query || !segment.contains('+');
    if !segment.contains('%') && plain_plus {
        return Ok(segment.to_owned());
    }
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = segment
                .get(i + 1..i + 3)
                .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
                .ok_or_else(bad)?;
            out.push(u8::from_str_radix(hex, 16).map_err(|_| bad())?);
            i += 3;
        } else if in_query && bytes[i] == b'+' {
            out.push(b' ');
            i += 1;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_issue_example() {
        let es = parse("https://id.example.com/01/09506000134352/10/ABC?17=201225").unwrap();
        assert_eq!(es.to_bracketed(), "(01)09506000134352(10)ABC(17)201225");
        assert_eq!(
            to_uri(&es, "https://id.example.com/").unwrap(),
            "https://id.example.com/01/09506000134352/10/ABC?17=201225"
        );
    }

    #[test]
    fn paths_with_a_prefix_short_gtins_and_other_parameters() {
        let es = parse(
            "HTTPS://example.com/shop/products/01/9506000134352/21/S%2F1?linkType=gs1:pip&3103=000195#top",
        )
        .unwrap();
        assert_eq!(es.to_bracketed(), "(01)09506000134352(21)S/1(3103)000195");
        let es = parse("https://id.gs1.org/00/095060001000000012").unwrap();
        assert_eq!(es.get("00"), Some("095060001000000012"));
    }

    #[test]
    fn qualifiers_keep_their_order_and_attributes_their_place() {
        let es = ElementString::parse_bracketed("(17)271231(21)X(10)L(01)09506000134352").unwrap();
        assert_eq!(
            to_uri(&es, "https://id.gs1.org").unwrap(),
            "https://id.gs1.org/01/09506000134352/10/L/21/X?17=271231"
        );
        let err = |uri: &str| parse(uri).unwrap_err().to_string();
        assert_eq!(
            err("https://id.gs1.org/01/09506000134352/21/X/10/L"),
            "AI 10 is not allowed after AI 01 in a Digital Link path"
        );
        assert_eq!(
            err("https://id.gs1.org/01/09506000134357"),
            "AI 01 check digit wrong: expected 2, got 7"
        );
        assert_eq!(
            err("https://id.gs1.org/products/123"),
            "no GS1 primary key (such as /01/ or /00/) in the URI path"
        );
        assert_eq!(
            err("https://id.gs1.org/01/09506000134352?8200=x"),
            "AI 8200 cannot be carried in a Digital Link URI"
        );
        assert_eq!(
            err("https://id.gs1.org/01/09506000134352/10/A%2"),
            "\"A%2\" is not correctly percent-encoded"
        );
        assert_eq!(err("ftp://x/01/09506000134352"), "not an http(s) URI");
        assert_eq!(err("HtTps://x/01/09506000134352"), "not an http(s) URI");
        let lot_only = ElementString::parse_bracketed("(10)ABC").unwrap();
        assert_eq!(
            to_uri(&lot_only, "https://id.gs1.org")
                .unwrap_err()
                .to_string(),
            "no GS1 primary key (such as /01/ or /00/) in the URI path"
        );
    }
}
