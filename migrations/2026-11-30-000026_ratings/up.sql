-- Ratings (好差评, R21) on the national five-level scale, of a citizen's request or of one window
-- service event, and the follow-up (回访整改) a bad rating (2 or 1) opens.

-- One row per rating. What is rated is named by `subject_key` (`request:<id>` or
-- `service:<staff>:<department|->:<served_at epoch>:<matter>`): one rating per subject and
-- round, so a second rating of the same event is refused; after a bad rating's follow-up is
-- closed the citizen may rate again (the next round), and the earlier rating is kept, marked
-- superseded.
CREATE TABLE ratings (
    id uuid PRIMARY KEY,
    center_id uuid NOT NULL REFERENCES centers (id),
    subject_key text NOT NULL CHECK (char_length(subject_key) <= 400),
    round integer NOT NULL DEFAULT 1 CHECK (round >= 1),
    level integer NOT NULL CHECK (level BETWEEN 1 AND 5),
    comment text CHECK (char_length(comment) <= 500),
    request_id uuid REFERENCES citizen_requests (id),
    -- The staff member rated: the window's, or the request's owner when it was rated.
    staff_id uuid REFERENCES staff (id),
    department_id uuid REFERENCES departments (id),
    matter text CHECK (char_length(matter) <= 200),
    served_at timestamptz,
    via text NOT NULL CHECK (via IN ('portal', 'link')),
    -- The portal client that submitted it (hears of its follow-up by webhook).
    portal text,
    superseded_by uuid REFERENCES ratings (id),
    created_at timestamptz NOT NULL,
    UNIQUE (center_id, subject_key, round),
    CHECK ((request_id IS NULL) = (served_at IS NOT NULL)),
    CHECK (served_at IS NULL OR (staff_id IS NOT NULL AND matter IS NOT NULL)),
    CHECK ((via = 'portal') = (portal IS NOT NULL))
);
CREATE INDEX ratings_page ON ratings (center_id, id);
CREATE INDEX ratings_level ON ratings (center_id, level, id);
CREATE INDEX ratings_staff ON ratings (center_id, staff_id, id);
-- has_follow_up=true is level <= 2.
CREATE INDEX ratings_bad ON ratings (center_id, id) WHERE level <= 2;
CREATE INDEX ratings_not_bad ON ratings (center_id, id) WHERE level > 2;

-- One-time rating links (QR codes) that staff hand to the citizen: only the SHA-256 of the
-- random token is kept; consumed exactly once, before it expires.
CREATE TABLE rating_links (
    id uuid PRIMARY KEY,
    center_id uuid NOT NULL REFERENCES centers (id),
    token_hash bytea NOT NULL UNIQUE,
    subject_key text NOT NULL CHECK (char_length(subject_key) <= 400),
    request_id uuid REFERENCES citizen_requests (id),
    staff_id uuid REFERENCES staff (id),
    department_id uuid REFERENCES departments (id),
    matter text CHECK (char_length(matter) <= 200),
    served_at timestamptz,
    created_by uuid NOT NULL REFERENCES staff (id),
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at timestamptz,
    rating_id uuid REFERENCES ratings (id),
    CHECK ((request_id IS NULL) = (served_at IS NOT NULL))
);

-- The follow-up of a bad rating (回访整改), on the shared request lifecycle:
-- open → called_back → rectified → closed. The assignee calls the citizen back by `due_on`
-- (working days on the center's calendar; NULL while the holidays the count crosses are not
-- loaded); a rating of a window service waits for the office to name one.
CREATE TABLE rating_follow_ups (
    id uuid PRIMARY KEY,
    center_id uuid NOT NULL REFERENCES centers (id),
    rating_id uuid NOT NULL UNIQUE REFERENCES ratings (id),
    state text NOT NULL CHECK (state IN ('open', 'called_back', 'rectified', 'closed')),
    assignee_id uuid REFERENCES staff (id),
    due_on date,
    decided_by uuid REFERENCES staff (id),
    decision_note text NOT NULL DEFAULT '' CHECK (char_length(decision_note) <= 1000),
    portal text,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX rating_follow_ups_page ON rating_follow_ups (center_id, state, id);
CREATE INDEX rating_follow_ups_assignee ON rating_follow_ups (assignee_id, state, id);
