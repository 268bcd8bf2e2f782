-- pgbench script: the raw-SQL floor of one pushed pick event, one transaction per event,
-- against the server's own schema (see BENCHMARKS.md). Each client is one device.
\set item random(0, 4)
BEGIN;
SELECT last_seq FROM device_sync WHERE device_id = (SELECT device_id FROM bench_devices WHERE n = :client_id) FOR UPDATE;
INSERT INTO events (event_id, device_id, device_seq, warehouse, kind, v, occurred_at, body, result)
  SELECT gen_random_uuid(), device_id, nextval('bench_seq'), 'FLOOR', 'pick', 1, now(), '{"kind":"pick"}', '{"outcome":"applied"}'
  FROM bench_devices WHERE n = :client_id;
INSERT INTO balances (warehouse, item, location, lot, status, qty)
  VALUES ('FLOOR', 'I' || :item, 'BIN-' || :client_id, '', 'available', 1000000)
  ON CONFLICT (warehouse, item, location, lot, status) DO UPDATE SET qty = balances.qty - 1;
INSERT INTO balances (warehouse, item, location, lot, status, qty)
  VALUES ('FLOOR', 'I' || :item, 'TOTE-' || :client_id, '', 'allocated', 1)
  ON CONFLICT (warehouse, item, location, lot, status) DO UPDATE SET qty = balances.qty + 1;
INSERT INTO ledger (warehouse, item, location, lot, status, delta, event_id, cause, occurred_at)
  VALUES ('FLOOR', 'I' || :item, 'BIN-' || :client_id, '', 'available', -1, gen_random_uuid(), 'pick', now()),
         ('FLOOR', 'I' || :item, 'TOTE-' || :client_id, '', 'allocated', 1, gen_random_uuid(), 'pick', now());
INSERT INTO changes (warehouse, kind, body) VALUES ('FLOOR', 'balance', '{}'), ('FLOOR', 'balance', '{}');
UPDATE device_sync SET last_seq = last_seq + 1 WHERE device_id = (SELECT device_id FROM bench_devices WHERE n = :client_id);
COMMIT;
