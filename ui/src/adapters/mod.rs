//! Adapters: one per view, each moving data between a controller and the view's
//! `global XxxAdapter` and registering the view's callbacks. They decide nothing; words
//! come from the `Strings` catalogue.

pub mod conflicts;
pub mod home;
pub mod labels;
pub mod lookup;
pub mod pick;
pub mod setup;
pub mod shell;
pub mod sign_in;
pub mod sync_status;

// The job screens other than pick.
pub mod count;
pub mod job_step;
pub mod move_adjust;
pub mod pack;
pub mod putaway;
pub mod receive;
pub mod wiring;

/// Runs `action` with the window if it still exists (callbacks hold a weak reference so
/// the window can be dropped).
fn with_window<T: slint::ComponentHandle>(weak: &slint::Weak<T>, action: impl FnOnce(&T)) {
    if let Some(window) = weak.upgrade() {
        action(&window);
    }
}

/// Counts from the journal as a Slint `int`, saturating.
fn count(n: impl TryInto<i32>) -> i32 {
    n.try_into().unwrap_or(i32::MAX)
}
