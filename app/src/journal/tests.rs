use super::*;
use crate::domain::{
    Adjust, AdjustReason, DeviceSeq, EventBody, Gtin, Item, LocationCode, OperatorId, Qty, Receive,
    Sku, StockLine, StockStatus, Tracking, UnitOfMeasure,
};

fn wh() -> WarehouseCode {
    WarehouseCode::new("WH1").unwrap()
}

fn open_new(dir: &tempfile::TempDir) -> Journal {
    Journal::open_with(
        dir.path().join("device.db"),
        OpenOptions {
            warehouse: Some(wh()),
            ..OpenOptions::default()
        },
    )
    .unwrap()
}

fn receive(qty: i64) -> EventDraft {
    EventDraft {
        operator: OperatorId::new("ana").unwrap(),
        occurred_at: None,
        scan: None,
        body: EventBody::Receive(Receive {
            document: None,
            line: StockLine {
                item: Sku::new("1002").unwrap(),
                qty: Qty::new(qty).unwrap(),
                lot: None,
                expiry: None,
                serials: vec![],
            },
            to: LocationCode::new("DOCK-1").unwrap(),
            status: StockStatus::Available,
            gtin: None,
            pack: None,
            sscc: None,
        }),
    }
}

#[test]
fn records_survive_reopening_with_gapless_seqs() {
    let dir = tempfile::tempdir().unwrap();
    let device_id;
    {
        let mut journal = open_new(&dir);
        device_id = journal.device_id();
        assert_eq!(journal.record(receive(1)).unwrap().seq, DeviceSeq(1));
        let batch = journal
            .record_batch((2..=5).map(receive).collect())
            .unwrap();
        assert_eq!(
            batch.iter().map(|r| r.seq.0).collect::<Vec<_>>(),
            vec![2, 3, 4, 5]
        );
    }
    let journal = Journal::open(dir.path().join("device.db")).unwrap();
    assert_eq!(journal.device_id(), device_id, "device id is kept");
    assert_eq!(journal.warehouse(), Some(&wh()));
    assert_eq!(journal.verify_gapless().unwrap(), 5);
    let events = journal.events_after(DeviceSeq(0), 100).unwrap();
    assert_eq!(events.len(), 5);
    assert_eq!(events[4].event.header.device_seq, DeviceSeq(5));
    assert_eq!(journal.stats().unwrap().pending, 5);
    journal.integrity_check().unwrap();
}

#[test]
fn invalid_events_are_refused_and_leave_no_trace() {
    let dir = tempfile::tempdir().unwrap();
    let mut journal = open_new(&dir);
    let bad = EventDraft {
        body: EventBody::Adjust(Adjust {
            item: Sku::new("1002").unwrap(),
            location: LocationCode::new("A-1").unwrap(),
            lot: None,
            status: StockStatus::Available,
            delta: 0,
            reason: AdjustReason::Found,
            note: None,
            serials: vec![],
        }),
        ..receive(1)
    };
    let err = journal.record_batch(vec![receive(1), bad]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "event refused: invalid adjust event: adjusts by zero"
    );
    assert_eq!(
        journal.last_seq().unwrap(),
        DeviceSeq(0),
        "the whole batch was refused"
    );
}

#[test]
fn events_cannot_be_edited_or_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let mut journal = open_new(&dir);
    journal.record(receive(1)).unwrap();
    let err = journal
        .conn
        .execute("UPDATE events SET kind = 'x'", [])
        .unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
    let err = journal.conn.execute("DELETE FROM events", []).unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
}

#[test]
fn a_device_without_a_warehouse_cannot_record() {
    let dir = tempfile::tempdir().unwrap();
    let mut journal = Journal::open(dir.path().join("d.db")).unwrap();
    assert!(matches!(
        journal.record(receive(1)),
        Err(JournalError::NoWarehouse)
    ));
    journal.set_warehouse(wh()).unwrap();
    journal.record(receive(1)).unwrap();
}

