//! The activity lifecycle as a pure state machine: each event NativeActivity reports
//! (start, resume, pause, stop, window created/destroyed, save state, low memory,
//! destroy…) becomes the list of things `android_main` must do, in order.
//!
//! Why nothing here "saves the work": a scan is journaled (one SQLite transaction, WAL,
//! `synchronous=FULL`) before the UI shows its green or red band, so everything the worker
//! has seen confirmed is already on disk whatever Android does next — pause, kill the
//! process in the background, or pull the battery. What could still be in flight is a scan
//! that arrived but is not routed yet (the intent inbox); the machine orders a
//! [`LifecycleAction::DeliverQueuedScans`] before every point after which Android may
//! kill the process without asking again (pause, stop, save state, destroy). The open
//! job resumes from the journal (`device_job`); the instance state only carries who is
//! signed in ([`SavedState`]), so a process Android reclaimed in the background comes back
//! without asking for the badge again.

use dockhand_app::domain::OperatorId;
use serde::{Deserialize, Serialize};

/// An activity event, as `android_main` receives it from android-activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LifecycleEvent {
    Start,
    Resume,
    Pause,
    Stop,
    WindowCreated,
    WindowDestroyed,
    WindowResized,
    RedrawNeeded,
    /// The content area or the insets changed (system bars, soft keyboard).
    ContentChanged,
    /// The configuration changed: density, orientation, font scale.
    ConfigChanged,
    FocusGained,
    FocusLost,
    SaveState,
    LowMemory,
    Destroy,
}

/// What `android_main` does about an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LifecycleAction {
    /// A new native window: draw into it from now on.
    AttachSurface,
    /// The native window goes away when this event is handled: stop drawing into it.
    DetachSurface,
    /// Draw the whole frame again (a new surface, a new size, a new density).
    RedrawAll,
    /// Read the display density again and tell Slint the scale factor.
    UpdateScaleFactor,
    /// Ask the sync loop for a round now: back in the foreground, the network may be back.
    SyncNow,
    /// Route every scan waiting in the intent inbox now (each is journaled when routed).
    DeliverQueuedScans,
    /// Write the instance state ([`SavedState`]).
    SaveState,
    /// Free the frame buffer: nothing is on screen, and it is rebuilt on the next draw.
    ReleaseFrameBuffer,
    /// The window gained or lost input focus (the scan input follows it).
    SetActive(bool),
    /// Stop the sync loop, close the journal and return from `android_main`.
    Exit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Created,
    Started,
    Resumed,
    Paused,
    Stopped,
    Destroyed,
}

/// Where the activity is in its lifecycle, and whether it has a window to draw into.
#[derive(Debug, Clone)]
pub struct Lifecycle {
    phase: Phase,
    has_window: bool,
}

impl Default for Lifecycle {
    fn default() -> Self {
        Self::new()
    }
}

impl Lifecycle {
    pub fn new() -> Self {
        Self {
            phase: Phase::Created,
            has_window: false,
        }
    }

    /// Handles one event. After [`LifecycleEvent::Destroy`] every event is ignored.
    pub fn handle(&mut self, event: LifecycleEvent) -> Vec<LifecycleAction> {
        use LifecycleAction as A;
        use LifecycleEvent as E;
        if self.phase == Phase::Destroyed {
            return Vec::new();
        }
        match event {
            E::Start => {
                self.phase = Phase::Started;
                vec![]
            }
            E::Resume => {
                self.phase = Phase::Resumed;
                let mut actions = vec![A::SyncNow];
                if self.has_window {
                    actions.push(A::RedrawAll);
                }
                actions
            }
            E::Pause => {
                self.phase = Phase::Paused;
                vec![A::DeliverQueuedScans]
            }
            E::Stop => {
                self.phase = Phase::Stopped;
                vec![A::DeliverQueuedScans]
            }
            E::WindowCreated => {
                self.has_window = true;
                vec![A::AttachSurface, A::RedrawAll]
            }
            E::WindowDestroyed => {
                let had = std::mem::replace(&mut self.has_window, false);
                if had { vec![A::DetachSurface] } else { vec![] }
            }
            E::WindowResized | E::RedrawNeeded | E::ContentChanged => {
                if self.has_window {
                    vec![A::RedrawAll]
                } else {
                    vec![]
                }
            }
            E::ConfigChanged => {
                let mut actions = vec![A::UpdateScaleFactor];
                if self.has_window {
                    actions.push(A::RedrawAll);
                }
                actions
            }
            E::FocusGained => vec![A::SetActive(true)],
            E::FocusLost => vec![A::SetActive(false)],
            E::SaveState => vec![A::DeliverQueuedScans, A::SaveState],
            E::LowMemory => {
                if self.is_visible() {
                    vec![]
                } else {
                    vec![A::ReleaseFrameBuffer]
                }
            }
            E::Destroy => {
                self.phase = Phase::Destroyed;
                let mut actions = Vec::new();
                if std::mem::replace(&mut self.has_window, false) {
                    actions.push(A::DetachSurface);
                }
                actions.extend([A::DeliverQueuedScans, A::Exit]);
                actions
            }
        }
    }

