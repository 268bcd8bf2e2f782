//! Every word a picker sees from a workflow: prompts, good/bad feedback, summaries. One
//! catalogue so it can be translated; workflows and prompts call these functions and never
//! build user-facing text themselves. The user's words only (bin, item, lot, carton), never
//! the code's (event, projection, journal).

use chrono::NaiveDate;

use crate::domain::{LocationCode, LotCode, Qty, SerialNumber, Sku, StockStatus};

/// "SKU 1002 Blue Mug".
pub fn item(sku: &Sku, name: &str) -> String {
    if name.is_empty() {
        format!("SKU {sku}")
    } else {
        format!("SKU {sku} {name}")
    }
}

/// "12 each", "2 cases of 12" style quantity with its unit.
pub fn units(qty: Qty) -> String {
    format!("{qty} each")
}

pub fn packs(count: u32, unit: &str, base_units: u32) -> String {
    if base_units <= 1 {
        format!("{count} each")
    } else {
        format!(
            "{count} x {unit} of {base_units} = {} each",
            u64::from(count) * u64::from(base_units)
        )
    }
}

pub fn progress(line: usize, of: usize) -> String {
    format!("line {line} of {of}")
}

// ---- general ----

pub fn storage_trouble(detail: &str) -> String {
    format!("Could not read the device's data ({detail}). Try again; call support if it repeats.")
}
pub fn unknown_barcode(data: &str, reason: Option<&str>) -> String {
    match reason {
        Some(reason) => format!("Unknown barcode {data}: {reason}"),
        None => format!("Unknown barcode {data}"),
    }
}
pub fn unknown_gtin(gtin: &str) -> String {
    format!("Unknown item: GTIN {gtin} is not in the catalog")
}
pub fn unknown_sku(sku: &Sku) -> String {
    format!("Unknown item: SKU {sku} is not in the catalog; sync and try again")
}
pub fn unknown_location(code: &LocationCode) -> String {
    format!("Unknown bin {code}: it is not in this warehouse's list")
}
pub fn not_expected_here(what: &str, want: &str) -> String {
    format!("Not expected here: scanned {what}. {want}")
}
pub fn lot_required(item: &str) -> String {
    format!("Lot missing: scan the label with the lot number for {item}")
}
pub fn expiry_required(item: &str) -> String {
    format!("Expiry missing: scan the label with the expiry date for {item}")
}
pub fn serial_required(item: &str) -> String {
    format!("Serial missing: {item} needs one scan per unit with its serial number")
}
pub fn serial_twice(serial: &SerialNumber) -> String {
    format!("Serial {serial} was already scanned")
}
pub fn scan_serials_not_quantity(item: &str) -> String {
    format!("{item} is serialised: scan each unit instead of typing a quantity")
}
pub fn zero_quantity() -> String {
    "Quantity must be at least 1".to_owned()
}
pub fn quantity_too_large() -> String {
    "That quantity is too large".to_owned()
}
pub fn finish_quantity_first(item: &str) -> String {
    format!("Enter the quantity for {item} first")
}
pub fn not_now() -> String {
    "That does not apply here".to_owned()
}
pub fn reason_required() -> String {
    "Give a reason".to_owned()
}
pub fn job_left() -> String {
    "Job left; you can continue it later".to_owned()
}
pub fn job_finished() -> String {
    "Job finished".to_owned()
}

// ---- receiving ----

