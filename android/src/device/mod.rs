//! `android_main`: the same Slint UI and `dockhand-app` core as the desktop binary, on a
//! handheld. Android only.
//!
//! One thread (android-activity's `android_main` thread) owns the journal, the UI and the
//! event loop; the sync loop runs on a one-worker tokio runtime; the scan broadcast
//! receiver runs on Android's main thread and hands scans over through the intent inbox.
//! What each lifecycle event means is decided by [`crate::lifecycle`]; this module only
//! carries it out.

mod feedback;
mod input;
mod java;
mod platform;
mod surface;

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use android_activity::{AndroidApp, MainEvent, PollEvent};
use anyhow::Context;
use dockhand_app::journal::Journal;
use dockhand_app::sync::{SyncHandle, SyncService, SyncServiceConfig};
use dockhand_ui::adapters::shell;
use dockhand_ui::adapters::sync_status::publish_status;
use dockhand_ui::app::{self, Controllers};
use dockhand_ui::print_worker::{PrintWorker, WorkerTiming};
use dockhand_ui::{LabelsAdapter, MainWindow};
use slint::ComponentHandle;
use slint::platform::WindowEvent;
use slint::platform::software_renderer::{MinimalSoftwareWindow, RepaintBufferType};

use crate::data_paths::DataPaths;
use crate::display;
use crate::intent::InboxItem;
use crate::lifecycle::{self, Lifecycle, LifecycleEvent, LifecycleHost, SavedState};

/// Scans from the broadcast receiver, waiting for the UI thread. A static because the
/// receiver may fire while no `android_main` runs (between two activity instances); the
/// scans then wait for the next one.
pub(crate) static SCAN_INBOX: crate::intent::ScanInbox = crate::intent::ScanInbox::new();

/// How often the loop wakes while an animation runs.
const ANIMATION_FRAME: Duration = Duration::from_millis(16);

/// The entry point android-activity calls on its own thread once the activity is created.
#[allow(unsafe_code)] // android-activity finds the entry point by its unmangled name
#[unsafe(no_mangle)]
fn android_main(app: AndroidApp) {
    android_logger::init_once(
        android_logger::Config::default()
            .with_tag("dockhand")
            .with_max_level(log::LevelFilter::Info),
    );
    if let Err(error) = run(app.clone()) {
        let message = format!("{error:#}");
        log::error!("Dockhand stopped: {message}");
        java::show_fatal_error(&app, &message);
        wait_for_destroy(&app);
    }
}

/// Keeps the activity (and the error dialog over it) alive until the worker closes it:
/// returning from `android_main` would finish the activity at once.
fn wait_for_destroy(app: &AndroidApp) {
    let mut destroyed = false;
    while !destroyed {
        app.poll_events(None, |event| {
            if let PollEvent::Main(MainEvent::Destroy) = event {
                destroyed = true;
            }
        });
        // Unread input would make Android report the app as not responding.
        if let Ok(mut events) = app.input_events_iter() {
            while events.next(|_| android_activity::InputStatus::Unhandled) {}
        }
    }
}

