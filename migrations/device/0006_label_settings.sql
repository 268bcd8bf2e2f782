-- Dockhand device journal, schema 6: the label printer in the device's settings, and the
-- label data of each print job (for the label screen's preview and for reprints).
-- Append-only: never edit a shipped migration; add 0007_… instead.

-- tcp://HOST:9100 or serial:/dev/PATH; NULL when none is set (labels still queue).
ALTER TABLE device ADD COLUMN label_printer TEXT;
-- 203 or 300; NULL = 203.
ALTER TABLE device ADD COLUMN label_dpi TEXT;
-- 4x2, 4x6 or WxHmm; NULL = 4x6.
ALTER TABLE device ADD COLUMN label_stock TEXT;

-- The label's data as JSON (the fields of its kind), NULL for jobs queued before schema 6.
ALTER TABLE label_jobs ADD COLUMN data TEXT;
