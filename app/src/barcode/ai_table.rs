//! The GS1 Application Identifier table: every AI of the current GS1 General Specifications
//! (section 3.2, as of 2025, including 03, 7041, 716, 7250–7259 and 8014) with its format,
//! check-digit and date rules, decimal-point meaning, mandatory and invalid pairings and its
//! role in a GS1 Digital Link URI.
//!
//! The table is data, written once below in a compact line format and turned into typed
//! [`AiDef`]s on first use; lookups go through a dense index keyed by the AI's digits, so
//! finding an AI costs one array read. This module owns what an AI *is*; reading element
//! strings is [`super::element_string`]'s job.
//!
//! Line format (columns separated by `|`):
//!
//! ```text
//! AI or range | flags | components | pairing | Digital Link | data title | description
//! ```
//!
//! - flags: `*` predefined length (never needs an FNC1 separator), `!` GS1 identification
//!   key, `?` allowed as a Digital Link attribute, `d` the last AI digit is the number of
//!   decimal places (310n…, 39nn).
//! - components: `N6`, `X..20`, `[N..12]` (optional), each with up to two `:rule`s
//!   (`csum` check digit, `yymmd0` date with day 00 allowed, `hhmi` time…). Character sets:
//!   `N` digits, `X` GS1 set 82, `Y` GS1 set 39, `Z` base64url.
//! - pairing: `need=02,8026` one of these must be present (checked by default);
//!   `req=…` the same, checked only in strict mode; `a+b` means both; `ex=…` must not be
//!   present; `n` in a pattern stands for any digit.
//! - Digital Link: `key` a primary key without qualifiers, `key=22,10,21/235` with ordered
//!   optional qualifiers (alternatives separated by `/`).

use std::sync::LazyLock;

/// The characters a component may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charset {
    /// Digits 0–9.
    Numeric,
    /// GS1 AI encodable character set 82 (ISO/IEC 646 subset).
    Cset82,
    /// GS1 AI encodable character set 39 (`#`, `-`, `/`, digits, capitals).
    Cset39,
    /// base64url (for the digital signature AI 8030).
    Base64Url,
}

impl Charset {
    pub fn allows(self, b: u8) -> bool {
        match self {
            Charset::Numeric => b.is_ascii_digit(),
            Charset::Cset82 => matches!(b,
                b'!' | b'"' | b'%'..=b'?' | b'A'..=b'Z' | b'_' | b'a'..=b'z'),
            Charset::Cset39 => matches!(b, b'#' | b'-' | b'/' | b'0'..=b'9' | b'A'..=b'Z'),
            Charset::Base64Url => b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'=',
        }
    }

    /// How an error message names this set.
    pub fn describe(self) -> &'static str {
        match self {
            Charset::Numeric => "digits only",
            Charset::Cset82 => "GS1 character set 82",
            Charset::Cset39 => "GS1 character set 39",
            Charset::Base64Url => "base64url characters",
        }
    }
}

/// A content rule applied to one component, beyond its character set and length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    None,
    /// GS1 mod-10 check digit in the last position.
    CheckDigit,
    /// GS1 check character pair (GMN, MUDI).
    CheckPairAlpha,
    /// YYMMDD; DD may be 00 (meaning the last day of the month).
    DateDay00,
    /// YYMMDD, a real day.
    Date,
    /// YYYYMMDD.
    DateLong,
    /// YYMMDDHH.
    DateHour,
    /// HHMM.
    HourMinute,
    Hour,
    Minute,
    Second,
    /// 0 or 1.
    YesNo,
    /// Exactly 0.
    Zero,
    /// Not all zeros.
    NonZero,
    /// 0, 1 or 9 (winding direction of a roll).
    Winding,
    /// A hyphen (negative temperature).
    Hyphen,
    /// NNMM: piece NN of MM, 1 ≤ NN ≤ MM.
    PieceOfTotal,
    /// ISO 5218 sex code: 0, 1, 2 or 9.
    Iso5218,
    /// No leading zero (unless the value is `0`).
    NoZeroPrefix,
    /// At least one character that is not a digit.
    HasNonDigit,
    /// Latitude as 0–1800000000 (degrees + 90, 7 decimals).
    Latitude,
    /// Longitude as 0–3600000000 (degrees + 180, 7 decimals).
    Longitude,
    /// AIDC media type 01–10 or 80–99.
    MediaType,
    /// `n/m` position in a sequence.
    PositionInSequence,
    /// Valid percent-encoding (`%` followed by two hex digits).
    PercentEncoded,
    /// Two capital letters (ISO 3166 alpha-2 shape).
    CountryAlpha2,
    /// Three digits, an ISO 3166 numeric code, or a list of them.
    CountryNumeric,
    /// Three digits, an ISO 4217 numeric currency code.
    Currency,
    /// GS1 UIC importer index: a digit, letter, `-` or `_`.
    ImporterIndex,
    /// IBAN: country letters, check digits and mod-97 checksum (not the per-country
    /// lengths).
    Iban,
    /// Shape only; the full rule (coupon codes, package type list) is not checked here.
    Unchecked,
}

/// One part of an AI's data field: `N13` then `[X..17]` for the GDTI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Component {
    pub charset: Charset,
    pub min: u8,
    pub max: u8,
    pub optional: bool,
    pub rule: Rule,
    /// A second rule on the same component (MUDI: check pair and a non-digit).
    pub also: Rule,
}

/// Whether an AI is a primary key of a GS1 Digital Link URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DlRole {
    /// Not a primary key (it may still be a query attribute, see [`AiDef::dl_attribute`],
    /// or a path qualifier of another AI's key).
    None,
    /// A primary key; each inner list is one permitted ordered sequence of qualifiers.
    PrimaryKey(Vec<Vec<String>>),
}