fn run(app: AndroidApp) -> anyhow::Result<()> {
    let paths = DataPaths::in_private_dir(app.internal_data_path())?;
    paths.prepare()?;
    if let Err(error) = java::init_tls_verifier(&app) {
        // HTTP servers on the warehouse network still work; HTTPS ones report it per round.
        log::warn!("Android's certificate verifier is not available: {error}");
    }
    let journal = Journal::open(paths.journal()).with_context(|| {
        format!(
            "cannot open the device journal {}",
            paths.journal().display()
        )
    })?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("dockhand-sync")
        .enable_all()
        .build()
        .context("cannot start the sync runtime")?;
    let sync = {
        let _entered = runtime.enter();
        SyncService::spawn(SyncServiceConfig::new(paths.journal()))
            .context("cannot start the sync loop")?
    };

    let window = MinimalSoftwareWindow::new(RepaintBufferType::NewBuffer);
    let tasks = Arc::new(platform::LoopTasks::new(app.create_waker()));
    slint::platform::set_platform(Box::new(platform::AndroidPlatform::new(
        window.clone(),
        tasks.clone(),
    )))
    .map_err(|error| anyhow::anyhow!("cannot install the Android platform: {error:?}"))?;

    let controllers = Controllers::new(
        Rc::new(RefCell::new(journal)),
        Box::new(sync.clone()),
        Box::new(feedback::ActivityFeedback::new(&app)),
    );
    let ui = MainWindow::new().context("cannot create the main window")?;
    app::connect(&ui, &controllers);
    ui.show().context("cannot show the main window")?;
    // Labels print on their own thread (a Wi-Fi printer's TCP port 9100, as on the desktop).
    let weak = ui.as_weak();
    let printer = PrintWorker::spawn(
        paths.journal().to_path_buf(),
        WorkerTiming::default(),
        move || {
            let _ = weak.upgrade_in_event_loop(|w| w.global::<LabelsAdapter>().invoke_refresh());
        },
    )
    .context("cannot start the print worker")?;
    controllers.labels.set_wake(Box::new(printer.waker()));

    let mut updates = sync.subscribe();
    let weak = ui.as_weak();
    runtime.spawn(async move {
        while updates.changed().await.is_ok() {
            let status = updates.borrow_and_update().clone();
            publish_status(&weak, status);
        }
    });

    let waker = app.create_waker();
    SCAN_INBOX.set_waker(move || waker.wake());

    let mut shell = Shell {
        app,
        window,
        ui,
        controllers,
        sync: sync.clone(),
        tasks,
        lifecycle: Lifecycle::new(),
        surface: None,
        frame: Vec::new(),
        scale_factor: 1.0,
        keys: input::KeyInput::default(),
        soft_keyboard: false,
    };
    shell.run_loop();
    drop(shell);
    printer.stop();

    sync.stop();
    runtime.shutdown_timeout(Duration::from_secs(2));
    log::info!("Dockhand closed");
    Ok(())
}

/// The UI thread's state while the activity lives.
struct Shell {
    app: AndroidApp,
    window: Rc<MinimalSoftwareWindow>,
    ui: MainWindow,
    controllers: Rc<Controllers>,
    sync: SyncHandle,
    tasks: Arc<platform::LoopTasks>,
    lifecycle: Lifecycle,
    surface: Option<surface::Surface>,
    frame: Vec<slint::Rgb8Pixel>,
    scale_factor: f32,
    keys: input::KeyInput,
    soft_keyboard: bool,
}

impl Shell {
    fn run_loop(&mut self) {
        self.update_scale_factor();
        while !self.lifecycle.is_destroyed() {
            let timeout = self.next_wake_up();
            let app = self.app.clone();
            app.poll_events(timeout, |event| {
                if let PollEvent::Main(event) = event {
                    self.on_main_event(event);
                }
            });
            if self.lifecycle.is_destroyed() {
                break;
            }
            self.process_input();
            self.tasks.run_pending();
            lifecycle::deliver_queued_scans(&SCAN_INBOX, self);
            self.update_soft_keyboard();
            slint::platform::update_timers_and_animations();
            self.draw();
        }
    }

    fn next_wake_up(&self) -> Option<Duration> {
        if self.lifecycle.can_draw() && self.window.has_active_animations() {
            return Some(ANIMATION_FRAME);
        }
        slint::platform::duration_until_next_timer_update()
    }

    fn on_main_event(&mut self, event: MainEvent<'_>) {
        use LifecycleEvent as E;
        let (event, saver) = match event {
            MainEvent::Start => (E::Start, None),
            MainEvent::Resume { loader, .. } => {
                self.restore(loader.load());
                (E::Resume, None)
            }
            MainEvent::Pause => (E::Pause, None),
            MainEvent::Stop => (E::Stop, None),
            MainEvent::InitWindow { .. } => (E::WindowCreated, None),
            MainEvent::TerminateWindow { .. } => (E::WindowDestroyed, None),
            MainEvent::WindowResized { .. } => (E::WindowResized, None),
            MainEvent::RedrawNeeded { .. } => (E::RedrawNeeded, None),
            MainEvent::ContentRectChanged { .. } | MainEvent::InsetsChanged { .. } => {
                (E::ContentChanged, None)
            }
            MainEvent::ConfigChanged { .. } => (E::ConfigChanged, None),
            MainEvent::GainedFocus => (E::FocusGained, None),
            MainEvent::LostFocus => (E::FocusLost, None),
            MainEvent::SaveState { saver, .. } => (E::SaveState, Some(saver)),
            MainEvent::LowMemory => (E::LowMemory, None),
            MainEvent::Destroy => (E::Destroy, None),
            // Input is read every turn of the loop.
            _ => return,
        };
        log::debug!("lifecycle: {event:?}");
        let actions = self.lifecycle.handle(event);
        lifecycle::carry_out(&actions, self, &SCAN_INBOX, |bytes| {
            if let Some(saver) = &saver {
                saver.store(bytes);
            }
        });
    }