#[test]
fn garbage_file_is_reported_as_damaged_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("device.db");
    let garbage = b"this is not a database, it is a shopping list".repeat(200);
    std::fs::write(&path, &garbage).unwrap();
    let err = Journal::open(&path).unwrap_err();
    assert!(matches!(err, JournalError::Corrupt { .. }), "{err:?}");
    assert!(err.to_string().contains("do not delete it"), "{err}");
    assert_eq!(
        std::fs::read(&path).unwrap(),
        garbage,
        "the file was not touched"
    );
}

#[test]
fn foreign_sqlite_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE recipes (name TEXT); INSERT INTO recipes VALUES ('soup');",
        )
        .unwrap();
    }
    let err = Journal::open(&path).unwrap_err();
    assert!(matches!(err, JournalError::Foreign { .. }), "{err:?}");
    let conn = rusqlite::Connection::open(&path).unwrap();
    let n: i64 = conn
        .query_row("SELECT count(*) FROM recipes", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 1, "the foreign database was not modified");
}

#[test]
fn journal_from_a_newer_build_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("device.db");
    drop(open_new(&dir));
    rusqlite::Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", 99)
        .unwrap();
    let err = Journal::open(&path).unwrap_err();
    assert!(
        matches!(err, JournalError::NewerSchema { found: 99, .. }),
        "{err:?}"
    );
}

#[test]
fn damaged_pages_are_reported_not_reset() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("device.db");
    {
        let mut journal = open_new(&dir);
        journal
            .record_batch((1..=300).map(receive).collect())
            .unwrap();
        // Fold the WAL into the main file so the damage below hits real data.
        journal
            .conn
            .execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
            .unwrap();
    }
    let mut bytes = std::fs::read(&path).unwrap();
    assert!(bytes.len() > 3 * 4096);
    for b in &mut bytes[4096 + 100..4096 * 3] {
        *b = 0xA5;
    }
    std::fs::write(&path, &bytes).unwrap();
    let err = Journal::open(&path).unwrap_err();
    assert!(matches!(err, JournalError::Corrupt { .. }), "{err:?}");
}

#[test]
fn gtin_lookup_finds_the_item_and_its_pack() {
    let dir = tempfile::tempdir().unwrap();
    let mut journal = open_new(&dir);
    let item = Item {
        sku: Sku::new("1002").unwrap(),
        name: "Blue Mug".into(),
        gtins: vec![Gtin::parse("09506000134352").unwrap()],
        packs: vec![UnitOfMeasure {
            code: "CS".into(),
            base_units: 12,
            gtin: Some(Gtin::parse("19506000134359").unwrap()),
        }],
        tracking: Tracking::default(),
        category: None,
    };
    journal.upsert_items(std::slice::from_ref(&item)).unwrap();
    let hit = journal
        .item_by_gtin(&Gtin::parse("9506000134352").unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(
        (hit.item.name.as_str(), hit.uom.as_str(), hit.base_units),
        ("Blue Mug", "EA", 1)
    );
    let case = journal
        .item_by_gtin(&Gtin::parse("19506000134359").unwrap())
        .unwrap()
        .unwrap();
    assert_eq!((case.uom.as_str(), case.base_units), ("CS", 12));
    assert!(
        journal
            .item_by_gtin(&Gtin::parse("95050003").unwrap())
            .unwrap()
            .is_none()
    );
}

#[test]
fn on_hand_adds_unsynced_effects_to_server_balances() {
    let dir = tempfile::tempdir().unwrap();
    let mut journal = open_new(&dir);
    let dock = LocationCode::new("DOCK-1").unwrap();
    journal
        .upsert_server_balances(&[crate::protocol::BalanceRecord {
            item: Sku::new("1002").unwrap(),
            location: dock.clone(),
            lot: None,
            expiry: None,
            status: StockStatus::Available,
            qty: 10,
            version: 0,
        }])
        .unwrap();
    journal.record(receive(5)).unwrap();
    let rows = journal.on_hand_at(&dock).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].qty, 15);

    // The server applies the receipt; a pull brings the new balance of 15.
    journal
        .record_sync_verdicts(&[SyncVerdict {
            seq: DeviceSeq(1),
            state: OutboxState::Applied,
            detail: None,
            result: "{}".into(),
        }])
        .unwrap();
    journal
        .upsert_server_balances(&[crate::protocol::BalanceRecord {
            item: Sku::new("1002").unwrap(),
            location: dock.clone(),
            lot: None,
            expiry: None,
            status: StockStatus::Available,
            qty: 15,
            version: 0,
        }])
        .unwrap();
    assert_eq!(
        journal.reflect_acknowledged_effects(None).unwrap(),
        DeviceSeq(1)
    );
    assert_eq!(
        journal.on_hand_at(&dock).unwrap()[0].qty,
        15,
        "not counted twice"
    );
}

