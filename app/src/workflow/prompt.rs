//! What the screen asks for next ([`Prompt`]) and how the last input went ([`Feedback`]),
//! as structured data for the UI plus [`Prompt::text`] for the CLI. The words come from
//! [`super::text`]; this module holds no wording of its own.

use serde::Serialize;

use crate::domain::{LocationCode, LotCode, Qty, Sku};

use super::text;

/// An item as shown to the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemLabel {
    pub sku: Sku,
    pub name: String,
}

impl ItemLabel {
    pub fn words(&self) -> String {
        text::item(&self.sku, &self.name)
    }
}

/// One line of a receipt as the clerk sees it. `expected` is `None` in blind receiving.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReceiptProgress {
    pub item: ItemLabel,
    pub expected: Option<Qty>,
    pub received: Qty,
}

/// What to do now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "prompt", rename_all = "snake_case")]
pub enum Prompt {
    ScanInboundDocument,
    /// Live receipt: every line with its variance so far.
    ReceiveItems {
        document: Option<String>,
        lines: Vec<ReceiptProgress>,
    },
    /// A tracked item was scanned without its lot or expiry: scan its other label or type
    /// what is missing. `lot` / `expiry` are what is known so far.
    ReceiveLotExpiry {
        item: ItemLabel,
        lot: Option<LotCode>,
        expiry: Option<chrono::NaiveDate>,
        need_lot: bool,
        need_expiry: bool,
    },
    EnterQuantity {
        item: ItemLabel,
        unit: String,
        base_units: u32,
    },
    ScanSerials {
        item: ItemLabel,
        scanned: usize,
        of: Qty,
    },
    QualityDecision {
        item: ItemLabel,
        qty: Qty,
    },
    ReceiptClosed {
        document: String,
        /// Lines whose received quantity differs from the expected one.
        variances: Vec<ReceiptProgress>,
    },
    BlindReceiptDone {
        lines: usize,
    },
    ScanPutawayItem {
        dock: LocationCode,
    },
    ScanPutawayBin {
        item: ItemLabel,
        qty: Qty,
        suggested: Option<LocationCode>,
    },
    ScanOverrideBin {
        item: ItemLabel,
        reason: String,
    },
    ScanTote,
    ScanPickLocation {
        location: LocationCode,
        item: ItemLabel,
        qty: Qty,
        lot: Option<LotCode>,
        line: usize,
        of: usize,
    },
    ScanPickItem {
        location: LocationCode,
        item: ItemLabel,
        qty: Qty,
        lot: Option<LotCode>,
        line: usize,
        of: usize,
    },
    /// A later lot was scanned: pick the earliest one or give a reason.
    FefoReason {
        item: ItemLabel,
        scanned_lot: LotCode,
        scanned_expiry: Option<chrono::NaiveDate>,
        earliest_lot: LotCode,
        earliest_expiry: chrono::NaiveDate,
    },
    PickQuantity {
        item: ItemLabel,
        remaining: Qty,
        /// The unit scanned (a case counts as its pack size).
        unit: String,
        base_units: u32,
    },
    TaskComplete {
        task: String,
        lines: usize,
        short: usize,
    },
    ScanOrder,
    ScanOrderTote {
        order: String,
    },
    PackItems {
        order: String,
        remaining: Vec<(ItemLabel, Qty)>,
        in_carton: i64,
    },
    ScanCartonLabel {
        order: String,
    },
    OrderPacked {
        order: String,
        cartons: usize,
    },
    CountItems {
        location: LocationCode,
        counted_lines: usize,
    },
    CountQuantity {
        item: ItemLabel,
        lot: Option<LotCode>,
        unit: String,
        base_units: u32,
    },
    /// Blind count of a serialised item: how many serials so far, never how many expected.
    CountSerials {
        item: ItemLabel,
        scanned: usize,
    },
    Recount {
        item: ItemLabel,
        lot: Option<LotCode>,
    },
    CountComplete {
        location: LocationCode,
        lines: usize,
    },
    ScanSourceBin,
    ScanMoveItem {
        from: LocationCode,
    },
    MoveQuantity {
        item: ItemLabel,
        available: i64,
    },
    ScanTargetBin {
        item: ItemLabel,
        qty: Qty,
    },
    ChooseChange {
        item: ItemLabel,
        qty: Qty,
    },
    JobLeft,
}

