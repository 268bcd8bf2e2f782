//! Wires a [`MainWindow`] to the controllers: builds them over one journal, connects every
//! adapter, and picks the first screen (setup on a new device, then sign-in, then Home).

use std::cell::RefCell;
use std::rc::Rc;

use crate::adapters;
use crate::controllers::SharedJournal;
use crate::controllers::conflicts::ConflictsController;
use crate::controllers::home::HomeController;
use crate::controllers::labels::LabelsController;
use crate::controllers::lookup::LookupController;
use crate::controllers::pick::PickController;
use crate::controllers::scan_input::ScanInput;
use crate::controllers::session::Session;
use crate::controllers::setup::SetupController;
use crate::controllers::sync_status::{SyncControl, SyncController};
use crate::controllers::{
    count::CountController, move_adjust::MoveController, pack::PackController,
    putaway::PutawayController, receive::ReceiveController,
};
use crate::feedback::Feedback;
use crate::{MainWindow, Screen};

/// Everything the screens decide with, shared by the adapters on the UI thread.
pub struct Controllers {
    pub session: Session,
    pub home: HomeController,
    pub setup: SetupController,
    pub sync: SyncController,
    pub lookup: LookupController,
    pub pick: PickController,
    pub receive: ReceiveController,
    pub putaway: PutawayController,
    pub pack: PackController,
    pub count: CountController,
    pub moves: MoveController,
    pub scan_input: RefCell<ScanInput>,
    pub feedback: Box<dyn Feedback>,
    pub conflicts: ConflictsController,
    pub labels: LabelsController,
}

impl std::fmt::Debug for Controllers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Controllers")
            .field("session", &self.session)
            .field("sync", &self.sync)
            .finish_non_exhaustive()
    }
}

impl Controllers {
    pub fn new(
        journal: SharedJournal,
        sync: Box<dyn SyncControl>,
        feedback: Box<dyn Feedback>,
    ) -> Rc<Self> {
        let setup = SetupController::new(journal.clone());
        let scan_input = RefCell::new(ScanInput::new(setup.wedge_config()));
        Rc::new(Self {
            session: Session::default(),
            home: HomeController::new(journal.clone()),
            setup,
            sync: SyncController::new(journal.clone(), sync),
            lookup: LookupController::new(journal.clone()),
            conflicts: ConflictsController::new(journal.clone()),
            labels: LabelsController::new(journal.clone()),
            pick: PickController::new(journal.clone()),
            receive: ReceiveController::new(journal.clone()),
            putaway: PutawayController::new(journal.clone()),
            pack: PackController::new(journal.clone()),
            count: CountController::new(journal.clone()),
            moves: MoveController::new(journal),
            scan_input,
            feedback,
        })
    }

    /// Where the app starts: setup until the device knows its server, then sign-in.
    pub fn start_screen(&self) -> Screen {
        match self.setup.is_set_up() {
            Ok(true) if self.session.operator().is_some() => Screen::Home,
            Ok(true) => Screen::SignIn,
            Ok(false) => Screen::Setup,
            Err(error) => {
                tracing::error!(%error, "cannot read the device setup");
                Screen::Setup
            }
        }
    }
}

/// Connects every adapter and shows the first screen.
pub fn connect(window: &MainWindow, controllers: &Rc<Controllers>) {
    adapters::shell::connect(window, controllers);
    adapters::home::connect(window, controllers);
    adapters::sync_status::connect(window, controllers);
    adapters::setup::connect(window, controllers);
    adapters::sign_in::connect(window, controllers);
    adapters::pick::connect(window, controllers);
    adapters::receive::connect(window, controllers);
    adapters::putaway::connect(window, controllers);
    adapters::pack::connect(window, controllers);
    adapters::count::connect(window, controllers);
    adapters::move_adjust::connect(window, controllers);
    adapters::conflicts::connect(window, controllers);
    adapters::labels::connect(window, controllers);
    adapters::lookup::connect(window, controllers);
    adapters::sync_status::show_status(window, &controllers.sync.status());
    adapters::shell::navigate(window, controllers, controllers.start_screen());
}