/// A pairing rule: at least one of `any_of` must be present (each alternative may need
/// several AIs at once, `01+21`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    pub any_of: Vec<Vec<String>>,
    /// Checked in the default (warehouse) mode, not only in strict mode.
    pub essential: bool,
}

/// One AI (or family `310n`) as the GS1 General Specifications define it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AiDef {
    /// The first AI of the family (`3100`) or the AI itself.
    pub first: String,
    /// The last AI of the family (`3105`); equal to `first` for a single AI.
    pub last: String,
    /// GS1 data title, e.g. `BEST BEFORE or BEST BY`.
    pub title: String,
    /// Words for a warehouse worker, e.g. `best before date`.
    pub description: String,
    /// Predefined length: no FNC1 separator follows it.
    pub predefined_length: bool,
    pub identification_key: bool,
    /// The AI's last digit gives the implied decimal places of the value.
    pub decimal: bool,
    pub components: Vec<Component>,
    pub requires: Vec<Requirement>,
    pub excludes: Vec<String>,
    pub dl: DlRole,
    /// May be carried as a Digital Link query attribute (`?17=271231`).
    pub dl_attribute: bool,
}

impl AiDef {
    pub fn min_len(&self) -> usize {
        self.components
            .iter()
            .filter(|c| !c.optional)
            .map(|c| usize::from(c.min))
            .sum()
    }

    pub fn max_len(&self) -> usize {
        self.components.iter().map(|c| usize::from(c.max)).sum()
    }

    /// The one fixed length of the data field, if it has one.
    pub fn fixed_len(&self) -> Option<usize> {
        (self.min_len() == self.max_len()).then(|| self.max_len())
    }

    /// Whether the value is a date (first component is a date).
    pub fn is_date(&self) -> bool {
        matches!(
            self.components.first().map(|c| c.rule),
            Some(Rule::DateDay00 | Rule::Date | Rule::DateLong)
        )
    }
}

/// A known AI as found in data: 2 to 4 digits and where its definition is, `Copy`, so
/// reading it or finding its rules costs no allocation and no search.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ai {
    digits: [u8; 4],
    len: u8,
    def: u16,
}

impl Ai {
    /// The AI with these digits, if the GS1 table defines it.
    pub fn from_digits(s: &str) -> Option<Ai> {
        lookup(s).map(|(ai, _)| ai)
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII digits are ever stored, so this never falls back.
        std::str::from_utf8(&self.digits[..usize::from(self.len)]).unwrap_or("")
    }

    /// Whether this is the AI written `ai`, e.g. `"10"`.
    pub fn is(self, ai: &str) -> bool {
        &self.digits[..usize::from(self.len)] == ai.as_bytes()
    }

    /// The AI's definition in the table.
    pub fn def(self) -> Option<&'static AiDef> {
        table().defs.get(usize::from(self.def))
    }

    /// Implied decimal places for 310n-style AIs.
    pub fn decimals(self) -> Option<u8> {
        match self.def() {
            Some(def) if def.decimal => Some(self.digits[usize::from(self.len) - 1] - b'0'),
            _ => None,
        }
    }

    /// Whether this AI matches a table pattern such as `310n`, `31nn` or `37`.
    pub fn matches(self, pattern: &str) -> bool {
        pattern.len() == usize::from(self.len)
            && pattern
                .bytes()
                .zip(self.digits)
                .all(|(p, d)| p == b'n' || p == d)
    }
}

impl std::fmt::Debug for Ai {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Ai({})", self.as_str())
    }
}

impl std::fmt::Display for Ai {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Ai {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Ai {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ai::from_digits(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("{s:?} is not a GS1 AI")))
    }
}

/// The whole table, parsed once.
pub struct AiTable {
    defs: Vec<AiDef>,
    /// Dense index: 2-digit AIs at 0..100, 3-digit at 100..1100, 4-digit at 1100..11100;
    /// each slot holds 1 + the index into `defs`, or 0.
    index: Vec<u16>,
    /// AI length by its first two digits (0 when no AI starts with them).
    length_by_prefix: [u8; 100],
}

impl std::fmt::Debug for AiTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AiTable")
            .field("defs", &self.defs.len())
            .finish()
    }
}

static TABLE: LazyLock<AiTable> = LazyLock::new(|| match AiTable::parse(TABLE_TEXT) {
    Ok(table) => table,
    // The table is a compile-time constant checked by a unit test; an error here is a
    // programming error, never input-dependent.
    Err(e) => panic!("GS1 AI table is malformed: {e}"),
});

/// The GS1 AI table.
pub fn table() -> &'static AiTable {
    &TABLE
}

/// Finds an AI by its digits: the AI and its definition.
pub fn lookup(ai: &str) -> Option<(Ai, &'static AiDef)> {
    let table = table();
    let bytes = ai.as_bytes();
    let slot = index_slot(bytes)?;
    let def = table.index[slot].checked_sub(1)?;
    let mut digits = [0u8; 4];
    digits[..bytes.len()].copy_from_slice(bytes);
    let found = Ai {
        digits,
        len: bytes.len() as u8,
        def,
    };
    Some((found, table.defs.get(usize::from(def))?))
}

/// How many digits an AI starting with these two digits has (GS1 General Specifications
/// figure 3.2-1), if any AI starts with them.
pub fn ai_length_for_prefix(first_two: &[u8]) -> Option<usize> {
    match first_two {
        [a, b] if a.is_ascii_digit() && b.is_ascii_digit() => {
            let p = usize::from((a - b'0') * 10 + (b - b'0'));
            match table().length_by_prefix[p] {
                0 => None,
                n => Some(usize::from(n)),
            }
        }
        _ => None,
    }
}

