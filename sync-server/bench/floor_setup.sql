-- Devices for the pgbench floor (run once in the bench database after `migrate`).
INSERT INTO warehouses (code) VALUES ('FLOOR') ON CONFLICT DO NOTHING;
CREATE TABLE IF NOT EXISTS bench_devices (n INTEGER PRIMARY KEY, device_id UUID NOT NULL);
CREATE SEQUENCE IF NOT EXISTS bench_seq;
INSERT INTO bench_devices SELECT n, gen_random_uuid() FROM generate_series(0, 49) n ON CONFLICT DO NOTHING;
INSERT INTO devices (device_id, warehouse, role, token_hash)
  SELECT device_id, 'FLOOR', 'picker', decode(md5(device_id::text), 'hex') FROM bench_devices ON CONFLICT DO NOTHING;
INSERT INTO device_sync (device_id, warehouse) SELECT device_id, 'FLOOR' FROM bench_devices ON CONFLICT DO NOTHING;
