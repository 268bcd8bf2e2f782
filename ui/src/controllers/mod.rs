//! Screen controllers: what each screen shows and what its actions do, over the journal and
//! the sync handle. Plain Rust, no Slint: the adapters turn their answers into view data,
//! so the logic is tested without a window.

pub mod conflicts;
pub mod home;
pub mod labels;
pub mod lookup;
pub mod pick;
pub mod scan_input;
pub mod session;
pub mod setup;
pub mod sync_status;

// The job screens other than pick.
pub mod count;
pub mod job_session;
pub mod move_adjust;
pub mod pack;
pub mod putaway;
pub mod receive;

use std::cell::RefCell;
use std::rc::Rc;

use dockhand_app::journal::Journal;

/// The device journal as the UI thread shares it between controllers. The journal is not
/// `Sync`; all UI work happens on the event loop's thread.
pub type SharedJournal = Rc<RefCell<Journal>>;