impl Prompt {
    /// The prompt in words, as the CLI prints it.
    pub fn text(&self) -> String {
        match self {
            Prompt::ScanInboundDocument => text::scan_inbound_document(),
            Prompt::ReceiveItems { document, lines } => {
                let mut out = text::receiving_on(document.as_deref());
                for line in lines {
                    out.push_str("\n  ");
                    out.push_str(&text::receipt_line(
                        &line.item.words(),
                        line.expected,
                        line.received,
                    ));
                }
                out
            }
            Prompt::ReceiveLotExpiry {
                item,
                need_lot,
                need_expiry,
                ..
            } => text::lot_expiry_needed(&item.words(), *need_lot, *need_expiry),
            Prompt::EnterQuantity {
                item,
                unit,
                base_units,
            } => text::enter_quantity(&item.words(), unit, *base_units),
            Prompt::ScanSerials { item, scanned, of } => {
                text::scan_serials(&item.words(), *scanned, *of)
            }
            Prompt::QualityDecision { item, qty } => text::quality_decision(&item.words(), *qty),
            Prompt::ReceiptClosed {
                document,
                variances,
            } => {
                let lines: Vec<String> = variances
                    .iter()
                    .map(|v| text::receipt_line(&v.item.words(), v.expected, v.received))
                    .collect();
                text::receipt_summary(document, &lines)
            }
            Prompt::BlindReceiptDone { lines } => text::blind_receipt_done(*lines),
            Prompt::ScanPutawayItem { dock } => text::scan_item_to_put_away(dock),
            Prompt::ScanPutawayBin {
                item,
                qty,
                suggested,
            } => text::take_to_bin(&item.words(), *qty, suggested.as_ref()),
            Prompt::ScanOverrideBin { item, reason } => text::scan_other_bin(&item.words(), reason),
            Prompt::ScanTote => text::scan_tote(),
            Prompt::ScanPickLocation {
                location,
                item,
                qty,
                lot,
                line,
                of,
            } => text::go_to(
                location,
                *qty,
                &item.words(),
                lot.as_ref(),
                &text::progress(*line, *of),
            ),
            Prompt::ScanPickItem {
                location,
                item,
                qty,
                lot,
                line,
                of,
            } => text::scan_pick_item(
                *qty,
                &item.words(),
                lot.as_ref(),
                location,
                &text::progress(*line, *of),
            ),
            Prompt::FefoReason {
                scanned_lot,
                scanned_expiry,
                earliest_lot,
                earliest_expiry,
                ..
            } => {
                text::fefo_earlier_lot(scanned_lot, *scanned_expiry, earliest_lot, *earliest_expiry)
            }
            Prompt::PickQuantity {
                item,
                remaining,
                unit,
                base_units,
            } => text::pick_quantity(&item.words(), *remaining, unit, *base_units),
            Prompt::TaskComplete { task, lines, short } => {
                text::task_complete(task, *lines, *short)
            }
            Prompt::ScanOrder => text::scan_order(),
            Prompt::ScanOrderTote { order } => text::scan_order_tote(order),
            Prompt::PackItems {
                order,
                remaining,
                in_carton,
            } => {
                let remaining: Vec<String> = remaining
                    .iter()
                    .map(|(item, qty)| text::qty_of(*qty, &item.words()))
                    .collect();
                text::pack_items(order, &remaining, *in_carton)
            }
            Prompt::ScanCartonLabel { order } => text::scan_carton_label(order),
            Prompt::OrderPacked { order, cartons } => text::order_packed(order, *cartons),
            Prompt::CountItems {
                location,
                counted_lines,
            } => text::count_location(location, *counted_lines),
            Prompt::CountQuantity {
                item,
                lot,
                unit,
                base_units,
            } => text::count_quantity(&item.words(), lot.as_ref(), unit, *base_units),
            Prompt::CountSerials { item, scanned } => text::count_serials(&item.words(), *scanned),
            Prompt::Recount { item, lot } => text::count_again(&item.words(), lot.as_ref()),
            Prompt::CountComplete { location, lines } => text::count_complete(location, *lines),
            Prompt::ScanSourceBin => text::scan_source_bin(),
            Prompt::ScanMoveItem { from } => text::scan_move_item(from),
            Prompt::MoveQuantity { item, available } => {
                text::move_quantity(&item.words(), *available)
            }
            Prompt::ScanTargetBin { item, qty } => text::scan_target_bin(*qty, &item.words()),
            Prompt::ChooseChange { item, qty } => text::choose_change(&item.words(), *qty),
            Prompt::JobLeft => text::job_left(),
        }
    }
}

/// How the last input went: the green flash, the red buzz with its reason, or a note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "feedback", rename_all = "snake_case")]
pub enum Feedback {
    /// Accepted. `message` says what was done, when there is something to say.
    Good { message: Option<String> },
    /// Refused: nothing was recorded and the job is where it was.
    Bad { message: String },
    /// Accepted, but a decision is needed (e.g. a reason for a later lot).
    Warn { message: String },
}

impl Feedback {
    pub fn good() -> Feedback {
        Feedback::Good { message: None }
    }

    pub fn good_with(message: String) -> Feedback {
        Feedback::Good {
            message: Some(message),
        }
    }

    pub fn is_bad(&self) -> bool {
        matches!(self, Feedback::Bad { .. })
    }

    pub fn text(&self) -> Option<String> {
        match self {
            Feedback::Good { message } => message.as_deref().map(text::feedback_good),
            Feedback::Bad { message } => Some(text::feedback_bad(message)),
            Feedback::Warn { message } => Some(text::feedback_warn(message)),
        }
    }
}
