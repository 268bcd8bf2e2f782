//! Internal labels: bin/location labels and document labels (ASN, PO, order, pick task,
//! carton) recognised by a configured prefix and a small shape pattern.
//!
//! Patterns are deliberately tiny (no regex engine on the handheld): `#` a digit, `@` a
//! letter, `?` a letter or digit, `*` one or more of any character; `+` after `#`, `@` or
//! `?` repeats it one or more times; `\` makes the next character literal; anything else
//! is literal. Matching is linear in pattern × input, so no scan can make it hang.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::domain::DocumentKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Digit,
    Letter,
    Alnum,
    Any,
}

impl Class {
    fn accepts(self, c: char) -> bool {
        match self {
            Class::Digit => c.is_ascii_digit(),
            Class::Letter => c.is_ascii_alphabetic(),
            Class::Alnum => c.is_ascii_alphanumeric(),
            Class::Any => !c.is_control(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    Literal(char),
    One(Class),
    OneOrMore(Class),
}

/// A label shape such as `@-##-#-@` (bin `A-03-2-B`) or `#+`.
#[derive(Clone, PartialEq, Eq)]
pub struct LabelPattern {
    source: String,
    tokens: Vec<Token>,
}

impl LabelPattern {
    pub fn new(source: &str) -> LabelPattern {
        let mut tokens = Vec::new();
        let mut chars = source.chars().peekable();
        while let Some(c) = chars.next() {
            let class = match c {
                '#' => Class::Digit,
                '@' => Class::Letter,
                '?' => Class::Alnum,
                '*' => {
                    tokens.push(Token::OneOrMore(Class::Any));
                    continue;
                }
                '\\' => {
                    if let Some(lit) = chars.next() {
                        tokens.push(Token::Literal(lit));
                    }
                    continue;
                }
                other => {
                    tokens.push(Token::Literal(other));
                    continue;
                }
            };
            if chars.peek() == Some(&'+') {
                chars.next();
                tokens.push(Token::OneOrMore(class));
            } else {
                tokens.push(Token::One(class));
            }
        }
        LabelPattern {
            source: source.to_owned(),
            tokens,
        }
    }

    /// Whether the whole of `text` has this shape.
    pub fn matches(&self, text: &str) -> bool {
        let chars: Vec<char> = text.chars().collect();
        // reachable[j]: the tokens so far can consume exactly chars[..j].
        let mut reachable = vec![false; chars.len() + 1];
        reachable[0] = true;
        for token in &self.tokens {
            let mut next = vec![false; chars.len() + 1];
            for j in 0..chars.len() {
                if !reachable[j] {
                    continue;
                }
                match *token {
                    Token::Literal(l) => next[j + 1] |= chars[j] == l,
                    Token::One(class) => next[j + 1] |= class.accepts(chars[j]),
                    Token::OneOrMore(class) => {
                        let mut k = j;
                        while k < chars.len() && class.accepts(chars[k]) && !next[k + 1] {
                            next[k + 1] = true;
                            k += 1;
                        }
                    }
                }
            }
            reachable = next;
        }
        reachable[chars.len()]
    }

    pub fn as_str(&self) -> &str {
        &self.source
    }
}

impl fmt::Debug for LabelPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LabelPattern({:?})", self.source)
    }
}

impl Serialize for LabelPattern {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.source)
    }
}

impl<'de> Deserialize<'de> for LabelPattern {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(LabelPattern::new(&String::deserialize(d)?))
    }
}

/// A location label: `prefix` followed by text of shape `pattern`; the location code is
/// what follows the prefix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocationRule {
    #[serde(default)]
    pub prefix: String,
    pub pattern: LabelPattern,
}

impl LocationRule {
    pub fn new(prefix: &str, pattern: &str) -> Self {
        Self {
            prefix: prefix.to_owned(),
            pattern: LabelPattern::new(pattern),
        }
    }

    /// The location code, when `text` is such a label.
    pub fn code<'t>(&self, text: &'t str) -> Option<&'t str> {
        let rest = text.strip_prefix(self.prefix.as_str())?;
        self.pattern.matches(rest).then_some(rest)
    }
}

/// A document label: `prefix` followed by text of shape `pattern`. The document number is
/// the whole label when `keep_prefix` is set (`PO12345`), else what follows the prefix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentRule {
    pub kind: DocumentKind,
    pub prefix: String,
    pub pattern: LabelPattern,
    #[serde(default)]
    pub keep_prefix: bool,
}

impl DocumentRule {
    pub fn new(kind: DocumentKind, prefix: &str, pattern: &str, keep_prefix: bool) -> Self {
        Self {
            kind,
            prefix: prefix.to_owned(),
            pattern: LabelPattern::new(pattern),
            keep_prefix,
        }
    }

    /// The document number, when `text` is such a label.
    pub fn number<'t>(&self, text: &'t str) -> Option<&'t str> {
        let rest = text.strip_prefix(self.prefix.as_str())?;
        if !self.pattern.matches(rest) {
            return None;
        }
        Some(if self.keep_prefix { text } else { rest })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_whole_labels() {
        let bin = LabelPattern::new("@-##-#-@");
        assert!(bin.matches("A-03-2-B"));
        assert!(!bin.matches("A-03-2-B7"));
        assert!(!bin.matches("A-3-2-B"));
        let digits = LabelPattern::new("#+");
        assert!(digits.matches("12345"));
        assert!(!digits.matches(""));
        assert!(!digits.matches("12a45"));
        let any = LabelPattern::new("X*Y");
        assert!(any.matches("X-anything-Y"));
        assert!(!any.matches("XY"));
        assert!(LabelPattern::new("\\#?+").matches("#A1"));
        // No blow-up on adversarial input.
        let nasty = LabelPattern::new("*#*#*#*#*#*#*#*#*#*#*#*#!");
        assert!(!nasty.matches(&"1".repeat(5000)));
    }

    #[test]
    fn rules_extract_codes_and_numbers() {
        let loc = LocationRule::new("LOC:", "*");
        assert_eq!(loc.code("LOC:A-03-2"), Some("A-03-2"));
        assert_eq!(loc.code("A-03-2"), None);
        let po = DocumentRule::new(DocumentKind::Po, "PO", "#+", true);
        assert_eq!(po.number("PO12345"), Some("PO12345"));
        assert_eq!(po.number("POTATO"), None);
        let asn = DocumentRule::new(DocumentKind::Asn, "ASN-", "#+", false);
        assert_eq!(asn.number("ASN-000123"), Some("000123"));
    }
}
