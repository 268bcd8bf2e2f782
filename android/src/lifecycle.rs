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

use crate::intent::{InboxItem, ScanInbox};

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

/// What `android_main` can do; [`carry_out`] drives it with the machine's actions. The
/// Android shell implements it over the window, the UI and the sync handle; the tests
/// implement it over plain data.
pub trait LifecycleHost {
    fn attach_surface(&mut self);
    fn detach_surface(&mut self);
    fn redraw_all(&mut self);
    fn update_scale_factor(&mut self);
    fn sync_now(&mut self);
    /// Routes one scan (the screen that is up journals it before it shows feedback) or
    /// shows why an intent was refused.
    fn route(&mut self, item: InboxItem);
    /// The state to save now: who is signed in.
    fn saved_state(&self) -> SavedState;
    fn release_frame_buffer(&mut self);
    fn set_active(&mut self, active: bool);
}

/// Routes everything waiting in the inbox, oldest first.
pub fn deliver_queued_scans(inbox: &ScanInbox, host: &mut impl LifecycleHost) {
    for item in inbox.drain() {
        host.route(item);
    }
}

/// Carries out the actions for one event, in order. `save` receives the encoded
/// [`SavedState`] when the event was a save-state request (Android's state saver).
pub fn carry_out(
    actions: &[LifecycleAction],
    host: &mut impl LifecycleHost,
    inbox: &ScanInbox,
    mut save: impl FnMut(&[u8]),
) {
    for action in actions {
        match *action {
            LifecycleAction::AttachSurface => host.attach_surface(),
            LifecycleAction::DetachSurface => host.detach_surface(),
            LifecycleAction::RedrawAll => host.redraw_all(),
            LifecycleAction::UpdateScaleFactor => host.update_scale_factor(),
            LifecycleAction::SyncNow => host.sync_now(),
            LifecycleAction::DeliverQueuedScans => deliver_queued_scans(inbox, host),
            LifecycleAction::SaveState => save(&host.saved_state().encode()),
            LifecycleAction::ReleaseFrameBuffer => host.release_frame_buffer(),
            LifecycleAction::SetActive(active) => host.set_active(active),
            // The loop ends once the lifecycle is destroyed; the shell then stops the sync
            // loop and closes the journal.
            LifecycleAction::Exit => {}
        }
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

/// Who to sign back in when the activity resumes with saved state: the saved operator,
/// unless someone is signed in already (the process survived, or a badge was scanned since).
pub fn operator_to_restore(
    saved: Option<&[u8]>,
    signed_in: Option<&OperatorId>,
) -> Result<Option<OperatorId>, SavedStateError> {
    if signed_in.is_some() {
        return Ok(None);
    }
    let Some(bytes) = saved else { return Ok(None) };
    Ok(SavedState::decode(bytes)?.and_then(|state| state.operator))
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

    /// A handheld as the shell sees it: scans routed into a journal (here a list, in
    /// order), a badge scan signs in, and a record of the surface.
    #[derive(Default)]
    struct FakeHost {
        journaled: Vec<String>,
        refused: Vec<String>,
        operator: Option<OperatorId>,
        surface: bool,
        redraws: usize,
        sync_rounds: usize,
        frame_buffer_freed: bool,
    }

    impl LifecycleHost for FakeHost {
        fn attach_surface(&mut self) {
            self.surface = true;
        }
        fn detach_surface(&mut self) {
            self.surface = false;
        }
        fn redraw_all(&mut self) {
            assert!(self.surface, "redraw without a surface");
            self.redraws += 1;
        }
        fn update_scale_factor(&mut self) {}
        fn sync_now(&mut self) {
            self.sync_rounds += 1;
        }
        fn route(&mut self, item: InboxItem) {
            match item {
                InboxItem::Scan(scan) => {
                    if let Some(badge) = scan.data.strip_prefix("BADGE:") {
                        self.operator = Some(OperatorId::new(badge).unwrap());
                    }
                    self.journaled.push(scan.data);
                }
                InboxItem::Refused { reason } => self.refused.push(reason),
            }
        }
        fn saved_state(&self) -> SavedState {
            SavedState::new(self.operator.clone())
        }
        fn release_frame_buffer(&mut self) {
            self.frame_buffer_freed = true;
        }
        fn set_active(&mut self, _active: bool) {}
    }

    fn scan(inbox: &ScanInbox, data: &str) {
        let json = serde_json::json!({ "data": data }).to_string();
        crate::intent::receive_extras_json(inbox, &json, chrono::Utc::now()).unwrap();
    }

    /// Drives one event through the machine and the host; returns what was saved.
    fn event(
        lc: &mut Lifecycle,
        host: &mut FakeHost,
        inbox: &ScanInbox,
        e: LifecycleEvent,
    ) -> Option<Vec<u8>> {
        let mut saved = None;
        carry_out(&lc.handle(e), host, inbox, |bytes| {
            saved = Some(bytes.to_vec())
        });
        saved
    }

    #[test]
    fn scans_that_arrive_around_pause_and_destroy_are_all_journaled_in_order() {
        let inbox = ScanInbox::new();
        let mut host = FakeHost::default();
        let mut lc = Lifecycle::new();
        for e in [E::Start, E::Resume, E::WindowCreated] {
            event(&mut lc, &mut host, &inbox, e);
        }
        assert!(host.surface);
        assert_eq!(host.sync_rounds, 1);

        // The trigger is pulled just as the worker presses Home: the broadcast lands
        // between the last loop turn and onPause.
        scan(&inbox, "A-03-2-B");
        event(&mut lc, &mut host, &inbox, E::Pause);
        assert_eq!(
            host.journaled,
            ["A-03-2-B"],
            "journaled before pause returns"
        );

        // Paused (a dialog over the app): the receiver is still registered.
        scan(&inbox, "09506000134352");
        event(&mut lc, &mut host, &inbox, E::WindowDestroyed);
        assert!(!host.surface);
        assert_eq!(
            inbox.len(),
            1,
            "routing waits for a pause point or a loop turn"
        );
        event(&mut lc, &mut host, &inbox, E::Stop);
        scan(&inbox, "]C1010950600013435210LOT7");
        event(&mut lc, &mut host, &inbox, E::Destroy);
        assert_eq!(
            host.journaled,
            ["A-03-2-B", "09506000134352", "010950600013435210LOT7"]
        );
        assert!(inbox.is_empty());

        // After destroy nothing is routed by this instance: the next one gets it.
        scan(&inbox, "LATE");
        event(&mut lc, &mut host, &inbox, E::Pause);
        assert_eq!(inbox.len(), 1);
        assert_eq!(host.journaled.len(), 3);
    }

    #[test]
    fn saved_state_is_taken_after_queued_scans_so_a_badge_scan_counts() {
        let inbox = ScanInbox::new();
        let mut host = FakeHost::default();
        let mut lc = Lifecycle::new();
        for e in [E::Start, E::Resume, E::WindowCreated, E::Pause] {
            event(&mut lc, &mut host, &inbox, e);
        }
        scan(&inbox, "BADGE:ana");
        let saved = event(&mut lc, &mut host, &inbox, E::SaveState).expect("state saved");
        let state = SavedState::decode(&saved).unwrap().unwrap();
        assert_eq!(state.operator.unwrap().as_str(), "ana");
    }

    #[test]
    fn a_refused_broadcast_is_shown_not_journaled_and_scans_behind_it_still_arrive() {
        let inbox = ScanInbox::new();
        let mut host = FakeHost::default();
        let mut lc = Lifecycle::new();
        event(&mut lc, &mut host, &inbox, E::Start);
        let _ =
            crate::intent::receive_extras_json(&inbox, r#"{"profile": "x"}"#, chrono::Utc::now());
        scan(&inbox, "B-01-1-A");
        deliver_queued_scans(&inbox, &mut host);
        assert_eq!(host.journaled, ["B-01-1-A"]);
        assert_eq!(host.refused.len(), 1);
        assert!(
            host.refused[0].contains("extras: profile"),
            "{:?}",
            host.refused
        );
    }

    #[test]
    fn low_memory_in_the_background_frees_the_frame_buffer_through_the_host() {
        let inbox = ScanInbox::new();
        let mut host = FakeHost::default();
        let mut lc = Lifecycle::new();
        for e in [E::Start, E::Resume, E::WindowCreated, E::LowMemory] {
            event(&mut lc, &mut host, &inbox, e);
        }
        assert!(!host.frame_buffer_freed);
        for e in [E::Pause, E::WindowDestroyed, E::Stop, E::LowMemory] {
            event(&mut lc, &mut host, &inbox, e);
        }
        assert!(host.frame_buffer_freed);
        // Back in front: the new surface is drawn in full.
        let redraws = host.redraws;
        for e in [E::Start, E::Resume, E::WindowCreated] {
            event(&mut lc, &mut host, &inbox, e);
        }
        assert_eq!(host.redraws, redraws + 1);
        assert_eq!(host.sync_rounds, 2);
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
    fn the_saved_operator_is_signed_back_in_only_when_nobody_is() {
        let ana = OperatorId::new("ana").unwrap();
        let ben = OperatorId::new("ben").unwrap();
        let saved = SavedState::new(Some(ana.clone())).encode();
        // The process was reclaimed in the background: nobody is signed in.
        assert_eq!(operator_to_restore(Some(&saved), None).unwrap(), Some(ana));
        // The process survived the pause, or ben badged in since: keep who is there.
        assert_eq!(operator_to_restore(Some(&saved), Some(&ben)).unwrap(), None);
        assert_eq!(operator_to_restore(None, None).unwrap(), None);
        assert!(operator_to_restore(Some(b"{"), None).is_err());
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
