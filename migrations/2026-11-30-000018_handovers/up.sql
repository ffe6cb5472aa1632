-- The handover (R8, R12): before the afternoon closing the day's supervisors hand the desk sign
-- and badge (桌牌、胸牌) to the next working day's duty, with the pending matters listed. One
-- handover per center and duty day; the next day's supervisors confirm its items one by one.
CREATE TABLE handovers (
    id uuid PRIMARY KEY,
    center_id uuid NOT NULL REFERENCES centers (id),
    -- The duty day that gives.
    day date NOT NULL,
    -- The next working day (from the calendar when made): its duty receives.
    to_day date NOT NULL CHECK (to_day > day),
    made_by uuid NOT NULL REFERENCES staff (id),
    -- The duty the giver held that day (after substitutions).
    assignment_id uuid NOT NULL REFERENCES duty_assignments (id),
    made_at timestamptz NOT NULL,
    -- The day's afternoon closing: made before it is on time.
    due_at timestamptz NOT NULL,
    on_time boolean NOT NULL,
    items_total integer NOT NULL CHECK (items_total >= 0),
    items_confirmed integer NOT NULL CHECK (items_confirmed BETWEEN 0 AND items_total),
    -- When the last item was confirmed; NULL while any is not.
    confirmed_at timestamptz,
    version integer NOT NULL DEFAULT 1,
    updated_at timestamptz NOT NULL,
    CONSTRAINT handovers_once UNIQUE (center_id, day),
    CHECK ((confirmed_at IS NULL) = (items_confirmed < items_total))
);
-- The unique constraint's index serves "the handover given on a day" and the office's list by day.
-- The handover received on a day:
CREATE INDEX handovers_to_day ON handovers (center_id, to_day);
-- The office's list by status (`status=unconfirmed` / `confirmed`), in (day, id) order:
CREATE INDEX handovers_unconfirmed ON handovers (center_id, day, id) WHERE confirmed_at IS NULL;
CREATE INDEX handovers_confirmed ON handovers (center_id, day, id) WHERE confirmed_at IS NOT NULL;

-- What a handover lists, in order: the desk sign, the badge, the pending matters the server
-- collected (each with the record it is about), then the giver's notes. Each is confirmed once,
-- by one of the receiving day's supervisors.
CREATE TABLE handover_items (
    id uuid PRIMARY KEY,
    handover_id uuid NOT NULL REFERENCES handovers (id) ON DELETE CASCADE,
    position integer NOT NULL CHECK (position >= 1),
    kind text NOT NULL CHECK (kind ~ '^[a-z_]{1,40}$'),
    -- The record a pending matter is about (an open problem, a fault ...); NULL for the desk
    -- sign, the badge and notes.
    ref_id uuid,
    summary text CHECK (summary IS NULL OR char_length(summary) BETWEEN 1 AND 500),
    confirmed_by uuid REFERENCES staff (id),
    confirmed_at timestamptz,
    CONSTRAINT handover_items_position UNIQUE (handover_id, position),
    CHECK ((confirmed_by IS NULL) = (confirmed_at IS NULL))
);
-- The unique constraint's index serves "the items of a handover".
