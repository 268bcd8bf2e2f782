//! Conflicts (supervisor devices): the warehouse's undecided conflicts from the server, one
//! conflict's evidence made readable (what each device did, the balances, the counts), and
//! the four resolutions. No Slint here; the adapter turns these answers into words.
//!
//! The queue lives on the server, so every call is a request. Requests run through
//! [`Runner`]: on the desktop on the tokio runtime with the answer handed back to the UI
//! thread; in tests, screenshots and benches inline. Which server and token come from the
//! journal's credentials at each call, so a device set up again needs no restart.
//! Who may do what is the server's decision (`docs/server.md`: supervisor and admin read,
//! only supervisor resolves); the controller asks it (`GET /v1/me`, which any role may ask)
//! and says so instead of failing later.
//!
//! Offline, the last answer to `GET /v1/me` for the same server and token (kept in memory
//! for the app's run) still decides: a picker's handheld keeps its note that conflicts are
//! supervisors' work rather than sending the picker to look for a network that would not
//! change it; a supervisor's handheld is told the server cannot be reached (the queue only
//! lives there); a device that has not reached the server since it started is told the
//! same. The role is not written to the journal: it is the server's to change.

use std::cell::{OnceCell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use dockhand_app::domain::{DeviceId, EventBody, RawEvent};
use dockhand_app::protocol::WhoAmI;
use dockhand_app::sync::SyncError;
use dockhand_app::sync::supervisor::{
    BalanceAdjustment, ConflictAccess, ConflictDetail, ConflictSummary, DeviceRecord,
    ResolutionAction, ResolveRequest, SupervisorClient, SupervisorError,
};
use serde_json::Value;

use super::SharedJournal;

/// A request's answer, whenever it comes.
pub type ApiFuture<T> = Pin<Box<dyn Future<Output = Result<T, SupervisorError>> + Send>>;

/// The server calls the conflict screens make; [`SupervisorClient`] is the real one.
pub trait SupervisorApi: Send + Sync {
    /// `GET /v1/me`: this device and what its role may do.
    fn whoami(&self) -> ApiFuture<WhoAmI>;
    fn devices(&self) -> ApiFuture<Vec<DeviceRecord>>;
    /// Undecided conflicts (open or waiting for a recount).
    fn queue(&self) -> ApiFuture<Vec<ConflictSummary>>;
    fn detail(&self, id: i64) -> ApiFuture<ConflictDetail>;
    fn resolve(&self, id: i64, request: ResolveRequest) -> ApiFuture<ConflictDetail>;
}

/// Most conflicts the list shows at once.
pub const QUEUE_LIMIT: u32 = 200;

impl SupervisorApi for SupervisorClient {
    fn whoami(&self) -> ApiFuture<WhoAmI> {
        let client = self.clone();
        Box::pin(async move { client.whoami().await })
    }
    fn devices(&self) -> ApiFuture<Vec<DeviceRecord>> {
        let client = self.clone();
        Box::pin(async move { client.devices().await })
    }
    fn queue(&self) -> ApiFuture<Vec<ConflictSummary>> {
        let client = self.clone();
        Box::pin(async move { client.undecided_conflicts(QUEUE_LIMIT).await })
    }
    fn detail(&self, id: i64) -> ApiFuture<ConflictDetail> {
        let client = self.clone();
        Box::pin(async move { client.conflict(id).await })
    }
    fn resolve(&self, id: i64, request: ResolveRequest) -> ApiFuture<ConflictDetail> {
        let client = self.clone();
        Box::pin(async move { client.resolve(id, &request).await })
    }
}

/// Where requests run.
#[derive(Debug, Clone)]
pub enum Runner {
    /// Block the calling thread on a small runtime of its own: tests, screenshots, benches.
    Inline,
    /// Run on this runtime; the answer comes back on the UI thread's event loop.
    Background(tokio::runtime::Handle),
}

/// Why the screen cannot show the queue, or what went wrong with a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trouble {
    /// No server address or token on this device yet.
    NotSetUp,
    /// The server cannot be reached (or is failing); conflicts live on the server.
    Offline(String),
    /// This device's role may not see conflicts; the server's reason.
    Denied(String),
    /// The token was refused: enrol the device again.
    Unauthorized(String),
    /// Someone decided this conflict first.
    AlreadyDecided(String),
    /// The server refused the request as given, or answered something unexpected.
    Refused(String),
}

