-- Dockhand sync server schema 4: SSCC serial references leased to devices in blocks.
-- Append-only: never edit a shipped migration.

-- One counter per company prefix + extension digit: every SSCC of that range comes from
-- here, whichever warehouse uses it, so two blocks never overlap.
CREATE TABLE sscc_ranges (
    company_prefix TEXT NOT NULL CHECK (company_prefix ~ '^[0-9]{6,12}$'),
    extension      SMALLINT NOT NULL CHECK (extension BETWEEN 0 AND 9),
    next_serial    BIGINT NOT NULL DEFAULT 1 CHECK (next_serial >= 1),
    PRIMARY KEY (company_prefix, extension)
);

-- The range a warehouse's devices lease from (set by an admin).
CREATE TABLE sscc_schemes (
    warehouse      TEXT PRIMARY KEY REFERENCES warehouses (code),
    company_prefix TEXT NOT NULL,
    extension      SMALLINT NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    FOREIGN KEY (company_prefix, extension) REFERENCES sscc_ranges (company_prefix, extension)
);

-- Every block handed out, for audit and support.
CREATE TABLE sscc_leases (
    id             BIGSERIAL PRIMARY KEY,
    warehouse      TEXT NOT NULL,
    device_id      UUID NOT NULL,
    company_prefix TEXT NOT NULL,
    extension      SMALLINT NOT NULL,
    first_serial   BIGINT NOT NULL,
    last_serial    BIGINT NOT NULL,
    leased_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (first_serial <= last_serial)
);
CREATE INDEX sscc_leases_by_device ON sscc_leases (warehouse, device_id, id);

-- Each SSCC a device reported allocating (sscc_allocated events). A second allocation of
-- the same SSCC by another event is a duplicate_sscc conflict.
CREATE TABLE sscc_allocations (
    sscc         TEXT PRIMARY KEY CHECK (sscc ~ '^[0-9]{18}$'),
    warehouse    TEXT NOT NULL,
    device_id    UUID NOT NULL,
    event_id     UUID NOT NULL,
    allocated_at TIMESTAMPTZ NOT NULL
);