pub fn scan_inbound_document() -> String {
    "Scan the ASN, PO or pallet label".to_owned()
}
pub fn unknown_document(number: &str) -> String {
    format!("Unknown document {number}: it is not on this device; sync and try again")
}
pub fn unknown_pallet(sscc: &str) -> String {
    format!("Unknown pallet {sscc}: no open ASN has this label")
}
pub fn document_closed(number: &str) -> String {
    format!("{number} is closed: nothing more can be received on it")
}
pub fn receiving_on(document: Option<&str>) -> String {
    match document {
        Some(number) => format!("Receiving {number}: scan an item"),
        None => "Blind receiving: scan an item".to_owned(),
    }
}
pub fn receipt_line(item: &str, expected: Option<Qty>, received: Qty) -> String {
    match expected {
        None => format!("{item}: {received} received"),
        Some(expected) => {
            let diff = received.diff(expected);
            let variance = match diff {
                0 => "complete".to_owned(),
                d if d > 0 => format!("over by {d}"),
                d => format!("short by {}", -d),
            };
            let unexpected = if expected.is_zero() {
                " (not on document)"
            } else {
                ""
            };
            format!("{item}: {received} of {expected} received, {variance}{unexpected}")
        }
    }
}
pub fn unexpected_item(item: &str, document: &str) -> String {
    format!("{item} is not on {document}: it will be received as unexpected")
}
pub fn over_receipt(received: Qty, expected: Qty, document: &str) -> String {
    format!("Over-receipt: {received} of {expected} on {document}, check the delivery")
}
pub fn lot_expiry_needed(item: &str, lot: bool, expiry: bool) -> String {
    let what = match (lot, expiry) {
        (true, true) => "lot and expiry",
        (true, false) => "lot",
        _ => "expiry",
    };
    format!("{item}: scan the label with the {what}, or type it")
}
pub fn lot_expiry_first(item: &str) -> String {
    format!("Enter the lot and expiry for {item} first")
}
pub fn not_received(item: &str) -> String {
    format!("{item} not received: scan the next item")
}
pub fn enter_quantity(item: &str, unit: &str, base_units: u32) -> String {
    if base_units <= 1 {
        format!("{item}: enter quantity (each)")
    } else {
        format!("{item}: enter number of {unit} ({base_units} each per {unit})")
    }
}
pub fn received(item: &str, qty: Qty, status: StockStatus) -> String {
    match status {
        StockStatus::OnHold => format!("Received {} of {item}, on hold for quality", units(qty)),
        _ => format!("Received {} of {item}", units(qty)),
    }
}
pub fn quality_decision(item: &str, qty: Qty) -> String {
    format!("Quality check of {} {item}: pass, fail or hold", units(qty))
}
pub fn quality_recorded(item: &str, verdict: &str) -> String {
    format!("{item}: quality {verdict}")
}
pub fn receipt_summary(document: &str, lines: &[String]) -> String {
    if lines.is_empty() {
        format!("{document} closed: everything received as expected")
    } else {
        format!("{document} closed with differences: {}", lines.join("; "))
    }
}
pub fn blind_receipt_done(count: usize) -> String {
    format!("Blind receiving finished: {count} lines received")
}

// ---- putaway ----

pub fn scan_item_to_put_away(dock: &LocationCode) -> String {
    format!("Put away from {dock}: scan an item")
}
pub fn nothing_to_put_away(item: &str, dock: &LocationCode) -> String {
    format!("Nothing of {item} waits at {dock}")
}
pub fn only_waiting(qty: i64, item: &str, dock: &LocationCode) -> String {
    format!("Only {qty} each of {item} wait at {dock}")
}
pub fn take_to_bin(item: &str, qty: Qty, bin: Option<&LocationCode>) -> String {
    match bin {
        Some(bin) => format!("Take {} {item} to {bin}: scan the bin", units(qty)),
        None => format!("Take {} {item} to any free bin: scan the bin", units(qty)),
    }
}
pub fn wrong_putaway_bin(suggested: &LocationCode, scanned: &LocationCode) -> String {
    format!(
        "Wrong bin: suggested {suggested}, scanned {scanned}. Scan {suggested}, or override with a reason"
    )
}
pub fn scan_other_bin(item: &str, reason: &str) -> String {
    format!("Override ({reason}): scan the bin you put {item} in")
}
pub fn not_a_storage_bin(code: &LocationCode) -> String {
    format!("{code} is not a storage bin: scan a bin on a shelf")
}
pub fn put_away(item: &str, qty: Qty, bin: &LocationCode) -> String {
    format!("Put {} {item} in {bin}", units(qty))
}

// ---- picking ----