impl Trouble {
    fn from_error(error: SupervisorError) -> Trouble {
        match error {
            SupervisorError::Sync(SyncError::Network(m)) => Trouble::Offline(m),
            SupervisorError::Sync(SyncError::Server { status, message }) => {
                Trouble::Offline(format!("{status}: {message}"))
            }
            SupervisorError::Sync(SyncError::Forbidden(m)) => Trouble::Denied(m),
            SupervisorError::Sync(SyncError::Unauthorized(m)) => Trouble::Unauthorized(m),
            SupervisorError::AlreadyDecided(m) => Trouble::AlreadyDecided(m),
            other => Trouble::Refused(other.to_string()),
        }
    }
}

/// One row of the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueRow {
    pub id: i64,
    pub kind: String,
    /// The server's sentence: what happened.
    pub message: String,
    /// Who did it: a device name, or "this device".
    pub device: DeviceName,
    pub created_at: DateTime<Utc>,
    /// Stock is short now (a pick or move found less than recorded): work waits on it.
    pub blocks_work: bool,
    pub recount_requested: bool,
    /// The evidence, when it was fetched with the queue: the row's one sentence.
    pub view: Option<ConflictView>,
}

/// The queue as the list screen shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queue {
    pub access: ConflictAccess,
    /// Empty when the access is [`ConflictAccess::NotForRole`].
    pub rows: Vec<QueueRow>,
}

/// How a device is named on screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceName {
    ThisDevice,
    Named(String),
    /// Not in the device list: the first characters of its id.
    Unknown(String),
    /// No device (a server-side action).
    Server,
}

/// One line of evidence, as data; the adapter words it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Evidence {
    /// What a device recorded: `kind` (pick, move, …) of `lines` from/to bins.
    Did {
        device: DeviceName,
        operator: String,
        at: DateTime<Utc>,
        kind: String,
        lines: Vec<(String, i64)>,
        from: Option<String>,
        to: Option<String>,
    },
    /// A balance that came up short: what the server had, what was asked, what was missing.
    Short {
        item: String,
        location: String,
        lot: Option<String>,
        before: i64,
        asked: i64,
        short: i64,
    },
    /// A recent movement on that balance.
    Movement {
        device: DeviceName,
        at: DateTime<Utc>,
        delta: i64,
        cause: String,
    },
    /// An outdated count: counted at `at`, variance as first computed and after the late
    /// movement.
    Count {
        item: String,
        location: String,
        at: Option<DateTime<Utc>>,
        counted: i64,
        variance_before: i64,
        variance_after: i64,
    },
    /// A receipt against an ASN/PO line.
    Receipt {
        expected: i64,
        received_before: i64,
        received_after: i64,
        tolerance_pct: i64,
    },
    /// Why the server refused an event (quarantine), or names it did not know.
    Refused(String),
    /// A decision already taken (e.g. a recount asked for).
    Decided {
        action: String,
        by: DeviceName,
        at: Option<DateTime<Utc>>,
    },
}

/// What a resolution would do to stock, as data for the buttons' words.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Effects {
    /// The event's kind (`pick`, `move`, …), or empty when there is none.
    pub event_kind: String,
    /// The event never touched stock (quarantined, unknown item or bin).
    pub refused_event: bool,
    /// Units parked in discrepancy that accept writes off: (item, bin, units).
    pub write_off: Vec<(String, String, i64)>,
    /// What reject gives back: (item, bin, signed units as the reversal moves them).
    pub reversal: Vec<(String, String, i64)>,
    /// The balance an adjustment corrects (item, bin, lot, status); `None` when the
    /// conflict names no balance.
    pub target: Option<BalanceAdjustment>,
}

/// One conflict made readable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConflictView {
    pub id: i64,
    pub kind: String,
    pub state: String,
    pub message: String,
    pub device: DeviceName,
    pub created_at: DateTime<Utc>,
    pub evidence: Vec<Evidence>,
    pub effects: Effects,
    /// Names of the items named, by SKU, from this device's catalogue.
    pub item_names: std::collections::BTreeMap<String, String>,
}

/// Kinds where stock is short now: listed first, because work waits on them.
pub fn blocks_work(kind: &str) -> bool {
    matches!(
        kind,
        "pick_beyond_balance" | "move_from_empty" | "stock_shortfall" | "reservation_broken"
    )
}