    /// Whether there is a window to draw into.
    pub fn can_draw(&self) -> bool {
        self.has_window && self.phase != Phase::Destroyed
    }

    /// Whether the worker can see the app: a window, and started but not stopped. A paused
    /// activity can still be visible (a dialog over it, split screen).
    pub fn is_visible(&self) -> bool {
        self.can_draw() && matches!(self.phase, Phase::Started | Phase::Resumed | Phase::Paused)
    }

    pub fn is_destroyed(&self) -> bool {
        self.phase == Phase::Destroyed
    }
}

/// The current format of [`SavedState`].
pub const SAVED_STATE_VERSION: u32 = 1;

/// The instance state Android keeps for the activity while its process may be reclaimed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedState {
    pub version: u32,
    /// Who was signed in.
    pub operator: Option<OperatorId>,
}

/// Why saved instance state is not used (the app then starts as after a cold start).
#[derive(Debug, thiserror::Error)]
pub enum SavedStateError {
    #[error(
        "the saved app state is version {found}, this build reads version {SAVED_STATE_VERSION}; \
         starting fresh (sign in again)"
    )]
    Version { found: u32 },
    #[error("the saved app state is unreadable ({0}); starting fresh (sign in again)")]
    Corrupt(serde_json::Error),
}

impl SavedState {
    pub fn new(operator: Option<OperatorId>) -> Self {
        Self {
            version: SAVED_STATE_VERSION,
            operator,
        }
    }