pub fn unknown_task(task: &str) -> String {
    format!("Unknown pick task {task}: sync and try again")
}
pub fn task_empty(task: &str) -> String {
    format!("Pick task {task} has nothing left to pick")
}
pub fn scan_tote() -> String {
    "Scan the tote to pick into".to_owned()
}
pub fn not_a_tote(code: &LocationCode) -> String {
    format!("{code} is not a tote or staging place: scan the tote's label")
}
pub fn go_to(
    location: &LocationCode,
    qty: Qty,
    item: &str,
    lot: Option<&LotCode>,
    progress: &str,
) -> String {
    match lot {
        Some(lot) => format!(
            "Go to {location}: pick {} {item} lot {lot} ({progress})",
            units(qty)
        ),
        None => format!("Go to {location}: pick {} {item} ({progress})", units(qty)),
    }
}
pub fn wrong_location(expected: &LocationCode, scanned: &LocationCode) -> String {
    format!("Wrong bin: go to {expected}, scanned {scanned}")
}
pub fn scan_pick_item(
    qty: Qty,
    item: &str,
    lot: Option<&LotCode>,
    location: &LocationCode,
    progress: &str,
) -> String {
    match lot {
        Some(lot) => format!(
            "At {location}: scan {} {item} lot {lot} ({progress})",
            units(qty)
        ),
        None => format!("At {location}: scan {} {item} ({progress})", units(qty)),
    }
}
pub fn wrong_item(expected_qty: Qty, expected: &str, scanned: &str) -> String {
    format!("Wrong item: expected {expected_qty} x {expected}, scanned {scanned}")
}
pub fn wrong_lot(expected: &LotCode, scanned: &LotCode) -> String {
    format!("Wrong lot: expected lot {expected}, scanned lot {scanned}")
}
pub fn fefo_earlier_lot(
    scanned: &LotCode,
    scanned_expiry: Option<NaiveDate>,
    earliest: &LotCode,
    earliest_expiry: NaiveDate,
) -> String {
    let scanned_expiry =
        scanned_expiry.map_or_else(|| "unknown expiry".to_owned(), |d| format!("expires {d}"));
    format!(
        "Lot {scanned} ({scanned_expiry}) is not first to go: lot {earliest} expires {earliest_expiry}. Pick lot {earliest}, or give a reason"
    )
}
pub fn pick_quantity(item: &str, remaining: Qty, unit: &str, base_units: u32) -> String {
    if base_units <= 1 {
        format!("{item}: enter quantity picked (asked {})", units(remaining))
    } else {
        format!(
            "{item}: enter number of {unit} picked ({base_units} each per {unit}; asked {})",
            units(remaining)
        )
    }
}
pub fn too_many(asked: Qty, entered: Qty) -> String {
    format!("Too many: this line asks for {asked}, entered {entered}")
}
pub fn picked(qty: Qty, item: &str) -> String {
    format!("Picked {} {item}", units(qty))
}
pub fn short_picked(picked: Qty, asked: Qty, item: &str) -> String {
    format!("Short pick recorded: {picked} of {asked} {item}")
}
pub fn line_skipped(item: &str) -> String {
    format!("{item} skipped: it comes back at the end")
}
pub fn scan_serials(item: &str, scanned: usize, of: Qty) -> String {
    format!("{item}: scan each unit's serial ({scanned} of {of})")
}
pub fn task_complete(task: &str, lines: usize, short: usize) -> String {
    if short == 0 {
        format!("Pick task {task} complete: {lines} lines picked")
    } else {
        format!("Pick task {task} complete: {lines} lines, {short} short")
    }
}

// ---- packing ----

pub fn scan_order() -> String {
    "Scan the order or its tote".to_owned()
}
pub fn unknown_order(order: &str) -> String {
    format!("Unknown order {order}: no pick on this device lists it")
}
pub fn scan_order_tote(order: &str) -> String {
    format!("Order {order}: scan the tote or staging place holding it")
}
pub fn nothing_picked_in(order: &str, location: &LocationCode) -> String {
    format!("Nothing picked for {order} is in {location}")
}
pub fn pack_items(order: &str, remaining: &[String], in_carton: i64) -> String {
    format!(
        "Order {order}: scan items into the carton ({in_carton} in carton). Still to pack: {}",
        remaining.join(", ")
    )
}
pub fn not_on_order(item: &str, order: &str) -> String {
    format!("Wrong item: {item} is not on order {order}")
}
pub fn too_many_packed(item: &str, order: &str, ordered: Qty) -> String {
    format!("Too many: order {order} needs {ordered} x {item}, all are packed")
}
pub fn missing_items(remaining: &[String]) -> String {
    format!("Missing: {}", remaining.join(", "))
}
pub fn empty_carton() -> String {
    "The carton is empty: scan an item first".to_owned()
}
pub fn scan_carton_label(order: &str) -> String {
    format!("Order {order}: scan the new carton label (SSCC)")
}
pub fn weight_noted(grams: u32) -> String {
    format!("Weight {grams} g noted")
}
pub fn carton_closed(sscc: &str, units: i64) -> String {
    format!("Carton {sscc} closed with {units} each")
}
pub fn order_packed(order: &str, cartons: usize) -> String {
    format!("Order {order} packed in {cartons} cartons")
}

// ---- cycle count ----