/// Blocking conflicts first, then newest first.
pub fn sort_queue(rows: &mut [QueueRow]) {
    rows.sort_by(|a, b| {
        b.blocks_work
            .cmp(&a.blocks_work)
            .then(b.created_at.cmp(&a.created_at))
            .then(b.id.cmp(&a.id))
    });
}

/// Names a device for the screen.
pub fn device_name(id: Option<DeviceId>, me: DeviceId, devices: &[DeviceRecord]) -> DeviceName {
    let Some(id) = id else {
        return DeviceName::Server;
    };
    if id == me {
        return DeviceName::ThisDevice;
    }
    match devices.iter().find(|d| d.device_id == id) {
        Some(device) if !device.name.trim().is_empty() => DeviceName::Named(device.name.clone()),
        _ => DeviceName::Unknown(id.to_string().chars().take(8).collect()),
    }
}

fn text(value: &Value) -> Option<String> {
    value.as_str().map(str::to_owned)
}

fn lot_of(key: &Value) -> Option<String> {
    text(&key["lot"]).filter(|lot| !lot.is_empty())
}

fn time(value: &Value) -> Option<DateTime<Utc>> {
    serde_json::from_value(value.clone()).ok()
}

fn device_id(value: &Value) -> Option<DeviceId> {
    serde_json::from_value(value.clone()).ok()
}

/// The event in the evidence (or the conflict's event) decoded with the domain's types.
fn decoded_event(value: &Value) -> Option<dockhand_app::domain::Event> {
    let raw: RawEvent = serde_json::from_value(value.clone()).ok()?;
    raw.decode().ok()
}

/// "Picker 2 (ana) picked 1 × SKU-1 from A-1 into TOTE-2 at 08:07".
fn did(event: &dockhand_app::domain::Event, me: DeviceId, devices: &[DeviceRecord]) -> Evidence {
    let line = |l: &dockhand_app::domain::StockLine| (l.item.to_string(), l.qty.units());
    let (lines, from, to) = match &event.body {
        EventBody::Receive(r) => (vec![line(&r.line)], None, Some(r.to.to_string())),
        EventBody::Putaway(p) => (
            vec![line(&p.line)],
            Some(p.from.to_string()),
            Some(p.to.to_string()),
        ),
        EventBody::Move(m) => (
            vec![line(&m.line)],
            Some(m.from.to_string()),
            Some(m.to.to_string()),
        ),
        EventBody::Pick(p) => (
            vec![line(&p.line)],
            Some(p.from.to_string()),
            Some(p.to.to_string()),
        ),
        EventBody::Pack(p) => (
            p.lines.iter().map(line).collect(),
            Some(p.from.to_string()),
            Some(p.to.to_string()),
        ),
        EventBody::Ship(s) => (
            s.lines.iter().map(line).collect(),
            Some(s.from.to_string()),
            None,
        ),
        EventBody::Count(c) => (
            vec![(c.item.to_string(), c.counted.units())],
            Some(c.location.to_string()),
            None,
        ),
        EventBody::Adjust(a) => (
            vec![(a.item.to_string(), a.delta)],
            Some(a.location.to_string()),
            None,
        ),
        EventBody::StatusChange(s) => (vec![line(&s.line)], Some(s.location.to_string()), None),
        EventBody::QualityDecision(_)
        | EventBody::ReceiptClosed(_)
        | EventBody::SsccAllocated(_) => (vec![], None, None),
    };
    Evidence::Did {
        device: device_name(Some(event.header.device_id), me, devices),
        operator: event.header.operator.to_string(),
        at: event.header.occurred_at,
        kind: event.body.kind().to_owned(),
        lines,
        from,
        to,
    }
}