    pub fn encode(&self) -> Vec<u8> {
        // Serialising two plain fields cannot fail; an empty state would only mean "sign
        // in again", never a lost scan.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Reads what [`SavedState::encode`] wrote. No bytes (a first start) is `Ok(None)`.
    pub fn decode(bytes: &[u8]) -> Result<Option<Self>, SavedStateError> {
        if bytes.is_empty() {
            return Ok(None);
        }
        #[derive(Deserialize)]
        struct Versioned {
            version: u32,
        }
        let versioned: Versioned =
            serde_json::from_slice(bytes).map_err(SavedStateError::Corrupt)?;
        if versioned.version != SAVED_STATE_VERSION {
            return Err(SavedStateError::Version {
                found: versioned.version,
            });
        }
        serde_json::from_slice(bytes)
            .map(Some)
            .map_err(SavedStateError::Corrupt)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::LifecycleAction as A;
    use super::LifecycleEvent as E;
    use super::*;

    fn run(lifecycle: &mut Lifecycle, events: &[LifecycleEvent]) -> Vec<LifecycleAction> {
        events.iter().flat_map(|&e| lifecycle.handle(e)).collect()
    }

    #[test]
    fn a_cold_start_draws_once_the_window_exists_and_syncs_on_resume() {
        let mut lc = Lifecycle::new();
        assert!(!lc.can_draw());
        let actions = run(
            &mut lc,
            &[E::Start, E::Resume, E::WindowCreated, E::FocusGained],
        );
        assert_eq!(
            actions,
            [
                A::SyncNow,
                A::AttachSurface,
                A::RedrawAll,
                A::SetActive(true)
            ]
        );
        assert!(lc.can_draw());
        assert!(lc.is_visible());
    }

    #[test]
    fn queued_scans_are_delivered_before_android_may_kill_the_process() {
        // Going to the background: pause, save state, stop. Each point after which the
        // process may die without another callback delivers the inbox first.
        let mut lc = Lifecycle::new();
        run(&mut lc, &[E::Start, E::Resume, E::WindowCreated]);
        assert_eq!(lc.handle(E::Pause), [A::DeliverQueuedScans]);
        assert_eq!(
            lc.handle(E::SaveState),
            [A::DeliverQueuedScans, A::SaveState]
        );
        assert_eq!(lc.handle(E::WindowDestroyed), [A::DetachSurface]);
        assert!(!lc.can_draw(), "no drawing into a destroyed window");
        assert_eq!(lc.handle(E::Stop), [A::DeliverQueuedScans]);
        let destroy = lc.handle(E::Destroy);
        assert_eq!(destroy, [A::DeliverQueuedScans, A::Exit]);
        assert!(lc.is_destroyed());
    }

    #[test]
    fn destroy_with_a_window_still_up_detaches_it_before_exit() {
        let mut lc = Lifecycle::new();
        run(&mut lc, &[E::Start, E::Resume, E::WindowCreated]);
        assert_eq!(
            lc.handle(E::Destroy),
            [A::DetachSurface, A::DeliverQueuedScans, A::Exit]
        );
        assert!(!lc.can_draw());
        // Nothing after destroy does anything (android-activity may still report events).
        for event in [E::Resume, E::WindowCreated, E::RedrawNeeded, E::SaveState] {
            assert!(lc.handle(event).is_empty(), "{event:?} after destroy");
        }
    }

    #[test]
    fn redraws_only_happen_with_a_window() {
        let mut lc = Lifecycle::new();
        run(&mut lc, &[E::Start, E::Resume]);
        assert!(lc.handle(E::RedrawNeeded).is_empty());
        assert!(lc.handle(E::WindowResized).is_empty());
        assert_eq!(lc.handle(E::ConfigChanged), [A::UpdateScaleFactor]);
        assert!(
            lc.handle(E::WindowDestroyed).is_empty(),
            "no window to detach"
        );
        lc.handle(E::WindowCreated);
        assert_eq!(lc.handle(E::WindowResized), [A::RedrawAll]);
        assert_eq!(lc.handle(E::ContentChanged), [A::RedrawAll]);
        assert_eq!(
            lc.handle(E::ConfigChanged),
            [A::UpdateScaleFactor, A::RedrawAll]
        );
    }

    #[test]
    fn a_resume_after_the_background_redraws_the_new_window_and_syncs() {
        let mut lc = Lifecycle::new();
        run(
            &mut lc,
            &[
                E::Start,
                E::Resume,
                E::WindowCreated,
                E::Pause,
                E::WindowDestroyed,
                E::Stop,
            ],
        );
        let back = run(&mut lc, &[E::Start, E::Resume, E::WindowCreated]);
        assert_eq!(back, [A::SyncNow, A::AttachSurface, A::RedrawAll]);
        assert!(lc.is_visible());
    }

    #[test]
    fn low_memory_frees_the_frame_buffer_only_when_nothing_is_shown() {
        let mut lc = Lifecycle::new();
        run(&mut lc, &[E::Start, E::Resume, E::WindowCreated]);
        assert!(lc.handle(E::LowMemory).is_empty(), "on screen: keep it");
        lc.handle(E::Pause);
        assert!(
            lc.handle(E::LowMemory).is_empty(),
            "paused but visible (a dialog over the app): keep it"
        );
        run(&mut lc, &[E::WindowDestroyed, E::Stop]);
        assert_eq!(lc.handle(E::LowMemory), [A::ReleaseFrameBuffer]);
    }

    #[test]
    fn saved_state_round_trips_the_operator() {
        let ana = OperatorId::new("ana").unwrap();
        let bytes = SavedState::new(Some(ana.clone())).encode();
        let back = SavedState::decode(&bytes).unwrap().unwrap();
        assert_eq!(back.operator, Some(ana));
        let nobody = SavedState::decode(&SavedState::new(None).encode()).unwrap();
        assert_eq!(nobody.unwrap().operator, None);
        assert!(
            SavedState::decode(&[]).unwrap().is_none(),
            "first start: no state"
        );
    }

    #[test]
    fn unusable_saved_state_is_refused_with_a_reason_never_half_read() {
        let error = SavedState::decode(br#"{"version": 2, "operator": "ana"}"#).unwrap_err();
        assert!(error.to_string().contains("version 2"), "{error}");
        let error = SavedState::decode(b"\x00\x01garbage").unwrap_err();
        assert!(matches!(error, SavedStateError::Corrupt(_)), "{error}");
        // A saved operator that is not a valid operator id is not signed in.
        let too_long = "x".repeat(OperatorId::MAX_LEN + 1);
        let json = format!(r#"{{"version": 1, "operator": "{too_long}"}}"#);
        assert!(SavedState::decode(json.as_bytes()).is_err());
    }
}