    /// Signs the operator from the saved instance state back in, if nobody is signed in.
    fn restore(&mut self, saved: Option<Vec<u8>>) {
        let session = &self.controllers.session;
        let operator =
            match lifecycle::operator_to_restore(saved.as_deref(), session.operator().as_ref()) {
                Ok(Some(operator)) => operator,
                Ok(None) => return,
                Err(error) => {
                    log::warn!("{error}");
                    return;
                }
            };
        if let Err(error) = session.sign_in(operator.as_str()) {
            log::warn!("saved operator not signed in again: {error}");
            return;
        }
        shell::navigate(&self.ui, &self.controllers, self.controllers.start_screen());
    }

    /// The scan input normally has focus; when a tap moved it to a text field (the server
    /// address in Device setup), the soft keyboard comes up, and goes when focus returns.
    fn update_soft_keyboard(&mut self) {
        let wanted = !self.ui.get_scan_has_focus();
        if wanted != self.soft_keyboard {
            self.soft_keyboard = wanted;
            if wanted {
                self.app.show_soft_input(true);
            } else {
                self.app.hide_soft_input(false);
            }
        }
    }

    fn process_input(&mut self) {
        let mut events = match self.app.input_events_iter() {
            Ok(events) => events,
            Err(error) => {
                log::warn!("cannot read input events: {error}");
                return;
            }
        };
        let (app, window, keys, scale) =
            (&self.app, &self.window, &mut self.keys, self.scale_factor);
        while events.next(|event| input::dispatch(app, window, keys, scale, event)) {}
    }

    fn draw(&mut self) {
        if !self.lifecycle.can_draw() {
            return;
        }
        let Some(surface) = &self.surface else { return };
        let size = surface.size();
        let (width, height) = (size.width as usize, size.height as usize);
        if self.frame.len() != width * height {
            self.frame = vec![slint::Rgb8Pixel::default(); width * height];
            self.window.request_redraw();
        }
        let frame = &mut self.frame;
        let drawn = self.window.draw_if_needed(|renderer| {
            renderer.render(frame, width);
        });
        if drawn && let Err(error) = surface.present(&self.frame, width, height) {
            log::warn!("frame not shown: {error}");
            self.window.request_redraw();
        }
    }
}

/// What the lifecycle's actions do on the handheld.
impl LifecycleHost for Shell {
    fn attach_surface(&mut self) {
        self.surface = self.app.native_window().map(surface::Surface::new);
    }

    /// Called inside the `TerminateWindow` callback: Android destroys the surface as soon
    /// as it returns, and our reference must be gone by then.
    fn detach_surface(&mut self) {
        self.surface = None;
    }

    fn redraw_all(&mut self) {
        if let Some(surface) = &self.surface {
            self.window.set_size(surface.size());
            self.window.request_redraw();
        }
    }

    fn update_scale_factor(&mut self) {
        self.scale_factor = display::scale_factor(self.app.config().density());
        self.window.dispatch_event(WindowEvent::ScaleFactorChanged {
            scale_factor: self.scale_factor,
        });
    }

    fn sync_now(&mut self) {
        self.sync.sync_now();
    }

    /// The screen that is up journals the scan before its feedback shows.
    fn route(&mut self, item: InboxItem) {
        match item {
            InboxItem::Scan(scan) => shell::route_scan(&self.ui, &self.controllers, scan),
            InboxItem::Refused { reason } => {
                shell::show_bad(&self.ui, &self.controllers, reason.into())
            }
        }
    }

    fn saved_state(&self) -> SavedState {
        SavedState::new(self.controllers.session.operator())
    }

    fn release_frame_buffer(&mut self) {
        self.frame = Vec::new();
    }

    fn set_active(&mut self, active: bool) {
        self.window
            .dispatch_event(WindowEvent::WindowActiveChanged(active));
        if active {
            self.ui.invoke_focus_scan_input();
        }
    }
}