fn index_slot(ai: &[u8]) -> Option<usize> {
    if !(2..=4).contains(&ai.len()) || !ai.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let value = ai
        .iter()
        .fold(0usize, |acc, d| acc * 10 + usize::from(d - b'0'));
    match ai.len() {
        2 => Some(value),
        3 => Some(100 + value),
        4 => Some(1100 + value),
        _ => None,
    }
}

impl AiTable {
    /// Every definition, in AI order.
    pub fn defs(&self) -> &[AiDef] {
        &self.defs
    }

    /// Every concrete AI (`3100`, `3101`… expanded), in AI order.
    pub fn all_ais(&self) -> Vec<(Ai, &AiDef)> {
        let mut out = Vec::new();
        for (i, def) in self.defs.iter().enumerate() {
            for ai in expand_range(&def.first, &def.last) {
                let mut digits = [0u8; 4];
                digits[..ai.len()].copy_from_slice(ai.as_bytes());
                let def_index = u16::try_from(i).unwrap_or(u16::MAX);
                let len = ai.len() as u8;
                out.push((
                    Ai {
                        digits,
                        len,
                        def: def_index,
                    },
                    def,
                ));
            }
        }
        out
    }

    fn parse(text: &str) -> Result<AiTable, String> {
        let mut defs = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            defs.push(parse_line(line).map_err(|e| format!("line {}: {e}: {line}", n + 1))?);
        }
        let mut index = vec![0u16; 11100];
        let mut length_by_prefix = [0u8; 100];
        for (i, def) in defs.iter().enumerate() {
            for ai in expand_range(&def.first, &def.last) {
                let slot = index_slot(ai.as_bytes()).ok_or(format!("bad AI {ai}"))?;
                if index[slot] != 0 {
                    return Err(format!("AI {ai} defined twice"));
                }
                index[slot] = u16::try_from(i + 1).map_err(|_| "too many AIs".to_owned())?;
                let b = ai.as_bytes();
                let prefix = usize::from((b[0] - b'0') * 10 + (b[1] - b'0'));
                let len = ai.len() as u8;
                match length_by_prefix[prefix] {
                    0 => length_by_prefix[prefix] = len,
                    l if l == len => {}
                    _ => {
                        return Err(format!(
                            "AI {ai} has a length unlike others with its prefix"
                        ));
                    }
                }
            }
        }
        Ok(AiTable {
            defs,
            index,
            length_by_prefix,
        })
    }
}

fn expand_range(first: &str, last: &str) -> Vec<String> {
    let (Ok(a), Ok(b)) = (first.parse::<u32>(), last.parse::<u32>()) else {
        return Vec::new();
    };
    (a..=b)
        .map(|v| format!("{v:0width$}", width = first.len()))
        .collect()
}

fn parse_line(line: &str) -> Result<AiDef, String> {
    let cols: Vec<&str> = line.split('|').map(str::trim).collect();
    let [range, flags, spec, pairing, dl, title, description] = cols[..] else {
        return Err(format!("expected 7 columns, found {}", cols.len()));
    };
    let (first, last) = range.split_once('-').unwrap_or((range, range));
    let is_ai = |s: &str| (2..=4).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
    if first.len() != last.len() || !is_ai(first) || !is_ai(last) {
        return Err("bad AI range".into());
    }
    let components = spec
        .split_whitespace()
        .map(parse_component)
        .collect::<Result<Vec<_>, _>>()?;
    if components.is_empty() {
        return Err("no components".into());
    }
    let mut requires = Vec::new();
    let mut excludes = Vec::new();
    for item in pairing.split_whitespace() {
        let split_list = |list: &str| -> Vec<Vec<String>> {
            list.split(',')
                .map(|alt| alt.split('+').map(str::to_owned).collect())
                .collect()
        };
        if let Some(list) = item.strip_prefix("need=") {
            requires.push(Requirement {
                any_of: split_list(list),
                essential: true,
            });
        } else if let Some(list) = item.strip_prefix("req=") {
            requires.push(Requirement {
                any_of: split_list(list),
                essential: false,
            });
        } else if let Some(list) = item.strip_prefix("ex=") {
            excludes.extend(list.split(',').map(str::to_owned));
        } else {
            return Err(format!("bad pairing {item}"));
        }
    }
    let dl = if dl.is_empty() {
        DlRole::None
    } else if dl == "key" {
        DlRole::PrimaryKey(vec![Vec::new()])
    } else if let Some(seqs) = dl.strip_prefix("key=") {
        DlRole::PrimaryKey(
            seqs.split('/')
                .map(|s| s.split(',').map(str::to_owned).collect())
                .collect(),
        )
    } else {
        return Err(format!("bad Digital Link role {dl}"));
    };
    Ok(AiDef {
        first: first.to_owned(),
        last: last.to_owned(),
        title: title.to_owned(),
        description: description.to_owned(),
        predefined_length: flags.contains('*'),
        identification_key: flags.contains('!'),
        decimal: flags.contains('d'),
        components,
        requires,
        excludes,
        dl,
        dl_attribute: flags.contains('?'),
    })
}

