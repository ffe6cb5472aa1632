-- The hours of one date when they differ from the center's (R9: extended for an event; R11: set by
-- a holiday change plan). Check-in's due time follows them.
CREATE TABLE day_hours (
    center_id uuid NOT NULL REFERENCES centers (id),
    day date NOT NULL,
    -- Stable id of the date's override for the audit trail.
    id uuid NOT NULL UNIQUE,
    opening_time time NOT NULL,
    closing_time time NOT NULL,
    reason text NOT NULL CHECK (char_length(btrim(reason)) BETWEEN 1 AND 200),
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (center_id, day),
    CHECK (opening_time < closing_time)
);