pub fn count_location(location: &LocationCode, counted_lines: usize) -> String {
    format!("Count {location}: scan an item ({counted_lines} counted). Close when the bin is done")
}
pub fn count_quantity(item: &str, lot: Option<&LotCode>, unit: &str, base_units: u32) -> String {
    let lot = lot.map_or_else(String::new, |l| format!(" lot {l}"));
    if base_units <= 1 {
        format!("Count {item}{lot}: enter quantity (each)")
    } else {
        format!("Count {item}{lot}: enter number of {unit} ({base_units} each per {unit})")
    }
}
pub fn counted(item: &str, qty: Qty) -> String {
    format!("Counted {} {item}", units(qty))
}
pub fn count_serials(item: &str, scanned: usize) -> String {
    format!("Count {item}: scan each unit's serial ({scanned} scanned). Confirm when done")
}
pub fn count_again(item: &str, lot: Option<&LotCode>) -> String {
    let lot = lot.map_or_else(String::new, |l| format!(" lot {l}"));
    format!("Please count {item}{lot} again")
}
pub fn count_complete(location: &LocationCode, lines: usize) -> String {
    format!("Count of {location} finished: {lines} lines recorded")
}
pub fn not_a_count_location(code: &LocationCode) -> String {
    format!("Count is at a different bin; scanned {code}")
}

// ---- moves, status, adjustments ----

pub fn scan_source_bin() -> String {
    "Scan the bin to take stock from".to_owned()
}
pub fn scan_move_item(from: &LocationCode) -> String {
    format!("At {from}: scan the item")
}
pub fn not_in_bin(item: &str, location: &LocationCode) -> String {
    format!("No {item} in {location}")
}
pub fn move_quantity(item: &str, available: i64) -> String {
    format!("{item}: enter quantity ({available} each here)")
}
pub fn scan_target_bin(qty: Qty, item: &str) -> String {
    format!(
        "Take {} {item}: scan the bin to put it in, or choose a status",
        units(qty)
    )
}
pub fn same_bin(code: &LocationCode) -> String {
    format!("{code} is the bin the stock comes from: scan another bin")
}
pub fn moved(qty: Qty, item: &str, to: &LocationCode) -> String {
    format!("Moved {} {item} to {to}", units(qty))
}
pub fn choose_change(item: &str, qty: Qty) -> String {
    format!(
        "{} {item}: choose a status or an adjustment with a reason",
        units(qty)
    )
}
pub fn status_changed(item: &str, qty: Qty, to: StockStatus) -> String {
    format!(
        "{} {item} now {}",
        units(qty),
        to.as_str().replace('_', " ")
    )
}
pub fn adjusted(item: &str, delta: i64) -> String {
    format!("{item} adjusted by {delta:+}")
}
pub fn adjust_below_zero(item: &str, available: i64) -> String {
    format!("Cannot remove more than the {available} each of {item} in this bin")
}
pub fn only_here(available: i64, item: &str, location: &LocationCode) -> String {
    format!("Only {available} each of {item} in {location}")
}
pub fn status_unchanged(to: StockStatus) -> String {
    format!("The stock is already {}", to.as_str().replace('_', " "))
}
pub fn zero_adjustment() -> String {
    "An adjustment must add or remove at least 1".to_owned()
}
pub fn stock_job_done() -> String {
    "Stock changes finished".to_owned()
}
pub fn not_a_carton_label(data: &str) -> String {
    format!("{data} is not a carton label: scan a new SSCC label (18 digits)")
}
pub fn carton_label_used(sscc: &str) -> String {
    format!("Carton label {sscc} is already used: scan a new one")
}
pub fn order_closed_short(order: &str, remaining: &[String]) -> String {
    format!(
        "Order {order} packed short. Missing: {}",
        remaining.join(", ")
    )
}
pub fn no_order_in(location: &LocationCode) -> String {
    format!("No order was picked into {location} on this device: scan the order")
}
pub fn several_orders_in(location: &LocationCode) -> String {
    format!("{location} holds several orders: scan the order to pack")
}

// ---- pieces ----

/// "4 x SKU 1002 Blue Mug": a line still to do.
pub fn qty_of(qty: Qty, item: &str) -> String {
    format!("{qty} x {item}")
}
pub fn scanned_gtin(gtin: &str) -> String {
    format!("GTIN {gtin}")
}
pub fn scanned_pallet(sscc: &str) -> String {
    format!("pallet {sscc}")
}
pub fn scanned_bin(code: &LocationCode) -> String {
    format!("bin {code}")
}
pub fn scanned_document(number: &str) -> String {
    format!("document {number}")
}
/// Two messages of one step, e.g. what was done and what to watch.
pub fn and_then(first: &str, second: &str) -> String {
    format!("{first}. {second}")
}
/// How the CLI marks feedback: accepted, refused, needs a decision.
pub fn feedback_good(message: &str) -> String {
    format!("OK: {message}")
}
pub fn feedback_bad(message: &str) -> String {
    format!("WRONG: {message}")
}
pub fn feedback_warn(message: &str) -> String {
    format!("CHECK: {message}")
}
