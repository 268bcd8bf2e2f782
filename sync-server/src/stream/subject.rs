//! NATS subjects of the stock stream. Subjects are `<prefix>.<warehouse>.stock.<item>`,
//! `<prefix>.<warehouse>.conflict.<kind>` and `<prefix>.<warehouse>.alert.<kind>`; the outbox
//! stores them without the prefix. A SKU may hold any printable character, so every token is
//! escaped: `[A-Za-z0-9_-]` stay, any other character becomes `~` followed by its UTF-8 bytes
//! in lower-case hex (`A.1` → `A~2e1`). Mirrors `dockhand_subject_token` in migration 0002.

use std::fmt::Write;

/// One subject token for `value` (a warehouse code, SKU or kind).
pub fn token(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for byte in c.encode_utf8(&mut buf).bytes() {
                let _ = write!(out, "~{byte:02x}");
            }
        }
    }
    out
}

/// The value a token was made from, or `None` if it is not a valid token.
pub fn untoken(token: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(token.len());
    let mut rest = token.as_bytes();
    while let Some((&first, tail)) = rest.split_first() {
        if first == b'~' {
            let hex = std::str::from_utf8(tail.get(..2)?).ok()?;
            bytes.push(u8::from_str_radix(hex, 16).ok()?);
            rest = &tail[2..];
        } else {
            bytes.push(first);
            rest = tail;
        }
    }
    String::from_utf8(bytes).ok()
}

/// Whether `prefix` can start a subject: one or more dot-separated tokens without wildcards
/// or spaces.
pub fn valid_prefix(prefix: &str) -> bool {
    !prefix.is_empty()
        && prefix.split('.').all(|t| {
            !t.is_empty()
                && t.chars()
                    .all(|c| c.is_ascii_graphic() && c != '*' && c != '>' && c != '.')
        })
}

/// Every subject of one warehouse: `<prefix>.<warehouse>.>`.
pub fn warehouse_filter(prefix: &str, warehouse: &str) -> String {
    format!("{prefix}.{}.>", token(warehouse))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_codes_are_their_own_token() {
        assert_eq!(token("SKU-1"), "SKU-1");
        assert_eq!(token("WH_1"), "WH_1");
    }

    #[test]
    fn dots_spaces_wildcards_and_non_ascii_are_escaped_reversibly() {
        for value in ["A.1", "a b", "*", ">", "~", "é", "Crème brûlée 1kg", "x~2e"] {
            let t = token(value);
            assert!(
                t.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_-~".contains(c)),
                "{t}"
            );
            assert_eq!(untoken(&t).as_deref(), Some(value));
        }
        assert_eq!(token("A.1 ~é"), "A~2e1~20~7e~c3~a9");
    }

    #[test]
    fn broken_tokens_do_not_decode() {
        assert_eq!(untoken("~2"), None);
        assert_eq!(untoken("~zz"), None);
        assert_eq!(untoken("~ff"), None);
    }

    #[test]
    fn prefixes_without_wildcards_are_valid() {
        assert!(valid_prefix("dockhand"));
        assert!(valid_prefix("acme.dockhand"));
        assert!(!valid_prefix(""));
        assert!(!valid_prefix("a..b"));
        assert!(!valid_prefix("a.*"));
        assert!(!valid_prefix("a b"));
        assert_eq!(warehouse_filter("dockhand", "WH 1"), "dockhand.WH~201.>");
    }
}
