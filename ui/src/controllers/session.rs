//! Who is signed in on this device. Kept in memory: a restart asks for the badge again,
//! which is what a shared handheld wants.

use std::cell::RefCell;

use dockhand_app::domain::{IdError, OperatorId};

/// The signed-in operator, if any.
#[derive(Debug, Default)]
pub struct Session {
    operator: RefCell<Option<OperatorId>>,
}

impl Session {
    pub fn operator(&self) -> Option<OperatorId> {
        self.operator.borrow().clone()
    }

    /// Signs in with a typed or scanned operator id (surrounding spaces ignored).
    pub fn sign_in(&self, typed_or_scanned: &str) -> Result<OperatorId, IdError> {
        let operator = OperatorId::new(typed_or_scanned.trim())?;
        *self.operator.borrow_mut() = Some(operator.clone());
        Ok(operator)
    }

    pub fn sign_out(&self) {
        *self.operator.borrow_mut() = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_badge_scan_signs_in_and_sign_out_forgets_it() {
        let session = Session::default();
        assert_eq!(session.sign_in(" ana ").unwrap().as_str(), "ana");
        assert_eq!(session.operator().unwrap().as_str(), "ana");
        session.sign_out();
        assert!(session.operator().is_none());
        assert!(session.sign_in("   ").is_err());
    }
}
