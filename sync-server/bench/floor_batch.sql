-- pgbench script: the raw-SQL floor of one pushed 100-event batch, written the way the
-- server writes a chunk (set-based, one transaction per batch), against the server's own
-- schema (see BENCHMARKS.md). Each client is one device; half the events are receipts of
-- 10 units into the device's bin, half picks of 1 unit from the bin to its tote, over 5
-- items, like dockhand-load. No HTTP, no decoding, no conflict checks.
-- Events/s = tps x 100.
BEGIN;
SELECT pg_advisory_xact_lock(hashtextextended('device' || :client_id, 0));
SELECT last_seq FROM device_sync WHERE device_id = (SELECT device_id FROM bench_devices WHERE n = :client_id);
INSERT INTO balances (warehouse, item, location, lot, status, qty)
  SELECT 'FLOOR', 'I' || i, loc || :client_id, '', st, 0
  FROM generate_series(0, 4) i,
       (VALUES ('BIN-', 'available'), ('TOTE-', 'allocated')) AS k(loc, st)
  ORDER BY 1, 2, 3
  ON CONFLICT (warehouse, item, location, lot, status) DO UPDATE SET qty = balances.qty;
INSERT INTO events (event_id, device_id, device_seq, warehouse, kind, v, occurred_at, body, result)
  SELECT gen_random_uuid(), d.device_id, nextval('bench_seq'), 'FLOOR',
         CASE WHEN s % 2 = 0 THEN 'receive' ELSE 'pick' END, 1, now(),
         jsonb_build_object('v', 1, 'kind', 'pick', 'device_seq', s, 'operator', 'load',
           'warehouse', 'FLOOR', 'occurred_at', now(),
           'payload', jsonb_build_object('from', 'BIN-' || :client_id, 'to', 'TOTE-' || :client_id,
             'line', jsonb_build_object('item', 'I' || (s % 5), 'qty', 1))),
         '{"outcome":"applied"}'
  FROM bench_devices d, generate_series(1, 100) s WHERE d.n = :client_id;
UPDATE balances b SET qty = b.qty + d.delta, updated_at = now()
  FROM (SELECT 'I' || i AS item, loc || :client_id AS location, st AS status, delta
        FROM generate_series(0, 4) i,
             (VALUES ('BIN-', 'available', 90), ('TOTE-', 'allocated', 10)) AS k(loc, st, delta)) d
  WHERE b.warehouse = 'FLOOR' AND b.item = d.item AND b.location = d.location AND b.lot = ''
    AND b.status = d.status;
INSERT INTO ledger (warehouse, item, location, lot, status, delta, event_id, cause, occurred_at)
  SELECT 'FLOOR', 'I' || (s % 5), 'BIN-' || :client_id, '', 'available',
         CASE WHEN s % 2 = 0 THEN 10 ELSE -1 END, gen_random_uuid(), 'receive', now()
  FROM generate_series(1, 100) s
  UNION ALL
  SELECT 'FLOOR', 'I' || (s % 5), 'TOTE-' || :client_id, '', 'allocated', 1, gen_random_uuid(), 'pick', now()
  FROM generate_series(1, 100) s WHERE s % 2 = 1;
INSERT INTO changes (warehouse, kind, body) SELECT 'FLOOR', 'balance', '{}' FROM generate_series(1, 10);
UPDATE device_sync SET last_seq = last_seq + 100, last_push_at = now()
  WHERE device_id = (SELECT device_id FROM bench_devices WHERE n = :client_id);
COMMIT;