/// A pull whose barrier has not passed the server transaction that applied a push does not
/// yet carry that push's balances: its events' local effects stay until a pull that does.
#[test]
fn effects_are_reflected_only_below_the_pull_barrier() {
    let dir = tempfile::tempdir().unwrap();
    let mut journal = open_new(&dir);
    let dock = LocationCode::new("DOCK-1").unwrap();
    let balance = |qty| crate::protocol::BalanceRecord {
        item: Sku::new("1002").unwrap(),
        location: dock.clone(),
        lot: None,
        expiry: None,
        status: StockStatus::Available,
        qty,
        version: 0,
    };
    let applied = |seq| SyncVerdict {
        seq: DeviceSeq(seq),
        state: OutboxState::Applied,
        detail: None,
        result: "{}".into(),
    };
    journal
        .record_batch((1..=3).map(|_| receive(5)).collect())
        .unwrap();
    // Seq 1–2 applied by server transaction 100, seq 3 by transaction 130.
    journal
        .record_push_answer(&[applied(1), applied(2)], Some((DeviceSeq(2), 100)))
        .unwrap();
    journal
        .record_push_answer(&[applied(3)], Some((DeviceSeq(3), 130)))
        .unwrap();
    assert_eq!(journal.unreflected_push_txid().unwrap(), Some(130));

    // A pull with barrier 120 carries the first push (balance 10) but not the second.
    journal.upsert_server_balances(&[balance(10)]).unwrap();
    assert_eq!(
        journal.reflect_acknowledged_effects(Some(120)).unwrap(),
        DeviceSeq(2)
    );
    assert_eq!(
        journal.on_hand_at(&dock).unwrap()[0].qty,
        15,
        "10 + seq 3's 5"
    );
    assert_eq!(journal.unreflected_push_txid().unwrap(), Some(130));

    // Nothing moves while the barrier stays at or below 130.
    assert_eq!(
        journal.reflect_acknowledged_effects(Some(130)).unwrap(),
        DeviceSeq(2)
    );
    assert_eq!(journal.on_hand_at(&dock).unwrap()[0].qty, 15);

    // Once it passes, the pulled 15 includes seq 3: nothing is counted twice.
    journal.upsert_server_balances(&[balance(15)]).unwrap();
    assert_eq!(
        journal.reflect_acknowledged_effects(Some(131)).unwrap(),
        DeviceSeq(3)
    );
    assert_eq!(journal.on_hand_at(&dock).unwrap()[0].qty, 15);
    assert_eq!(journal.unreflected_push_txid().unwrap(), None);
}

