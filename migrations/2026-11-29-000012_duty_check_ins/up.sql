-- Supervisors' arrival on their duty day (R7): one check-in per supervisor and day, decided by
-- the server's receipt time against the day's opening minus the center's arrival lead. The time
-- the phone observed (offline records) is kept beside the receipt.
CREATE TABLE duty_check_ins (
    id uuid PRIMARY KEY,
    center_id uuid NOT NULL REFERENCES centers (id),
    day date NOT NULL,
    staff_id uuid NOT NULL REFERENCES staff (id),
    -- The published duty the supervisor held when checking in (after substitutions).
    assignment_id uuid NOT NULL REFERENCES duty_assignments (id),
    received_at timestamptz NOT NULL,
    observed_at timestamptz,
    due_at timestamptz NOT NULL,
    on_time boolean NOT NULL,
    -- Signed: negative = early, positive = late (receipt against due_at, whole minutes).
    minutes_late integer NOT NULL,
    needs_review boolean NOT NULL,
    note text CHECK (note IS NULL OR char_length(note) <= 500),
    CONSTRAINT duty_check_ins_once UNIQUE (center_id, day, staff_id)
);
-- The unique constraint's index serves "the check-ins of a center's day".