/// Turns a conflict's JSON evidence into lines a supervisor reads, and works out what each
/// resolution would do to stock. Unknown evidence fields are ignored, never fatal.
pub fn describe(detail: &ConflictDetail, me: DeviceId, devices: &[DeviceRecord]) -> ConflictView {
    let summary = &detail.summary;
    let evidence_json = &detail.evidence;
    let event_json = detail
        .event
        .as_ref()
        .or_else(|| evidence_json.get("event"))
        .or_else(|| evidence_json.get("late_event"));
    let event = event_json.and_then(decoded_event);
    let mut evidence = Vec::new();
    let mut effects = Effects {
        event_kind: event
            .as_ref()
            .map(|e| e.body.kind().to_owned())
            .or_else(|| event_json.and_then(|e| text(&e["kind"])))
            .unwrap_or_default(),
        refused_event: matches!(
            summary.kind.as_str(),
            "quarantined" | "unknown_item" | "unknown_location" | "duplicate_event_id"
        ),
        ..Effects::default()
    };

    if let Some(event) = &event {
        evidence.push(did(event, me, devices));
        if !effects.refused_event {
            effects.reversal = event
                .body
                .stock_effects()
                .into_iter()
                .map(|e| (e.item.to_string(), e.location.to_string(), -e.delta))
                .collect();
        }
    }
    if let Some(reason) = text(&evidence_json["reason"]) {
        evidence.push(Evidence::Refused(reason));
    }
    let unknown: Vec<String> = ["unknown_items", "unknown_locations"]
        .iter()
        .flat_map(|field| {
            evidence_json[*field]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .filter_map(|v| text(&v))
        .collect();
    if !unknown.is_empty() {
        evidence.push(Evidence::Refused(unknown.join(", ")));
    }

    for shortfall in evidence_json["shortfalls"].as_array().into_iter().flatten() {
        let key = &shortfall["key"];
        let (Some(item), Some(location)) = (text(&key["item"]), text(&key["location"])) else {
            continue;
        };
        let short = shortfall["shortfall"].as_i64().unwrap_or(0);
        evidence.push(Evidence::Short {
            item: item.clone(),
            location: location.clone(),
            lot: lot_of(key),
            before: shortfall["before"].as_i64().unwrap_or(0),
            asked: shortfall["requested"].as_i64().unwrap_or(0),
            short,
        });
        effects
            .write_off
            .push((item.clone(), location.clone(), short));
        if effects.target.is_none() {
            effects.target = adjustment_target(key);
        }
    }
    for recent in evidence_json["recent_movements"]
        .as_array()
        .into_iter()
        .flatten()
    {
        for movement in recent["movements"].as_array().into_iter().flatten() {
            let Some(at) = time(&movement["occurred_at"]) else {
                continue;
            };
            evidence.push(Evidence::Movement {
                device: device_name(device_id(&movement["device_id"]), me, devices),
                at,
                delta: movement["delta"].as_i64().unwrap_or(0),
                cause: text(&movement["cause"]).unwrap_or_default(),
            });
        }
    }
    if let Some(counted) = evidence_json["counted"].as_i64() {
        let key = &evidence_json["key"];
        evidence.push(Evidence::Count {
            item: text(&key["item"]).unwrap_or_default(),
            location: text(&key["location"]).unwrap_or_default(),
            at: time(&evidence_json["count_occurred_at"]),
            counted,
            variance_before: evidence_json["variance_before"].as_i64().unwrap_or(0),
            variance_after: evidence_json["variance_after"].as_i64().unwrap_or(0),
        });
        if effects.target.is_none() {
            effects.target = adjustment_target(key);
        }
        // Rejecting an outdated count's conflict reverses the late movement only.
    }
    if let Some(expected) = evidence_json["expected"].as_i64() {
        evidence.push(Evidence::Receipt {
            expected,
            received_before: evidence_json["received_before"].as_i64().unwrap_or(0),
            received_after: evidence_json["received_after"].as_i64().unwrap_or(0),
            tolerance_pct: evidence_json["tolerance_pct"].as_i64().unwrap_or(0),
        });
    }
    if effects.target.is_none() && !effects.refused_event {
        // The bin the event took from (or put into, for a receipt).
        effects.target = event.as_ref().and_then(|event| {
            let mut moved = event.body.stock_effects();
            moved.sort_by_key(|e| e.delta);
            moved.into_iter().next().map(|e| BalanceAdjustment {
                item: e.item,
                location: e.location,
                lot: e.lot,
                status: e.status,
                delta: 0,
            })
        });
    }
    for resolution in &detail.resolutions {
        evidence.push(Evidence::Decided {
            action: text(&resolution["action"]).unwrap_or_default(),
            by: device_name(device_id(&resolution["resolved_by"]), me, devices),
            at: time(&resolution["resolved_at"]),
        });
    }

    ConflictView {
        id: summary.id,
        kind: summary.kind.clone(),
        state: summary.state.clone(),
        message: summary.message.clone(),
        device: device_name(summary.device_id, me, devices),
        created_at: summary.created_at,
        evidence,
        effects,
        item_names: Default::default(),
    }
}

/// A balance key of the evidence as the target of an adjustment (delta filled in later).
fn adjustment_target(key: &Value) -> Option<BalanceAdjustment> {
    let mut key = key.clone();
    if key["lot"].as_str() == Some("") {
        key["lot"] = Value::Null;
    }
    key["delta"] = Value::from(0);
    // A `discrepancy` key (the server's own bucket) is no `StockStatus`, so never a target.
    serde_json::from_value(key).ok()
}

/// Decides what the conflict screens show; see the module comment.
pub struct ConflictsController {
    journal: SharedJournal,
    runner: RefCell<Runner>,
    inline_runtime: OnceCell<tokio::runtime::Runtime>,
    /// A stand-in for the server (screenshots, tests); `None` uses the journal's server.
    api: RefCell<Option<Arc<dyn SupervisorApi>>>,
    /// The device list of the last load, for names.
    devices: RefCell<Vec<DeviceRecord>>,
    access: RefCell<Option<ConflictAccess>>,
    /// The server's last answer to `GET /v1/me`, with the credentials it was given for.
    identity: RefCell<Option<KnownIdentity>>,
    /// The conflict on screen and the resolution being confirmed.
    current: RefCell<Option<ConflictView>>,
}

impl std::fmt::Debug for ConflictsController {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConflictsController")
            .field("runner", &self.runner)
            .field("access", &self.access)
            .finish_non_exhaustive()
    }
}

/// How long one request may take before the screen says the server is unreachable.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

impl ConflictsController {
    pub fn new(journal: SharedJournal) -> Self {
        Self {
            journal,
            runner: RefCell::new(Runner::Inline),
            inline_runtime: OnceCell::new(),
            api: RefCell::new(None),
            devices: RefCell::new(Vec::new()),
            access: RefCell::new(None),
            identity: RefCell::new(None),
            current: RefCell::new(None),
        }
    }

    /// Requests run on `runner` from now on.
    pub fn set_runner(&self, runner: Runner) {
        *self.runner.borrow_mut() = runner;
    }

    /// Talks to `api` instead of the server in the journal's credentials.
    pub fn use_api(&self, api: Arc<dyn SupervisorApi>) {
        *self.api.borrow_mut() = Some(api);
    }

    fn me(&self) -> DeviceId {
        self.journal.borrow().device_id()
    }

    /// Fills in the names this device's catalogue has for the items the conflict names.
    fn name_items(&self, view: &mut ConflictView) {
        let skus: Vec<String> = view
            .evidence
            .iter()
            .flat_map(|e| match e {
                Evidence::Did { lines, .. } => lines.iter().map(|(sku, _)| sku.clone()).collect(),
                Evidence::Short { item, .. } | Evidence::Count { item, .. } => vec![item.clone()],
                _ => vec![],
            })
            .collect();
        let journal = self.journal.borrow();
        for sku in skus {
            let Ok(code) = dockhand_app::domain::Sku::new(&sku) else {
                continue;
            };
            if let Ok(Some(item)) = journal.item_by_sku(&code) {
                view.item_names.insert(sku, item.name);
            }
        }
    }

    /// The server and token requests go to now (`None` before set-up).
    fn credentials(&self) -> Option<(String, String)> {
        self.journal.borrow().credentials().ok().flatten()
    }

    /// The last `GET /v1/me` answer, if it was given for the credentials in use now.
    fn known_identity(&self, credentials: &Option<(String, String)>) -> Option<WhoAmI> {
        self.identity
            .borrow()
            .as_ref()
            .filter(|known| &known.credentials == credentials)
            .map(|known| known.me.clone())
    }

    fn api(&self) -> Result<Arc<dyn SupervisorApi>, Trouble> {
        if let Some(api) = self.api.borrow().as_ref() {
            return Ok(api.clone());
        }
        let credentials = self
            .journal
            .borrow()
            .credentials()
            .map_err(|e| Trouble::Refused(e.to_string()))?;
        let (url, token) = credentials.ok_or(Trouble::NotSetUp)?;
        let client = SupervisorClient::new(&url, &token, REQUEST_TIMEOUT)
            .map_err(|e| Trouble::Refused(e.to_string()))?;
        Ok(Arc::new(client))
    }

    /// Runs `work` where requests run and hands its answer to `done` on this thread.
    pub fn run<T: Send + 'static>(
        &self,
        work: impl Future<Output = T> + Send + 'static,
        done: impl FnOnce(T) + 'static,
    ) {
        let runner = self.runner.borrow().clone();
        match runner {
            Runner::Inline => {
                let runtime = self.inline_runtime.get_or_init(|| {
                    tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .unwrap_or_else(|error| {
                            panic!("cannot start a runtime for the conflict screens: {error}")
                        })
                });
                done(runtime.block_on(work));
            }
            Runner::Background(handle) => {
                let task = handle.spawn(work);
                let spawned = slint::spawn_local(async move {
                    match task.await {
                        Ok(answer) => done(answer),
                        Err(error) => tracing::error!(%error, "a conflict request failed"),
                    }
                });
                if let Err(error) = spawned {
                    tracing::error!(%error, "cannot hand a conflict request to the event loop");
                }
            }
        }
    }

    /// Loads the access and the queue: a future for [`Self::run`], then
    /// [`Self::queue_loaded`] with its answer. A device whose role has no conflict screens
    /// asks nothing more than `GET /v1/me`; offline, it goes by the last answer (see the
    /// module comment).
    pub fn load_queue(&self) -> impl Future<Output = QueueAnswer> + Send + 'static {
        let api = self.api();
        let credentials = self.credentials();
        let known = self.known_identity(&credentials);
        async move {
            let api = api?;
            let (me, fresh) = match api.whoami().await {
                Ok(me) => (me, true),
                Err(error) => match (Trouble::from_error(error), known) {
                    (Trouble::Offline(_), Some(known))
                        if !ConflictAccess::of(&known).can_read() =>
                    {
                        (known, false)
                    }
                    (trouble, _) => return Err(trouble),
                },
            };
            let mut load = QueueLoad {
                credentials,
                fresh,
                me,
                devices: Vec::new(),
                queue: Vec::new(),
                details: Vec::new(),
            };
            if !ConflictAccess::of(&load.me).can_read() {
                return Ok(load);
            }
            // Names only; a role that may read conflicts but not list devices sees ids.
            if load.me.can_list_devices {
                load.devices = api.devices().await.map_err(Trouble::from_error)?;
            }
            let queue = api.queue().await.map_err(Trouble::from_error)?;
            // The first rows' evidence, all at once, so each row can say what happened.
            let mut fetches = tokio::task::JoinSet::new();
            for conflict in queue.iter().take(ROWS_WITH_EVIDENCE) {
                fetches.spawn(api.detail(conflict.id));
            }
            let mut details = Vec::new();
            while let Some(fetched) = fetches.join_next().await {
                // A row without its evidence still shows the server's sentence.
                if let Ok(Ok(detail)) = fetched {
                    details.push(detail);
                }
            }
            load.queue = queue;
            load.details = details;
            Ok(load)
        }
    }

    /// Keeps what a queue load learnt and returns the list, blocking conflicts first.
    pub fn queue_loaded(&self, answer: QueueAnswer) -> Result<Queue, Trouble> {
        let load = match answer {
            Ok(load) => load,
            Err(trouble) => {
                if matches!(trouble, Trouble::Unauthorized(_)) {
                    // The token is refused: what it was allowed says nothing any more.
                    *self.identity.borrow_mut() = None;
                }
                return Err(trouble);
            }
        };
        let access = ConflictAccess::of(&load.me);
        if load.fresh {
            *self.identity.borrow_mut() = Some(KnownIdentity {
                credentials: load.credentials,
                me: load.me,
            });
        }
        let (devices, conflicts, details) = (load.devices, load.queue, load.details);
        let me = self.me();
        let mut rows: Vec<QueueRow> = conflicts
            .into_iter()
            .map(|c| QueueRow {
                view: details.iter().find(|d| d.summary.id == c.id).map(|d| {
                    let mut view = describe(d, me, &devices);
                    self.name_items(&mut view);
                    view
                }),
                device: device_name(c.device_id, me, &devices),
                blocks_work: blocks_work(&c.kind),
                recount_requested: c.state == "recount_requested",
                id: c.id,
                kind: c.kind,
                message: c.message,
                created_at: c.created_at,
            })
            .collect();
        sort_queue(&mut rows);
        *self.devices.borrow_mut() = devices;
        *self.access.borrow_mut() = Some(access.clone());
        Ok(Queue { access, rows })
    }

    /// What this device may do, as of the last load.
    pub fn access(&self) -> Option<ConflictAccess> {
        self.access.borrow().clone()
    }

    /// Loads one conflict: a future for [`Self::run`], then [`Self::detail_loaded`].
    pub fn load_detail(
        &self,
        id: i64,
    ) -> impl Future<Output = Result<ConflictDetail, Trouble>> + Send + 'static {
        let api = self.api();
        async move { api?.detail(id).await.map_err(Trouble::from_error) }
    }

    /// Makes a loaded conflict readable and remembers it as the one on screen.
    pub fn detail_loaded(
        &self,
        answer: Result<ConflictDetail, Trouble>,
    ) -> Result<ConflictView, Trouble> {
        let mut view = describe(&answer?, self.me(), &self.devices.borrow());
        self.name_items(&mut view);
        *self.current.borrow_mut() = Some(view.clone());
        Ok(view)
    }

    /// The conflict on screen.
    pub fn current(&self) -> Option<ConflictView> {
        self.current.borrow().clone()
    }

    /// The request a resolution sends: `delta` only for adjust (refused when zero or when
    /// the conflict names no balance).
    pub fn resolution(
        &self,
        action: ResolutionAction,
        delta: i64,
    ) -> Result<(i64, ResolveRequest), Trouble> {
        let current = self
            .current
            .borrow()
            .clone()
            .ok_or_else(|| Trouble::Refused("no conflict is open".into()))?;
        let adjustment = if action == ResolutionAction::Adjust {
            let mut target = current.effects.target.clone().ok_or_else(|| {
                Trouble::Refused(format!(
                    "conflict {} names no balance to adjust; accept or reject it",
                    current.id
                ))
            })?;
            if delta == 0 {
                return Err(Trouble::Refused(
                    "choose how many units to add or remove first".into(),
                ));
            }
            target.delta = delta;
            Some(target)
        } else {
            None
        };
        Ok((
            current.id,
            ResolveRequest {
                action,
                note: Some("resolved on the handheld".into()),
                adjustment,
            },
        ))
    }

    /// Sends a resolution: a future for [`Self::run`], then [`Self::detail_loaded`].
    pub fn resolve(
        &self,
        id: i64,
        request: ResolveRequest,
    ) -> impl Future<Output = Result<ConflictDetail, Trouble>> + Send + 'static {
        let api = self.api();
        async move { api?.resolve(id, request).await.map_err(Trouble::from_error) }
    }
}