fn parse_component(spec: &str) -> Result<Component, String> {
    let (optional, spec) = match spec.strip_prefix('[') {
        Some(rest) => {
            let (inner, after) = rest.split_once(']').ok_or("unclosed [")?;
            (true, format!("{inner}{after}"))
        }
        None => (false, spec.to_owned()),
    };
    let mut parts = spec.split(':');
    let shape = parts.next().unwrap_or("");
    let rule = parse_rule(parts.next().unwrap_or(""))?;
    let also = parse_rule(parts.next().unwrap_or(""))?;
    if parts.next().is_some() {
        return Err(format!("more than two rules in {spec}"));
    }
    let mut chars = shape.chars();
    let charset = match chars.next() {
        Some('N') => Charset::Numeric,
        Some('X') => Charset::Cset82,
        Some('Y') => Charset::Cset39,
        Some('Z') => Charset::Base64Url,
        _ => return Err(format!("bad charset in {shape}")),
    };
    let len = chars.as_str();
    let (min, max) = match len.strip_prefix("..") {
        Some(max) => (1, max.parse::<u8>().map_err(|e| e.to_string())?),
        None => {
            let n = len.parse::<u8>().map_err(|e| e.to_string())?;
            (n, n)
        }
    };
    Ok(Component {
        charset,
        min,
        max,
        optional,
        rule,
        also,
    })
}

fn parse_rule(name: &str) -> Result<Rule, String> {
    Ok(match name {
        "" => Rule::None,
        "csum" => Rule::CheckDigit,
        "csumalpha" => Rule::CheckPairAlpha,
        "yymmd0" => Rule::DateDay00,
        "yymmdd" => Rule::Date,
        "yyyymmdd" => Rule::DateLong,
        "yymmddhh" => Rule::DateHour,
        "hhmi" => Rule::HourMinute,
        "hh" => Rule::Hour,
        "mi" => Rule::Minute,
        "ss" => Rule::Second,
        "yesno" => Rule::YesNo,
        "zero" => Rule::Zero,
        "nonzero" => Rule::NonZero,
        "winding" => Rule::Winding,
        "hyphen" => Rule::Hyphen,
        "pieceoftotal" => Rule::PieceOfTotal,
        "iso5218" => Rule::Iso5218,
        "nozeroprefix" => Rule::NoZeroPrefix,
        "hasnondigit" => Rule::HasNonDigit,
        "latitude" => Rule::Latitude,
        "longitude" => Rule::Longitude,
        "mediatype" => Rule::MediaType,
        "posinseqslash" => Rule::PositionInSequence,
        "pcenc" => Rule::PercentEncoded,
        "iso3166alpha2" => Rule::CountryAlpha2,
        "iso3166" | "iso3166999" | "iso3166list" => Rule::CountryNumeric,
        "iso4217" => Rule::Currency,
        "importeridx" => Rule::ImporterIndex,
        "iban" => Rule::Iban,
        "couponcode" | "couponposoffer" | "packagetype" => Rule::Unchecked,
        other => return Err(format!("unknown rule {other}")),
    })
}

