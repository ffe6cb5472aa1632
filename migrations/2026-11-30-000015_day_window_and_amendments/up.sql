-- The duty day's window (R7, R8): the security door is closed `closing_lead_minutes` before the
-- afternoon closing; the day's after-hours records (the main gate, the handover) stay writable
-- until the duty end plus `duty_grace_minutes`. After that, only amendments.
ALTER TABLE centers
    ADD COLUMN closing_lead_minutes integer NOT NULL DEFAULT 10
        CHECK (closing_lead_minutes BETWEEN 0 AND 120),
    ADD COLUMN duty_grace_minutes integer NOT NULL DEFAULT 120
        CHECK (duty_grace_minutes BETWEEN 0 AND 720);

-- Corrections of a duty day's records once they are frozen (a submitted log, its attendance, a
-- closed day): the record keeps its original; each amendment keeps what it was and what it became,
-- who changed it and why (R22: nothing is lost).
CREATE TABLE amendments (
    id uuid PRIMARY KEY,
    center_id uuid NOT NULL REFERENCES centers (id),
    -- The duty day the amended record belongs to.
    day date NOT NULL,
    entity_type text NOT NULL CHECK (entity_type ~ '^[a-z_]{1,40}$'),
    entity_id uuid NOT NULL,
    amended_by uuid REFERENCES staff (id),
    actor text NOT NULL,
    reason text NOT NULL CHECK (char_length(btrim(reason)) BETWEEN 1 AND 500),
    before jsonb NOT NULL,
    after jsonb NOT NULL,
    created_at timestamptz NOT NULL
);

CREATE INDEX amendments_entity ON amendments (center_id, entity_type, entity_id, created_at);
CREATE INDEX amendments_day ON amendments (center_id, day, id);