/// What a queue load brings back.
pub type QueueAnswer = Result<QueueLoad, Trouble>;

/// A queue load's answers: who this device is, the device list (for names), the
/// conflicts and the evidence of the first [`ROWS_WITH_EVIDENCE`] of them.
#[derive(Debug)]
pub struct QueueLoad {
    /// The credentials the requests went out with.
    credentials: Option<(String, String)>,
    /// `me` is the server's answer now, not the remembered one (it could not be reached).
    fresh: bool,
    me: WhoAmI,
    devices: Vec<DeviceRecord>,
    queue: Vec<ConflictSummary>,
    details: Vec<ConflictDetail>,
}

/// The server's answer to `GET /v1/me` for one server and token.
#[derive(Debug, Clone)]
struct KnownIdentity {
    credentials: Option<(String, String)>,
    me: WhoAmI,
}

/// How many rows of the queue are fetched with their evidence (one request each).
pub const ROWS_WITH_EVIDENCE: usize = 30;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::sample_conflicts;
    use dockhand_app::domain::StockStatus;

    #[test]
    fn the_evidence_of_a_pick_race_reads_as_what_each_device_did() {
        let me = DeviceId::new_random();
        let (devices, details) = sample_conflicts::warehouse(me);
        let view = describe(&details[0], me, &devices);
        assert_eq!(view.kind, "pick_beyond_balance");
        assert_eq!(view.device, DeviceName::Named("Picker 2".into()));
        let Evidence::Did {
            kind, lines, from, ..
        } = &view.evidence[0]
        else {
            panic!("first the event: {:?}", view.evidence);
        };
        assert_eq!(kind, "pick");
        assert_eq!(lines, &[("1002".to_owned(), 1)]);
        assert_eq!(from.as_deref(), Some("A-03-2-B"));
        assert!(view.evidence.contains(&Evidence::Short {
            item: "1002".into(),
            location: "A-03-2-B".into(),
            lot: None,
            before: 0,
            asked: 1,
            short: 1,
        }));
        let movements: Vec<&DeviceName> = view
            .evidence
            .iter()
            .filter_map(|e| match e {
                Evidence::Movement { device, .. } => Some(device),
                _ => None,
            })
            .collect();
        assert_eq!(
            movements,
            [
                &DeviceName::Named("Picker 1".into()),
                &DeviceName::Named("Receiving 1".into())
            ]
        );
        assert_eq!(
            view.effects.write_off,
            [("1002".to_owned(), "A-03-2-B".to_owned(), 1)]
        );
        assert!(
            view.effects
                .reversal
                .contains(&("1002".to_owned(), "A-03-2-B".to_owned(), 1))
        );
        let target = view.effects.target.unwrap();
        assert_eq!(target.location.as_str(), "A-03-2-B");
        assert_eq!(target.status, StockStatus::Available);
    }

    #[test]
    fn stock_short_now_sorts_before_paperwork_and_names_fall_back_to_ids() {
        let me = DeviceId::new_random();
        let stranger = DeviceId::new_random();
        let at = |m: i64| DateTime::<Utc>::from_timestamp(1_800_000_000 + m * 60, 0).unwrap();
        let row = |id, kind: &str, minute| QueueRow {
            id,
            kind: kind.into(),
            message: String::new(),
            device: DeviceName::Server,
            created_at: at(minute),
            blocks_work: blocks_work(kind),
            recount_requested: false,
            view: None,
        };
        let mut rows = vec![
            row(3, "over_receipt", 30),
            row(1, "pick_beyond_balance", 10),
            row(2, "outdated_count", 20),
            row(4, "move_from_empty", 5),
        ];
        sort_queue(&mut rows);
        assert_eq!(rows.iter().map(|r| r.id).collect::<Vec<_>>(), [1, 4, 3, 2]);
        assert_eq!(device_name(Some(me), me, &[]), DeviceName::ThisDevice);
        assert_eq!(
            device_name(Some(stranger), me, &[]),
            DeviceName::Unknown(stranger.to_string()[..8].to_owned())
        );
        assert_eq!(device_name(None, me, &[]), DeviceName::Server);
    }

    #[test]
    fn an_adjustment_needs_a_conflict_a_balance_and_a_number() {
        let dir = tempfile::tempdir().unwrap();
        let journal = dockhand_app::journal::Journal::open(dir.path().join("d.db")).unwrap();
        let me = journal.device_id();
        let controller =
            ConflictsController::new(std::rc::Rc::new(std::cell::RefCell::new(journal)));
        assert!(matches!(
            controller.resolution(ResolutionAction::Accept, 0),
            Err(Trouble::Refused(_))
        ));
        // No credentials and no stand-in: the screen says "set up first", not an error.
        let answer = futures_lite_block(controller.load_queue());
        assert_eq!(controller.queue_loaded(answer), Err(Trouble::NotSetUp));

        let (devices, details) = sample_conflicts::warehouse(me);
        *controller.devices.borrow_mut() = devices;
        controller.detail_loaded(Ok(details[0].clone())).unwrap();
        assert!(matches!(
            controller.resolution(ResolutionAction::Adjust, 0),
            Err(Trouble::Refused(m)) if m.contains("how many")
        ));
        let (id, request) = controller.resolution(ResolutionAction::Adjust, -2).unwrap();
        assert_eq!(id, details[0].summary.id);
        let adjustment = request.adjustment.unwrap();
        assert_eq!(adjustment.delta, -2);
        assert_eq!(adjustment.location.as_str(), "A-03-2-B");
        let (_, accept) = controller.resolution(ResolutionAction::Accept, 5).unwrap();
        assert!(accept.adjustment.is_none());
    }

    fn futures_lite_block<T>(future: impl Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(future)
    }
}