/// The table. Sources: GS1 General Specifications section 3.2 and figure 3.2-1 (AI
/// formats), section 4.13/4.14 (invalid and mandatory pairings), GS1 Digital Link standard
/// (URI syntax, primary keys and qualifiers).
const TABLE_TEXT: &str = "
00        | *!? | N18:csum                |                                | key            | SSCC | serial shipping container code
01        | *!? | N14:csum                | ex=255,37                      | key=22,10,21/235 | GTIN | global trade item number
02        | * ? | N14:csum                | need=37 ex=01,03               |                | CONTENT | GTIN of contained trade items
03        | *   | N14:csum                | ex=01,02,37                    |                | MTO GTIN | GTIN of a made-to-order trade item
10        |   ? | X..20                   | req=01,02,03,8006,8026         |                | BATCH/LOT | batch or lot number
11        | * ? | N6:yymmd0               | req=01,02,03,8006,8026         |                | PROD DATE | production date
12        | * ? | N6:yymmd0               | req=8020                       |                | DUE DATE | due date
13        | * ? | N6:yymmd0               | req=01,02,03,8006,8026         |                | PACK DATE | packaging date
15        | * ? | N6:yymmd0               | req=01,02,03,8006,8026         |                | BEST BEFORE or BEST BY | best before date
16        | * ? | N6:yymmd0               | req=01,02,03,8006,8026         |                | SELL BY | sell by date
17        | * ? | N6:yymmd0               | req=01,02,03,255,8006,8026     |                | USE BY OR EXPIRY | expiration date
20        | * ? | N2                      | req=01,02,8006,8026            |                | VARIANT | internal product variant
21        |     | X..20                   | need=01,03,8006 ex=235         |                | SERIAL | serial number
22        |     | X..20                   | need=01                        |                | CPV | consumer product variant
235       |     | X..28                   | need=01                        |                | TPX | third party controlled serialised extension of GTIN
240       |   ? | X..30                   | req=01,02,8006,8026            |                | ADDITIONAL ID | additional product identification
241       |   ? | X..30                   | req=01,02,8006,8026            |                | CUST. PART No. | customer part number
242       |   ? | N..6                    | req=01,02,8006,8026            |                | MTO VARIANT | made-to-order variation number
243       |   ? | X..20                   | req=01                         |                | PCN | packaging component number
250       |   ? | X..30                   | req=01,8006 need=21            |                | SECONDARY SERIAL | secondary serial number
251       |   ? | X..30                   | req=01,8006                    |                | REF. TO SOURCE | reference to source entity
253       |  !? | N13:csum [X..17]        |                                | key            | GDTI | global document type identifier
254       |     | X..20                   | need=414                       |                | GLN EXTENSION COMPONENT | GLN extension component
255       |  !? | N13:csum [N..12]        | ex=01,02,415,8006,8020,8026    | key            | GCN | global coupon number
30        |   ? | N..8                    | req=01,02                      |                | VAR. COUNT | variable count of items
3100-3105 | *?d | N6                      | req=01,02 ex=310n              |                | NET WEIGHT (kg) | net weight in kilograms
3110-3115 | *?d | N6                      | req=01,02 ex=311n              |                | LENGTH (m) | length in metres
3120-3125 | *?d | N6                      | req=01,02 ex=312n              |                | WIDTH (m) | width in metres
3130-3135 | *?d | N6                      | req=01,02 ex=313n              |                | HEIGHT (m) | height in metres
3140-3145 | *?d | N6                      | req=01,02 ex=314n              |                | AREA (m²) | area in square metres
3150-3155 | *?d | N6                      | req=01,02 ex=315n              |                | NET VOLUME (l) | net volume in litres
3160-3165 | *?d | N6                      | req=01,02 ex=316n              |                | NET VOLUME (m³) | net volume in cubic metres
3200-3205 | *?d | N6                      | req=01,02 ex=320n              |                | NET WEIGHT (lb) | net weight in pounds
3210-3215 | *?d | N6                      | req=01,02 ex=321n              |                | LENGTH (in) | length in inches
3220-3225 | *?d | N6                      | req=01,02 ex=322n              |                | LENGTH (ft) | length in feet
3230-3235 | *?d | N6                      | req=01,02 ex=323n              |                | LENGTH (yd) | length in yards
3240-3245 | *?d | N6                      | req=01,02 ex=324n              |                | WIDTH (in) | width in inches
3250-3255 | *?d | N6                      | req=01,02 ex=325n              |                | WIDTH (ft) | width in feet
3260-3265 | *?d | N6                      | req=01,02 ex=326n              |                | WIDTH (yd) | width in yards
3270-3275 | *?d | N6                      | req=01,02 ex=327n              |                | HEIGHT (in) | height in inches
3280-3285 | *?d | N6                      | req=01,02 ex=328n              |                | HEIGHT (ft) | height in feet
3290-3295 | *?d | N6                      | req=01,02 ex=329n              |                | HEIGHT (yd) | height in yards
3300-3305 | *?d | N6                      | req=00,01 ex=330n              |                | GROSS WEIGHT (kg) | logistic gross weight in kilograms
3310-3315 | *?d | N6                      | req=00,01 ex=331n              |                | LENGTH (m), log | logistic length in metres
3320-3325 | *?d | N6                      | req=00,01 ex=332n              |                | WIDTH (m), log | logistic width in metres
3330-3335 | *?d | N6                      | req=00,01 ex=333n              |                | HEIGHT (m), log | logistic height in metres
3340-3345 | *?d | N6                      | req=00,01 ex=334n              |                | AREA (m²), log | logistic area in square metres
3350-3355 | *?d | N6                      | req=00,01 ex=335n              |                | VOLUME (l), log | logistic volume in litres
3360-3365 | *?d | N6                      | req=00,01 ex=336n              |                | VOLUME (m³), log | logistic volume in cubic metres
3370-3375 | *?d | N6                      | req=01 ex=337n                 |                | KG PER m² | kilograms per square metre
3400-3405 | *?d | N6                      | req=00,01 ex=340n              |                | GROSS WEIGHT (lb) | logistic gross weight in pounds
3410-3415 | *?d | N6                      | req=00,01 ex=341n              |                | LENGTH (in), log | logistic length in inches
3420-3425 | *?d | N6                      | req=00,01 ex=342n              |                | LENGTH (ft), log | logistic length in feet
3430-3435 | *?d | N6                      | req=00,01 ex=343n              |                | LENGTH (yd), log | logistic length in yards
3440-3445 | *?d | N6                      | req=00,01 ex=344n              |                | WIDTH (in), log | logistic width in inches
3450-3455 | *?d | N6                      | req=00,01 ex=345n              |                | WIDTH (ft), log | logistic width in feet
3460-3465 | *?d | N6                      | req=00,01 ex=346n              |                | WIDTH (yd), log | logistic width in yards
3470-3475 | *?d | N6                      | req=00,01 ex=347n              |                | HEIGHT (in), log | logistic height in inches
3480-3485 | *?d | N6                      | req=00,01 ex=348n              |                | HEIGHT (ft), log | logistic height in feet
3490-3495 | *?d | N6                      | req=00,01 ex=349n              |                | HEIGHT (yd), log | logistic height in yards
3500-3505 | *?d | N6                      | req=01,02 ex=350n              |                | AREA (in²) | area in square inches
3510-3515 | *?d | N6                      | req=01,02 ex=351n              |                | AREA (ft²) | area in square feet
3520-3525 | *?d | N6                      | req=01,02 ex=352n              |                | AREA (yd²) | area in square yards
3530-3535 | *?d | N6                      | req=00,01 ex=353n              |                | AREA (in²), log | logistic area in square inches
3540-3545 | *?d | N6                      | req=00,01 ex=354n              |                | AREA (ft²), log | logistic area in square feet
3550-3555 | *?d | N6                      | req=00,01 ex=355n              |                | AREA (yd²), log | logistic area in square yards
3560-3565 | *?d | N6                      | req=01,02 ex=356n              |                | NET WEIGHT (t oz) | net weight in troy ounces
3570-3575 | *?d | N6                      | req=01,02 ex=357n              |                | NET VOLUME (oz) | net volume in US fluid ounces
3600-3605 | *?d | N6                      | req=01,02 ex=360n              |                | NET VOLUME (qt) | net volume in quarts
3610-3615 | *?d | N6                      | req=01,02 ex=361n              |                | NET VOLUME (gal.) | net volume in US gallons
3620-3625 | *?d | N6                      | req=00,01 ex=362n              |                | VOLUME (qt), log | logistic volume in quarts
3630-3635 | *?d | N6                      | req=00,01 ex=363n              |                | VOLUME (gal.), log | logistic volume in US gallons
3640-3645 | *?d | N6                      | req=01,02 ex=364n              |                | VOLUME (in³) | net volume in cubic inches
3650-3655 | *?d | N6                      | req=01,02 ex=365n              |                | VOLUME (ft³) | net volume in cubic feet
3660-3665 | *?d | N6                      | req=01,02 ex=366n              |                | VOLUME (yd³) | net volume in cubic yards
3670-3675 | *?d | N6                      | req=00,01 ex=367n              |                | VOLUME (in³), log | logistic volume in cubic inches
3680-3685 | *?d | N6                      | req=00,01 ex=368n              |                | VOLUME (ft³), log | logistic volume in cubic feet
3690-3695 | *?d | N6                      | req=00,01 ex=369n              |                | VOLUME (yd³), log | logistic volume in cubic yards
37        |   ? | N..8                    | req=00 need=02,8026            |                | COUNT | count of trade items
3900-3909 |  ?d | N..15                   | req=255,8020 ex=390n,391n,394n,8111 |           | AMOUNT | amount payable in local currency
3910-3919 |  ?d | N3:iso4217 N..15        | req=8020 ex=391n               |                | AMOUNT | amount payable with ISO currency code
3920-3929 |  ?d | N..15                   | req=01 req=30,31nn,32nn,35nn,36nn ex=392n,393n |  | PRICE | amount payable for a variable measure item
3930-3939 |  ?d | N3:iso4217 N..15        | req=30,31nn,32nn,35nn,36nn ex=393n |            | PRICE | amount payable for a variable measure item with ISO currency code
3940-3943 |  ?d | N4                      | req=255 ex=394n,8111           |                | PRCNT OFF | percentage discount of a coupon
3950-3955 |  ?d | N6                      | req=30,31nn,32nn,35nn,36nn ex=392n,393n,395n,8005 | | PRICE/UoM | amount payable per unit of measure
400       |   ? | X..30                   |                                |                | ORDER NUMBER | customer's purchase order number
401       |  !? | X..30                   |                                | key            | GINC | global identification number for consignment
402       |  !? | N17:csum                |                                | key            | GSIN | global shipment identification number
403       |   ? | X..30                   | req=00                         |                | ROUTE | routing code
410       | * ? | N13:csum                |                                |                | SHIP TO LOC | ship to / deliver to GLN
411       | * ? | N13:csum                |                                |                | BILL TO | bill to / invoice to GLN
412       | * ? | N13:csum                |                                |                | PURCHASE FROM | purchased from GLN
413       | * ? | N13:csum                |                                |                | SHIP FOR LOC | ship for / deliver for / forward to GLN
414       | *!? | N13:csum                |                                | key=254/7040   | LOC No. | GLN of a physical location
415       | * ? | N13:csum                | req=8020                       | key=8020       | PAY TO | GLN of the invoicing party
416       | * ? | N13:csum                |                                |                | PROD/SERV LOC | GLN of the production or service location
417       | *!? | N13:csum                |                                | key=7040       | PARTY | party GLN
420       |   ? | X..20                   | ex=421                         |                | SHIP TO POST | ship to postal code within one postal authority
421       |   ? | N3:iso3166 X..9         | ex=4307                        |                | SHIP TO POST | ship to postal code with ISO country code
422       |   ? | N3:iso3166              | req=01,02,8006,8026 ex=426     |                | ORIGIN | country of origin
423       |   ? | N3:iso3166 [N3:iso3166] [N3:iso3166] [N3:iso3166] [N3:iso3166] | req=01,02 ex=426 | | COUNTRY - INITIAL PROCESS | country of initial processing
424       |   ? | N3:iso3166              | req=01,02 ex=426               |                | COUNTRY - PROCESS | country of processing
425       |   ? | N3:iso3166 [N3:iso3166] [N3:iso3166] [N3:iso3166] [N3:iso3166] | req=01,02 ex=426 | | COUNTRY - DISASSEMBLY | country of disassembly
426       |   ? | N3:iso3166              | req=01,02                      |                | COUNTRY - FULL PROCESS | country covering the full process chain
427       |   ? | X..3                    | req=01,02 req=422              |                | ORIGIN SUBDIVISION | country subdivision of origin
4300      |   ? | X..35:pcenc             | req=00                         |                | SHIP TO COMP | ship-to company name
4301      |   ? | X..35:pcenc             | req=00                         |                | SHIP TO NAME | ship-to contact
4302      |   ? | X..70:pcenc             | req=00                         |                | SHIP TO ADD1 | ship-to address line 1
4303      |   ? | X..70:pcenc             | req=4302                       |                | SHIP TO ADD2 | ship-to address line 2
4304      |   ? | X..70:pcenc             | req=00                         |                | SHIP TO SUB | ship-to suburb
4305      |   ? | X..70:pcenc             | req=00                         |                | SHIP TO LOC | ship-to locality
4306      |   ? | X..70:pcenc             | req=00                         |                | SHIP TO REG | ship-to region
4307      |   ? | X2:iso3166alpha2        | req=00                         |                | SHIP TO COUNTRY | ship-to country code
4308      |   ? | X..30                   | req=00                         |                | SHIP TO PHONE | ship-to telephone number
4309      |   ? | N10:latitude N10:longitude | req=00                      |                | SHIP TO GEO | ship-to geolocation
4310      |   ? | X..35:pcenc             | req=00                         |                | RTN TO COMP | return-to company name
4311      |   ? | X..35:pcenc             | req=00                         |                | RTN TO NAME | return-to contact
4312      |   ? | X..70:pcenc             | req=00                         |                | RTN TO ADD1 | return-to address line 1
4313      |   ? | X..70:pcenc             | req=4312                       |                | RTN TO ADD2 | return-to address line 2
4314      |   ? | X..70:pcenc             | req=00                         |                | RTN TO SUB | return-to suburb
4315      |   ? | X..70:pcenc             | req=00                         |                | RTN TO LOC | return-to locality
4316      |   ? | X..70:pcenc             | req=00                         |                | RTN TO REG | return-to region
4317      |   ? | X2:iso3166alpha2        | req=00                         |                | RTN TO COUNTRY | return-to country code
4318      |   ? | X..20                   | req=00                         |                | RTN TO POST | return-to postal code
4319      |   ? | X..30                   | req=00                         |                | RTN TO PHONE | return-to telephone number
4320      |   ? | X..35:pcenc             | req=00                         |                | SRV DESCRIPTION | service code description
4321      |   ? | N1:yesno                | req=00                         |                | DANGEROUS GOODS | dangerous goods flag
4322      |   ? | N1:yesno                | req=00                         |                | AUTH TO LEAVE | authority to leave flag
4323      |   ? | N1:yesno                | req=00                         |                | SIG REQUIRED | signature required flag
4324      |   ? | N6:yymmd0 N4:hhmi       | req=00                         |                | NOT BEF DEL DT | not before delivery date and time
4325      |   ? | N6:yymmd0 N4:hhmi       | req=00                         |                | NOT AFT DEL DT | not after delivery date and time
4326      |   ? | N6:yymmdd               | req=00                         |                | REL DATE | release date
4330      |   ? | N6 [X1:hyphen]          | req=00 ex=4331                 |                | MAX TEMP F. | maximum temperature in Fahrenheit
4331      |   ? | N6 [X1:hyphen]          | req=00 ex=4330                 |                | MAX TEMP C. | maximum temperature in Celsius
4332      |   ? | N6 [X1:hyphen]          | req=00 ex=4333                 |                | MIN TEMP F. | minimum temperature in Fahrenheit
4333      |   ? | N6 [X1:hyphen]          | req=00 ex=4332                 |                | MIN TEMP C. | minimum temperature in Celsius
7001      |   ? | N13                     | req=01,02,8006,8026            |                | NSN | NATO stock number
7002      |   ? | X..30                   | req=01,02                      |                | MEAT CUT | UN/ECE meat carcasses and cuts classification
7003      |   ? | N6:yymmdd N4:hhmi       | req=01,02                      |                | EXPIRY TIME | expiration date and time
7004      |   ? | N..4                    | req=01 req=10                  |                | ACTIVE POTENCY | active potency
7005      |   ? | X..12                   | req=01,02                      |                | CATCH AREA | catch area
7006      |   ? | N6:yymmdd               | req=01,02                      |                | FIRST FREEZE DATE | first freeze date
7007      |   ? | N6:yymmdd [N6:yymmdd]   | req=01,02                      |                | HARVEST DATE | harvest date
7008      |   ? | X..3                    | req=01,02                      |                | AQUATIC SPECIES | species for fishery purposes
7009      |   ? | X..10                   | req=01,02                      |                | FISHING GEAR TYPE | fishing gear type
7010      |   ? | X..2                    | req=01,02                      |                | PROD METHOD | production method
7011      |   ? | N6:yymmdd [N4:hhmi]     | req=01,02                      |                | TEST BY DATE | test by date
7020      |   ? | X..20                   | req=01,8006 req=416            |                | REFURB LOT | refurbishment lot id
7021      |   ? | X..20                   | req=01,8006                    |                | FUNC STAT | functional status
7022      |   ? | X..20                   | need=7021                      |                | REV STAT | revision status
7023      |   ? | X..30                   |                                |                | GIAI - ASSEMBLY | GIAI of an assembly
7030-7039 |   ? | N3:iso3166 X..27        | req=01,02                      |                | PROCESSOR # s | approval number of processor with country code
7040      |     | N1 X1 X1 X1:importeridx |                                |                | UIC+EXT | GS1 UIC with extension 1 and importer index
7041      |     | X..4:packagetype        | req=00                         |                | UFRGT UNIT TYPE | UN/CEFACT freight unit type
710       |   ? | X..20                   | req=01                         |                | NHRN PZN | national healthcare reimbursement number (Germany PZN)
711       |   ? | X..20                   | req=01                         |                | NHRN CIP | national healthcare reimbursement number (France CIP)
712       |   ? | X..20                   | req=01                         |                | NHRN CN | national healthcare reimbursement number (Spain CN)
713       |   ? | X..20                   | req=01                         |                | NHRN DRN | national healthcare reimbursement number (Brazil DRN)
714       |   ? | X..20                   | req=01                         |                | NHRN AIM | national healthcare reimbursement number (Portugal AIM)
715       |   ? | X..20                   | req=01                         |                | NHRN NDC | national healthcare reimbursement number (United States NDC)
716       |   ? | X..20                   | req=01                         |                | NHRN AIC | national healthcare reimbursement number (Italy AIC)
7230-7239 |   ? | X2 X..28                | req=01,8004                    |                | CERT # s | certification reference
7240      |   ? | X..20                   | req=01,8006                    |                | PROTOCOL | protocol id
7241      |   ? | N2:mediatype            | req=8017,8018                  |                | AIDC MEDIA TYPE | AIDC media type
7242      |   ? | X..25                   | req=8017,8018                  |                | VCN | version control number
7250      |   ? | N8:yyyymmdd             | req=8018 ex=7251               |                | DOB | date of birth
7251      |   ? | N8:yyyymmdd N4:hhmi     | req=8018 ex=7250               |                | DOB TIME | date and time of birth
7252      |   ? | N1:iso5218              | req=8018                       |                | BIO SEX | biological sex
7253      |   ? | X..40:pcenc             | req=8017,8018 ex=7256,7259     |                | FAMILY NAME | family name of person
7254      |   ? | X..40:pcenc             | req=8017,8018 ex=7256,7259     |                | GIVEN NAME | given name of person
7255      |   ? | X..10                   | req=8017,8018 ex=7256,7259     |                | SUFFIX | name suffix of person
7256      |   ? | X..90:pcenc             | req=8017,8018                  |                | FULL NAME | full name of person
7257      |   ? | X..70:pcenc             | req=8018                       |                | PERSON ADDR | address of person
7258      |   ? | X3:posinseqslash        | req=8018+7259                  |                | BIRTH SEQUENCE | baby birth sequence indicator
7259      |   ? | X..40:pcenc             | req=8018 ex=7256               |                | BABY | baby of family name
8001      |   ? | N4:nonzero N5:nonzero N3:nonzero N1:winding N1 | req=01  |                | DIMENSIONS | roll products: width, length, core diameter, direction, splices
8002      |   ? | X..20                   |                                |                | CMT No. | mobile phone identifier
8003      |  !? | N1:zero N13:csum [X..16] |                               | key            | GRAI | global returnable asset identifier
8004      |  !? | X..30                   |                                | key=7040       | GIAI | global individual asset identifier
8005      |   ? | N6                      | req=01,02                      |                | PRICE PER UNIT | price per unit of measure
8006      |   ? | N14:csum N4:pieceoftotal | ex=01,37                      | key=22,10,21   | ITIP | identification of an individual trade item piece
8007      |   ? | X..34:iban              | req=415                        |                | IBAN | international bank account number
8008      |   ? | N6:yymmdd N2:hh [N2:mi] [N2:ss] | req=01,02              |                | PROD TIME | date and time of production
8009      |   ? | X..50                   | req=00,01                      |                | OPTSEN | optically readable sensor indicator
8010      |  !? | Y..30                   |                                | key=8011       | CPID | component/part identifier
8011      |     | N..12:nozeroprefix      | need=8010                      |                | CPID SERIAL | component/part identifier serial number
8012      |   ? | X..20                   | req=01,8006                    |                | VERSION | software version
8013      |  !? | X..25:csumalpha         |                                | key            | GMN | global model number
8014      |     | X..25:csumalpha:hasnondigit | req=01                         |                | MUDI | highly individualised device registration identifier
8017      |  !? | N18:csum                | ex=8018                        | key=8019       | GSRN - PROVIDER | global service relation number of a provider
8018      |  !? | N18:csum                | ex=8017                        | key=8019       | GSRN - RECIPIENT | global service relation number of a recipient
8019      |     | N..10                   | need=8017,8018                 |                | SRIN | service relation instance number
8020      |     | X..25                   | req=415                        |                | REF No. | payment slip reference number
8026      |   ? | N14:csum N4:pieceoftotal | need=37 ex=02,8006            |                | ITIP CONTENT | ITIP of contained trade item pieces
8030      |   ? | Z..90                   | req=00,01+21,253,255,8003,8004,8006+21,8010+8011,8017,8018 | | DIGSIG | digital signature
8110      |   ? | X..70:couponcode        |                                |                | - | coupon code identification for use in North America
8111      |   ? | N4                      | req=255                        |                | POINTS | loyalty points of a coupon
8112      |   ? | X..70:couponposoffer    |                                |                | - | positive offer file coupon code identification
8200      |     | X..70                   | req=01                         |                | PRODUCT URL | extended packaging URL
90        |   ? | X..30                   |                                |                | INTERNAL | information mutually agreed between trading partners
91-99     |   ? | X..90                   |                                |                | INTERNAL | company internal information
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_parses_and_indexes_every_ai() {
        let table = AiTable::parse(TABLE_TEXT).unwrap();
        assert!(table.defs.len() > 150, "{}", table.defs.len());
        let all = table.all_ais();
        assert!(all.len() > 500, "{}", all.len());
        let (ai, def) = lookup("3103").unwrap();
        assert_eq!(ai.as_str(), "3103");
        assert_eq!(ai.decimals(), Some(3));
        assert_eq!(def.title, "NET WEIGHT (kg)");
        assert!(def.predefined_length);
        assert!(lookup("3106").is_none());
        assert!(lookup("99").is_some());
        assert!(lookup("7035").is_some());
        assert!(lookup("04").is_none());
    }

    #[test]
    fn ai_lengths_follow_their_first_two_digits() {
        assert_eq!(ai_length_for_prefix(b"01"), Some(2));
        assert_eq!(ai_length_for_prefix(b"23"), Some(3));
        assert_eq!(ai_length_for_prefix(b"31"), Some(4));
        assert_eq!(ai_length_for_prefix(b"71"), Some(3));
        assert_eq!(ai_length_for_prefix(b"72"), Some(4));
        assert_eq!(ai_length_for_prefix(b"04"), None);
    }

    #[test]
    fn formats_match_the_general_specifications() {
        let sscc = lookup("00").unwrap().1;
        assert_eq!(sscc.fixed_len(), Some(18));
        assert!(sscc.identification_key);
        let lot = lookup("10").unwrap().1;
        assert_eq!((lot.min_len(), lot.max_len()), (1, 20));
        assert!(!lot.predefined_length);
        let gdti = lookup("253").unwrap().1;
        assert_eq!((gdti.min_len(), gdti.max_len()), (13, 30));
        assert!(lookup("17").unwrap().1.is_date());
        assert!(Ai::from_digits("3102").unwrap().matches("31nn"));
        assert!(!Ai::from_digits("3202").unwrap().matches("31nn"));
        assert!(Ai::from_digits("3102").unwrap().is("3102"));
        assert_eq!(Ai::from_digits("3106"), None);
    }
}
