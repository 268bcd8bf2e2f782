//! Intent mode: the Rust half of the scan broadcast receiver.
//!
//! Zebra DataWedge and the Honeywell Data Collection service broadcast each scan as an
//! intent with the action [`SCAN_ACTION`] (set in the profiles under `android/profiles/`).
//! The Java `ScanReceiver` turns the intent's extras into one JSON object (strings as
//! strings, numbers and booleans as such, `byte[]` as an array of signed bytes,
//! `ArrayList<byte[]>` as an array of such arrays) and hands it to the JNI entry point,
//! which calls [`receive_extras_json`]. Decoding is `dockhand-app`'s
//! [`decode_intent_json`]: this module knows no vendor.
//!
//! The receiver runs on Android's main thread, the UI on the `android_main` thread, so
//! decoded scans wait in a [`ScanInbox`] until the UI thread drains it. The inbox never
//! drops anything: a scan that arrives while the activity is paused, has no window, or is
//! busy waits there, in order, until it is routed (and journaled).

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, Utc};
use dockhand_app::barcode::Scan;
use dockhand_app::scanner::{IntentError, decode_intent_json};

/// The broadcast action both vendors' profiles send scans with. The Java receiver, the
/// DataWedge profile and the Honeywell settings all use this exact string (a unit test
/// reads them to make sure).
pub const SCAN_ACTION: &str = "com.dockhand.android.SCAN";

/// What the receiver handed over: a scan, or an intent that was not one (with the reason
/// the UI shows, so a misconfigured profile is noticed at the first scan).
#[derive(Debug, Clone, PartialEq)]
pub enum InboxItem {
    Scan(Scan),
    Refused { reason: String },
}

type Waker = Box<dyn Fn() + Send + Sync>;

/// Scans waiting for the UI thread, in arrival order.
pub struct ScanInbox {
    queue: Mutex<VecDeque<InboxItem>>,
    waker: Mutex<Option<Waker>>,
}

impl std::fmt::Debug for ScanInbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScanInbox")
            .field("queued", &self.len())
            .finish_non_exhaustive()
    }
}

impl Default for ScanInbox {
    fn default() -> Self {
        Self::new()
    }
}

