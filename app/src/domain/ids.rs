//! Identifier newtypes. Business keys (SKU, location code, warehouse code) are what the
//! device and the server agree on, so an offline device never needs a server-side surrogate
//! id to record a fact.

use std::fmt;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Why a text identifier was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("{what} is empty")]
    Empty { what: &'static str },
    #[error("{what} is {len} characters long; at most {max} are allowed")]
    TooLong {
        what: &'static str,
        len: usize,
        max: usize,
    },
    #[error("{what} {value:?} contains a control character or surrounding spaces")]
    BadCharacter { what: &'static str, value: String },
}

fn check_text(what: &'static str, value: &str, max: usize) -> Result<(), IdError> {
    if value.is_empty() {
        return Err(IdError::Empty { what });
    }
    let len = value.chars().count();
    if len > max {
        return Err(IdError::TooLong { what, len, max });
    }
    if value.chars().any(char::is_control) || value.trim() != value {
        return Err(IdError::BadCharacter {
            what,
            value: value.to_owned(),
        });
    }
    Ok(())
}

macro_rules! text_id {
    ($(#[$meta:meta])* $name:ident, $what:literal, $max:expr) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// The longest value accepted.
            pub const MAX_LEN: usize = $max;

            /// Validates and wraps a value.
            pub fn new(value: impl Into<String>) -> Result<Self, IdError> {
                let value = value.into();
                check_text($what, &value, $max)?;
                Ok(Self(value))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(value: String) -> Result<Self, IdError> {
                Self::new(value)
            }
        }

        impl std::str::FromStr for $name {
            type Err = IdError;
            fn from_str(value: &str) -> Result<Self, IdError> {
                Self::new(value)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

text_id!(
    /// Stock keeping unit: the item's business key, unique per warehouse network.
    Sku, "SKU", 64
);
text_id!(
    /// A location's code as printed on its label, e.g. `A-03-2-B`.
    LocationCode, "location code", 64
);
text_id!(
    /// A warehouse's short code, e.g. `WH1`.
    WarehouseCode, "warehouse code", 32
);
text_id!(
    /// Lot or batch number as printed (GS1 AI 10 allows 20 characters; internal lots may be longer).
    LotCode, "lot", 40
);
text_id!(
    /// A serial number (GS1 AI 21 allows 20 characters).
    SerialNumber, "serial number", 40
);
text_id!(
    /// The operator signed in on the device.
    OperatorId, "operator", 64
);
text_id!(
    /// A customer order's number.
    OrderNumber, "order number", 64
);
text_id!(
    /// A pick task's id as the server assigned it.
    TaskId, "task id", 64
);

macro_rules! uuid_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;
            fn from_str(value: &str) -> Result<Self, uuid::Error> {
                Uuid::parse_str(value).map(Self)
            }
        }
    };
}

uuid_id!(
    /// An event's globally unique id. UUIDv7, so ids sort by creation time.
    EventId
);
uuid_id!(
    /// A device's id, fixed when its journal is created.
    DeviceId
);

impl EventId {
    /// A new time-ordered id.
    pub fn new_v7() -> Self {
        Self(Uuid::now_v7())
    }
}

impl DeviceId {
    pub fn new_random() -> Self {
        Self(Uuid::new_v4())
    }
}

/// Position of an event in its device's journal: 1, 2, 3… with no gaps.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(transparent)]
pub struct DeviceSeq(pub u64);

impl DeviceSeq {
    pub const FIRST: DeviceSeq = DeviceSeq(1);

    pub fn next(self) -> DeviceSeq {
        DeviceSeq(self.0 + 1)
    }

    pub fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Display for DeviceSeq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_ids_refuse_empty_long_and_control_characters() {
        assert_eq!(Sku::new(""), Err(IdError::Empty { what: "SKU" }));
        assert!(matches!(
            Sku::new("x".repeat(65)),
            Err(IdError::TooLong { len: 65, .. })
        ));
        assert!(matches!(
            LocationCode::new("A-01\u{1d}"),
            Err(IdError::BadCharacter { .. })
        ));
        assert!(matches!(
            LocationCode::new(" A-01"),
            Err(IdError::BadCharacter { .. })
        ));
        assert_eq!(
            Sku::new("1002").map(|s| s.to_string()),
            Ok("1002".to_owned())
        );
    }

    #[test]
    fn text_ids_validate_when_deserialised() {
        let err = serde_json::from_str::<Sku>("\"\"").unwrap_err();
        assert!(err.to_string().contains("SKU is empty"), "{err}");
        let sku: Sku = serde_json::from_str("\"1002\"").unwrap();
        assert_eq!(serde_json::to_string(&sku).unwrap(), "\"1002\"");
    }

    #[test]
    fn event_ids_are_time_ordered() {
        let a = EventId::new_v7();
        let b = EventId::new_v7();
        assert!(a < b);
        assert_eq!(a.0.get_version_num(), 7);
    }
}