#[test]
fn outbox_tracks_verdicts() {
    let dir = tempfile::tempdir().unwrap();
    let mut journal = open_new(&dir);
    journal
        .record_batch((1..=3).map(receive).collect())
        .unwrap();
    assert_eq!(journal.first_pending_seq().unwrap(), Some(DeviceSeq(1)));
    let verdict = |seq, state, detail: Option<&str>| SyncVerdict {
        seq: DeviceSeq(seq),
        state,
        detail: detail.map(str::to_owned),
        result: "{}".into(),
    };
    // An answer for event 3 alone does not move the watermark past the unanswered 2.
    journal
        .record_sync_verdicts(&[
            verdict(1, OutboxState::Applied, None),
            verdict(3, OutboxState::Applied, None),
        ])
        .unwrap();
    assert_eq!(journal.first_pending_seq().unwrap(), Some(DeviceSeq(2)));
    journal
        .record_sync_verdicts(&[verdict(2, OutboxState::Rejected, Some("bad"))])
        .unwrap();
    assert_eq!(journal.acked_seq().unwrap(), DeviceSeq(2));
    journal
        .record_sync_verdicts(&[
            verdict(2, OutboxState::Rejected, Some("bad")),
            verdict(3, OutboxState::Conflict, Some("short")),
        ])
        .unwrap();
    assert_eq!(journal.first_pending_seq().unwrap(), None);
    let all = journal.outbox(false, 10).unwrap();
    assert_eq!(all[1].state, OutboxState::Rejected);
    assert_eq!(all[1].detail.as_deref(), Some("bad"));
    assert_eq!(all[2].state, OutboxState::Conflict);
    assert!(journal.outbox(true, 10).unwrap().is_empty());
    assert!(
        journal
            .record_sync_verdicts(&[verdict(9, OutboxState::Applied, None)])
            .is_err()
    );
}

#[test]
fn a_pull_page_and_its_cursor_commit_together_and_refetch_clears_projections() {
    use crate::protocol::{BalanceRecord, Change, PullResponse};
    let dir = tempfile::tempdir().unwrap();
    let mut journal = open_new(&dir);
    let item = Item {
        sku: Sku::new("1002").unwrap(),
        name: "Blue Mug".into(),
        gtins: vec![Gtin::parse("09506000134352").unwrap()],
        packs: vec![],
        tracking: Tracking::default(),
        category: None,
    };
    let bin = LocationCode::new("A-03-2-B").unwrap();
    let page = PullResponse {
        barrier: None,
        warehouse: wh(),
        changes: vec![
            Change::Item(item),
            Change::Balance(BalanceRecord {
                item: Sku::new("1002").unwrap(),
                location: bin.clone(),
                lot: None,
                expiry: None,
                status: StockStatus::Available,
                qty: 4,
                version: 0,
            }),
            Change::Conflict {
                conflict_id: 9,
                event_id: None,
                kind: "pick_beyond_balance".into(),
                state: "open".into(),
                message: "2 devices picked the last unit".into(),
            },
        ],
        next_cursor: "100:7".into(),
        has_more: false,
        refetch: false,
        server_time: chrono::Utc::now(),
    };
    let applied = journal.apply_pull_page(&page).unwrap();
    assert_eq!(
        (applied.changes, applied.has_more, applied.refetch),
        (3, false, false)
    );
    assert_eq!(journal.pull_cursor().unwrap().as_deref(), Some("100:7"));
    assert_eq!(journal.on_hand_at(&bin).unwrap()[0].qty, 4);
    assert_eq!(journal.open_device_conflicts().unwrap().len(), 1);
    assert!(
        journal
            .item_by_gtin(&Gtin::parse("09506000134352").unwrap())
            .unwrap()
            .is_some()
    );

    let refetch = PullResponse {
        changes: vec![],
        refetch: true,
        has_more: false,
        ..page
    };
    assert!(journal.apply_pull_page(&refetch).unwrap().refetch);
    assert_eq!(journal.pull_cursor().unwrap(), None);
    assert!(journal.on_hand_at(&bin).unwrap().is_empty());
    assert!(
        journal
            .item_by_gtin(&Gtin::parse("09506000134352").unwrap())
            .unwrap()
            .is_none()
    );
}

/// A pull page holding only balance records of item 1002 in bin A-03-2-B, given as
/// `(qty, version)` in change-log order.
fn balance_page(records: &[(i64, u64)], cursor: &str) -> crate::protocol::PullResponse {
    use crate::protocol::{BalanceRecord, Change, PullResponse};
    PullResponse {
        barrier: None,
        warehouse: wh(),
        changes: records
            .iter()
            .map(|&(qty, version)| {
                Change::Balance(BalanceRecord {
                    item: Sku::new("1002").unwrap(),
                    location: LocationCode::new("A-03-2-B").unwrap(),
                    lot: None,
                    expiry: None,
                    status: StockStatus::Available,
                    qty,
                    version,
                })
            })
            .collect(),
        next_cursor: cursor.into(),
        has_more: false,
        refetch: false,
        server_time: chrono::Utc::now(),
    }
}

