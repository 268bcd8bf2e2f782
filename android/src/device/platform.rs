//! The Slint platform on Android: every component gets the one [`MinimalSoftwareWindow`]
//! that `android_main` draws into the native window, and work sent from other threads
//! (`slint::invoke_from_event_loop`, `Weak::upgrade_in_event_loop` — the sync status uses
//! it) waits in [`LoopTasks`] until the loop runs it. The event loop itself is
//! `android_main`'s own (android-activity's `poll_events`), not Slint's.

use std::collections::VecDeque;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use android_activity::AndroidAppWaker;
use slint::platform::software_renderer::MinimalSoftwareWindow;
use slint::platform::{EventLoopProxy, Platform, WindowAdapter};
use slint::{EventLoopError, PlatformError};

type Task = Box<dyn FnOnce() + Send>;

/// Closures other threads want run on the UI thread, and the waker that gets it there.
pub struct LoopTasks {
    queue: Mutex<VecDeque<Task>>,
    quit: AtomicBool,
    waker: AndroidAppWaker,
}

impl LoopTasks {
    pub fn new(waker: AndroidAppWaker) -> Self {
        Self {
            queue: Mutex::new(VecDeque::new()),
            quit: AtomicBool::new(false),
            waker,
        }
    }

    fn push(&self, task: Task) {
        self.queue
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push_back(task);
        self.waker.wake();
    }

    /// Runs what was queued so far (on the UI thread).
    pub fn run_pending(&self) {
        let tasks: Vec<Task> = self
            .queue
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .drain(..)
            .collect();
        for task in tasks {
            task();
        }
    }
}

/// `slint::quit_event_loop` has no meaning for an activity (Android decides when it
/// ends); it is recorded and logged.
struct Proxy(Arc<LoopTasks>);

impl EventLoopProxy for Proxy {
    fn quit_event_loop(&self) -> Result<(), EventLoopError> {
        self.0.quit.store(true, Ordering::SeqCst);
        log::info!("quit requested; Android ends the activity, not the app");
        Ok(())
    }

    fn invoke_from_event_loop(
        &self,
        event: Box<dyn FnOnce() + Send>,
    ) -> Result<(), EventLoopError> {
        self.0.push(event);
        Ok(())
    }
}

pub struct AndroidPlatform {
    window: Rc<MinimalSoftwareWindow>,
    tasks: Arc<LoopTasks>,
}

impl AndroidPlatform {
    pub fn new(window: Rc<MinimalSoftwareWindow>, tasks: Arc<LoopTasks>) -> Self {
        Self { window, tasks }
    }
}

impl Platform for AndroidPlatform {
    fn create_window_adapter(&self) -> Result<Rc<dyn WindowAdapter>, PlatformError> {
        Ok(self.window.clone())
    }

    fn new_event_loop_proxy(&self) -> Option<Box<dyn EventLoopProxy>> {
        Some(Box::new(Proxy(self.tasks.clone())))
    }
}