/// A poisoned lock only means another thread panicked while holding it; the queue itself
/// is still a valid queue, and losing scans over it would be worse.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl ScanInbox {
    pub const fn new() -> Self {
        Self {
            queue: Mutex::new(VecDeque::new()),
            waker: Mutex::new(None),
        }
    }

    /// Sets what wakes the UI thread's event loop when something arrives (on Android, the
    /// `AndroidAppWaker`). Items pushed before a waker is set simply wait.
    pub fn set_waker(&self, waker: impl Fn() + Send + Sync + 'static) {
        *lock(&self.waker) = Some(Box::new(waker));
        if !self.is_empty() {
            self.wake();
        }
    }

    /// Queues an item and wakes the UI thread.
    pub fn push(&self, item: InboxItem) {
        lock(&self.queue).push_back(item);
        self.wake();
    }

    fn wake(&self) {
        if let Some(wake) = lock(&self.waker).as_ref() {
            wake();
        }
    }

    /// Takes everything queued so far, oldest first.
    pub fn drain(&self) -> Vec<InboxItem> {
        lock(&self.queue).drain(..).collect()
    }

    pub fn len(&self) -> usize {
        lock(&self.queue).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The whole Rust side of one scan broadcast: decodes the extras and queues the result. A
/// refused intent is queued too (the UI shows why) and returned as the error, for the
/// receiver's log.
pub fn receive_extras_json(
    inbox: &ScanInbox,
    extras_json: &str,
    received_at: DateTime<Utc>,
) -> Result<(), IntentError> {
    match decode_intent_json(extras_json, received_at) {
        Ok(scan) => {
            inbox.push(InboxItem::Scan(scan));
            Ok(())
        }
        Err(error) => {
            inbox.push(InboxItem::Refused {
                reason: error.to_string(),
            });
            Err(error)
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use dockhand_app::barcode::{GS, ScanSource, Symbology, SymbologyId};

    use super::*;

    fn scans(inbox: &ScanInbox) -> Vec<Scan> {
        inbox
            .drain()
            .into_iter()
            .map(|item| match item {
                InboxItem::Scan(scan) => scan,
                InboxItem::Refused { reason } => panic!("refused: {reason}"),
            })
            .collect()
    }

    /// The JSON the Java receiver builds for a DataWedge GS1-128 scan: `decode_data` is an
    /// `ArrayList<byte[]>`, Java bytes are signed.
    #[test]
    fn datawedge_extras_from_the_receiver_become_a_gs1_scan_with_its_gs() {
        let inbox = ScanInbox::new();
        let raw = format!("0109506000134352{GS}10ABC123");
        let signed: Vec<i8> = raw.bytes().map(|b| b as i8).collect();
        let extras = serde_json::json!({
            "com.symbol.datawedge.source": "scanner",
            "com.symbol.datawedge.label_type": "LABEL-TYPE-GS1-128",
            "com.symbol.datawedge.data_string": "010950600013435210ABC123",
            "com.symbol.datawedge.decode_data": [signed],
            "com.symbol.datawedge.decoded_mode": "single_decode",
        });
        receive_extras_json(&inbox, &extras.to_string(), Utc::now()).unwrap();
        let got = scans(&inbox);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].data, raw);
        assert_eq!(got[0].source, ScanSource::Intent);
        assert_eq!(
            got[0].symbology.map(SymbologyId::symbology),
            Some(Symbology::Gs1_128)
        );
    }

    /// A Honeywell broadcast: `dataBytes` is a `byte[]`, `aimId` tells GS1 DataMatrix.
    #[test]
    fn honeywell_extras_from_the_receiver_become_a_scan() {
        let inbox = ScanInbox::new();
        let raw = format!("0109506000134352{GS}17271231");
        let extras = serde_json::json!({
            "version": 1,
            "data": "010950600013435217271231",
            "dataBytes": raw.bytes().map(|b| b as i8).collect::<Vec<_>>(),
            "codeId": "w",
            "aimId": "]d2",
            "charset": "ISO-8859-1",
            "timestamp": "2026-11-29T14:00:00.000",
        });
        receive_extras_json(&inbox, &extras.to_string(), Utc::now()).unwrap();
        let got = scans(&inbox);
        assert_eq!(got[0].data, raw);
        assert_eq!(
            got[0].symbology.map(SymbologyId::symbology),
            Some(Symbology::Gs1DataMatrix)
        );
    }

    /// The JSON the Java receiver really produces (`android/ci/java-check` runs
    /// `ScanExtras` and fails when its output stops matching these files).
    #[test]
    fn what_the_java_receiver_sends_decodes_to_the_scanned_data() {
        let inbox = ScanInbox::new();
        let fixtures = [
            include_str!("../ci/fixtures/datawedge-gs1-128.json"),
            include_str!("../ci/fixtures/honeywell-gs1-datamatrix.json"),
            include_str!("../ci/fixtures/honeywell-escaped-text.json"),
        ];
        for json in fixtures {
            receive_extras_json(&inbox, json, Utc::now()).unwrap();
        }
        let got = scans(&inbox);
        let summary: Vec<(String, Option<Symbology>)> = got
            .iter()
            .map(|s| (s.data.clone(), s.symbology.map(SymbologyId::symbology)))
            .collect();
        assert_eq!(
            summary,
            [
                (
                    format!("0109506000134352{GS}10ABC123"),
                    Some(Symbology::Gs1_128)
                ),
                (
                    format!("0109506000134352{GS}17271231"),
                    Some(Symbology::Gs1DataMatrix)
                ),
                // Latin-1 `dataBytes` are not UTF-8: the text extra is used, quotes,
                // backslash, tab and non-ASCII intact.
                ("Lot \"A\\7\" é\t✓".to_owned(), Some(Symbology::Code128)),
            ]
        );
    }

    #[test]
    fn a_refused_intent_is_queued_with_the_reason_the_ui_shows() {
        let inbox = ScanInbox::new();
        let error = receive_extras_json(
            &inbox,
            r#"{"com.symbol.datawedge.label_type": "LABEL-TYPE-EAN13"}"#,
            Utc::now(),
        )
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "the Zebra DataWedge scan intent carries no barcode data"
        );
        assert_eq!(
            inbox.drain(),
            vec![InboxItem::Refused {
                reason: "the Zebra DataWedge scan intent carries no barcode data".into()
            }]
        );

        receive_extras_json(&inbox, r#"{"android.intent.extra.TEXT": "hi"}"#, Utc::now())
            .unwrap_err();
        let InboxItem::Refused { reason } = &inbox.drain()[0] else {
            panic!("expected a refusal");
        };
        assert!(
            reason.contains("check the intent output settings"),
            "{reason}"
        );
    }

    #[test]
    fn scans_wait_in_order_until_drained_and_each_push_wakes_the_ui() {
        let inbox = ScanInbox::new();
        // Before the UI has set a waker (activity still starting), scans wait.
        receive_extras_json(&inbox, r#"{"data": "A-03-2-B"}"#, Utc::now()).unwrap();
        let wakes = Arc::new(AtomicUsize::new(0));
        let counter = wakes.clone();
        inbox.set_waker(move || {
            counter.fetch_add(1, Ordering::SeqCst);
        });
        assert_eq!(
            wakes.load(Ordering::SeqCst),
            1,
            "a waker set late is woken at once for what already waits"
        );
        receive_extras_json(&inbox, r#"{"data": "09506000134352"}"#, Utc::now()).unwrap();
        assert_eq!(wakes.load(Ordering::SeqCst), 2);
        assert_eq!(inbox.len(), 2);
        let data: Vec<String> = scans(&inbox).into_iter().map(|s| s.data).collect();
        assert_eq!(data, ["A-03-2-B", "09506000134352"]);
        assert!(inbox.is_empty());
    }

    #[test]
    fn scans_from_many_receiver_threads_are_all_kept() {
        let inbox = Arc::new(ScanInbox::new());
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let inbox = inbox.clone();
                std::thread::spawn(move || {
                    for i in 0..50 {
                        let json = format!(r#"{{"data": "T{t}-{i}"}}"#);
                        receive_extras_json(&inbox, &json, Utc::now()).unwrap();
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        let mut data: Vec<String> = scans(&inbox).into_iter().map(|s| s.data).collect();
        assert_eq!(data.len(), 200);
        data.sort();
        data.dedup();
        assert_eq!(data.len(), 200, "no scan lost or doubled");
    }
}