/// What the device shows for item 1002 in bin A-03-2-B, through the journal and through the
/// workflows' projections (None: no stock there, and the bin is not listed as holding it).
fn mug_stock(journal: &Journal) -> Option<i64> {
    use crate::workflow::Projections;
    let bin = LocationCode::new("A-03-2-B").unwrap();
    let mug = Sku::new("1002").unwrap();
    let rows = journal.on_hand_at(&bin).unwrap();
    let projected = Projections::on_hand_at(journal, &bin).unwrap();
    let all = journal.on_hand_all().unwrap();
    let holding = Projections::bins_holding(journal, &mug).unwrap();
    match rows.as_slice() {
        [] => {
            assert!(projected.is_empty(), "{projected:?}");
            assert!(all.is_empty(), "{all:?}");
            assert!(holding.is_empty(), "{holding:?}");
            None
        }
        [row] => {
            assert_eq!(projected.len(), 1);
            assert_eq!(projected[0].qty, row.qty);
            assert_eq!(all, rows);
            assert_eq!(holding, vec![bin]);
            Some(row.qty)
        }
        more => panic!("one balance expected, got {more:?}"),
    }
}

#[test]
fn an_older_balance_version_arriving_later_is_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let mut journal = open_new(&dir);
    journal.upsert_locations(&[bin_location()]).unwrap();
    // The change log delivered version 3 before version 2 (a writer that took its txid
    // early committed last): the device keeps 3's quantity.
    journal
        .apply_pull_page(&balance_page(&[(4, 3), (5, 2)], "100:2"))
        .unwrap();
    assert_eq!(mug_stock(&journal), Some(4));
    // The same version again (a page re-applied) changes nothing.
    journal
        .apply_pull_page(&balance_page(&[(4, 3)], "100:3"))
        .unwrap();
    assert_eq!(mug_stock(&journal), Some(4));
    journal
        .apply_pull_page(&balance_page(&[(6, 4)], "101:1"))
        .unwrap();
    assert_eq!(mug_stock(&journal), Some(6));
}

#[test]
fn an_older_balance_cannot_bring_back_stock_that_fell_to_zero() {
    let dir = tempfile::tempdir().unwrap();
    let mut journal = open_new(&dir);
    journal.upsert_locations(&[bin_location()]).unwrap();
    journal
        .apply_pull_page(&balance_page(&[(4, 1)], "100:1"))
        .unwrap();
    // Version 3 emptied the bin and arrives before version 2, which still held stock.
    journal
        .apply_pull_page(&balance_page(&[(0, 3)], "101:1"))
        .unwrap();
    assert_eq!(mug_stock(&journal), None, "the bin is empty");
    journal
        .apply_pull_page(&balance_page(&[(2, 2)], "102:1"))
        .unwrap();
    assert_eq!(
        mug_stock(&journal),
        None,
        "version 2 is older than the empty bin"
    );
    // The empty bin is offered to putaway (its zero row is no stock).
    use crate::workflow::Projections;
    let empties = Projections::empty_bins(&journal, None, Qty::new(1).unwrap()).unwrap();
    assert_eq!(empties, vec![LocationCode::new("A-03-2-B").unwrap()]);
    // A newer version fills it again.
    journal
        .apply_pull_page(&balance_page(&[(7, 4)], "103:1"))
        .unwrap();
    assert_eq!(mug_stock(&journal), Some(7));
}

#[test]
fn an_unversioned_balance_always_applies() {
    let dir = tempfile::tempdir().unwrap();
    let mut journal = open_new(&dir);
    journal.upsert_locations(&[bin_location()]).unwrap();
    journal
        .apply_pull_page(&balance_page(&[(4, 5)], "100:1"))
        .unwrap();
    // An older server does not send versions: its records apply as they always did.
    journal
        .apply_pull_page(&balance_page(&[(9, 0)], "101:1"))
        .unwrap();
    assert_eq!(mug_stock(&journal), Some(9));
    journal
        .apply_pull_page(&balance_page(&[(0, 0)], "102:1"))
        .unwrap();
    assert_eq!(mug_stock(&journal), None);
    journal
        .apply_pull_page(&balance_page(&[(3, 0), (2, 1)], "103:1"))
        .unwrap();
    assert_eq!(mug_stock(&journal), Some(2));
}

#[test]
fn a_refetch_forgets_balance_versions() {
    let dir = tempfile::tempdir().unwrap();
    let mut journal = open_new(&dir);
    journal.upsert_locations(&[bin_location()]).unwrap();
    journal
        .apply_pull_page(&balance_page(&[(4, 9)], "100:1"))
        .unwrap();
    let refetch = crate::protocol::PullResponse {
        refetch: true,
        ..balance_page(&[], "")
    };
    journal.apply_pull_page(&refetch).unwrap();
    assert_eq!(mug_stock(&journal), None);
    // A restored server's copy starts over, whatever its versions.
    journal.upsert_locations(&[bin_location()]).unwrap();
    journal
        .apply_pull_page(&balance_page(&[(2, 1)], "5:1"))
        .unwrap();
    assert_eq!(mug_stock(&journal), Some(2));
}

fn bin_location() -> crate::domain::Location {
    crate::domain::Location {
        code: LocationCode::new("A-03-2-B").unwrap(),
        warehouse: wh(),
        kind: crate::domain::LocationKind::Bin,
        path: crate::domain::LocationPath::default(),
        pick_sequence: 0,
        capacity: Some(Qty::new(100).unwrap()),
    }
}

#[test]
fn locations_are_listed_by_kind_in_walking_order() {
    use crate::domain::{Location, LocationKind, LocationPath};
    let dir = tempfile::tempdir().unwrap();
    let mut journal = open_new(&dir);
    let at = |code: &str, kind: LocationKind, seq: i64| Location {
        code: LocationCode::new(code).unwrap(),
        warehouse: wh(),
        kind,
        path: LocationPath::default(),
        pick_sequence: seq,
        capacity: None,
    };
    journal
        .upsert_locations(&[
            at("DOCK-2", LocationKind::Dock, 2),
            at("A-01-1-A", LocationKind::Bin, 1),
            at("DOCK-1", LocationKind::Dock, 1),
            at("PACK-1", LocationKind::PackStation, 0),
        ])
        .unwrap();
    let codes = |kind| -> Vec<String> {
        journal
            .location_codes_of_kind(kind)
            .unwrap()
            .iter()
            .map(|c| c.as_str().to_owned())
            .collect()
    };
    assert_eq!(codes(LocationKind::Dock), ["DOCK-1", "DOCK-2"]);
    assert_eq!(codes(LocationKind::PackStation), ["PACK-1"]);
    assert!(codes(LocationKind::Staging).is_empty());
}

#[test]
fn events_and_their_label_jobs_are_recorded_together_or_not_at_all() {
    let dir = tempfile::tempdir().unwrap();
    let mut journal = open_new(&dir);
    let job = |id: &str| NewLabelJob {
        id: id.into(),
        printer: String::new(),
        kind: "carton".into(),
        zpl: "^XA^XZ".into(),
        data: Some("{}".into()),
        failed: None,
    };
    journal
        .record_batch_with_label_jobs(vec![receive(1)], &[job("a")])
        .unwrap();
    assert_eq!(journal.last_seq().unwrap().0, 1);
    assert_eq!(journal.label_jobs_waiting().unwrap(), (1, 0));
    // A job that cannot be stored (its id is taken) takes the event down with it.
    assert!(
        journal
            .record_batch_with_label_jobs(vec![receive(2)], &[job("b"), job("a")])
            .is_err()
    );
    assert_eq!(
        journal.last_seq().unwrap().0,
        1,
        "no event without its label"
    );
    assert_eq!(
        journal.label_jobs_waiting().unwrap(),
        (1, 0),
        "no label without its event"
    );
}
