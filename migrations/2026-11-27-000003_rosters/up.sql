-- Rotation settings, rosters, duty assignments, substitutions, swaps and leave (R1–R3, R6, R10, R11, R14).

-- Trusted extension (PostgreSQL 13+): lets the exclusion constraint below mix = and &&.
CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE rotation_settings (
    center_id            uuid PRIMARY KEY REFERENCES centers (id),
    -- Explicit department order; empty = by departments.rotation_order.
    department_order     uuid[] NOT NULL DEFAULT '{}',
    unit                 text NOT NULL DEFAULT 'day' CHECK (unit IN ('day', 'week')),
    supervisors_per_day  integer NOT NULL DEFAULT 1 CHECK (supervisors_per_day BETWEEN 1 AND 10),
    version              integer NOT NULL DEFAULT 1,
    updated_at           timestamptz NOT NULL DEFAULT now()
);

-- Office choices about who takes supervisor duty, overriding the default
-- (active front-desk/back-office staff holding the supervisor role), and queue order.
CREATE TABLE rotation_members (
    staff_id        uuid PRIMARY KEY REFERENCES staff (id),
    center_id       uuid NOT NULL REFERENCES centers (id),
    included        boolean NOT NULL,
    queue_position  integer
);
CREATE INDEX rotation_members_center_idx ON rotation_members (center_id);

CREATE TABLE rosters (
    id                   uuid PRIMARY KEY,
    center_id            uuid NOT NULL REFERENCES centers (id),
    start_date           date NOT NULL,
    end_date             date NOT NULL,
    status               text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published')),
    unit                 text NOT NULL CHECK (unit IN ('day', 'week')),
    supervisors_per_day  integer NOT NULL,
    start_state          jsonb NOT NULL,
    end_state            jsonb,
    shortfalls           jsonb NOT NULL DEFAULT '[]',
    created_by           uuid,
    published_by         uuid,
    published_at         timestamptz,
    version              integer NOT NULL DEFAULT 1,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    CHECK (end_date >= start_date AND end_date - start_date <= 400),
    -- Published rosters of one center never overlap.
    CONSTRAINT rosters_published_no_overlap EXCLUDE USING gist (
        center_id WITH =, daterange(start_date, end_date, '[]') WITH &&
    ) WHERE (status = 'published')
);
CREATE INDEX rosters_center_start_idx ON rosters (center_id, start_date DESC, id);
CREATE INDEX rosters_center_status_idx ON rosters (center_id, status, end_date DESC);

CREATE TABLE duty_assignments (
    id               uuid PRIMARY KEY,
    center_id        uuid NOT NULL REFERENCES centers (id),
    roster_id        uuid NOT NULL REFERENCES rosters (id) ON DELETE CASCADE,
    date             date NOT NULL,
    slot             integer NOT NULL,
    staff_id         uuid NOT NULL REFERENCES staff (id),
    department_id    uuid NOT NULL REFERENCES departments (id),
    reason           text NOT NULL,
    -- The registered substitute (顶岗), who is on duty instead of staff_id.
    substitute_id    uuid REFERENCES staff (id),
    published        boolean NOT NULL DEFAULT false,
    version          integer NOT NULL DEFAULT 1,
    UNIQUE (roster_id, date, slot)
);
-- Nobody is on duty twice the same day: enforced by the database, not only by code.
CREATE UNIQUE INDEX duty_one_per_person_per_day
    ON duty_assignments (center_id, date, (coalesce(substitute_id, staff_id))) WHERE published;
CREATE UNIQUE INDEX duty_draft_one_per_person_per_day ON duty_assignments (roster_id, date, staff_id);
CREATE INDEX duty_center_date_idx ON duty_assignments (center_id, date, slot, id) WHERE published;
CREATE INDEX duty_center_staff_idx ON duty_assignments (center_id, staff_id, date) WHERE published;
CREATE INDEX duty_center_substitute_idx ON duty_assignments (center_id, substitute_id, date) WHERE substitute_id IS NOT NULL;
CREATE INDEX duty_center_department_idx ON duty_assignments (center_id, department_id, date) WHERE published;

CREATE TABLE substitutions (
    id                  uuid PRIMARY KEY,
    center_id           uuid NOT NULL REFERENCES centers (id),
    assignment_id       uuid NOT NULL REFERENCES duty_assignments (id) ON DELETE CASCADE,
    original_staff_id   uuid NOT NULL REFERENCES staff (id),
    substitute_id       uuid NOT NULL REFERENCES staff (id),
    status              text NOT NULL CHECK (status IN ('proposed', 'accepted', 'declined', 'registered', 'rejected', 'cancelled')),
    same_day            boolean NOT NULL DEFAULT false,
    offline             boolean NOT NULL DEFAULT false,
    reason              text NOT NULL DEFAULT '',
    assignment_version  integer NOT NULL,
    requested_by        uuid,
    decided_by          uuid,
    decided_at          timestamptz,
    version             integer NOT NULL DEFAULT 1,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX substitutions_one_open_per_assignment
    ON substitutions (assignment_id) WHERE status IN ('proposed', 'accepted');
CREATE INDEX substitutions_center_idx ON substitutions (center_id, id);
CREATE INDEX substitutions_assignment_idx ON substitutions (assignment_id);
CREATE INDEX substitutions_center_status_idx ON substitutions (center_id, status, id);
CREATE INDEX substitutions_substitute_idx ON substitutions (center_id, substitute_id, id);
CREATE INDEX substitutions_original_idx ON substitutions (center_id, original_staff_id, id);

CREATE TABLE swaps (
    id                 uuid PRIMARY KEY,
    center_id          uuid NOT NULL REFERENCES centers (id),
    assignment_a       uuid NOT NULL REFERENCES duty_assignments (id) ON DELETE CASCADE,
    assignment_b       uuid NOT NULL REFERENCES duty_assignments (id) ON DELETE CASCADE,
    staff_a            uuid NOT NULL REFERENCES staff (id),
    staff_b            uuid NOT NULL REFERENCES staff (id),
    status             text NOT NULL CHECK (status IN ('proposed', 'accepted', 'declined', 'registered', 'rejected', 'cancelled')),
    version_a          integer NOT NULL,
    version_b          integer NOT NULL,
    reason             text NOT NULL DEFAULT '',
    decided_by         uuid,
    decided_at         timestamptz,
    version            integer NOT NULL DEFAULT 1,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CHECK (assignment_a <> assignment_b)
);
CREATE INDEX swaps_center_idx ON swaps (center_id, id);
-- Foreign keys with ON DELETE CASCADE (deleting a draft roster) need their own indexes.
CREATE INDEX swaps_assignment_a_idx ON swaps (assignment_a);
CREATE INDEX swaps_assignment_b_idx ON swaps (assignment_b);
CREATE INDEX swaps_center_status_idx ON swaps (center_id, status, id);
CREATE INDEX swaps_staff_a_idx ON swaps (center_id, staff_a, id);
CREATE INDEX swaps_staff_b_idx ON swaps (center_id, staff_b, id);

CREATE TABLE leave_requests (
    id            uuid PRIMARY KEY,
    center_id     uuid NOT NULL REFERENCES centers (id),
    staff_id      uuid NOT NULL REFERENCES staff (id),
    kind          text NOT NULL CHECK (kind IN ('personal', 'sick', 'annual', 'time_off_in_lieu', 'business_trip')),
    start_date    date NOT NULL,
    end_date      date NOT NULL,
    reason        text NOT NULL DEFAULT '',
    status        text NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'cancelled')),
    decided_by    uuid,
    decided_at    timestamptz,
    decision_note text NOT NULL DEFAULT '',
    version       integer NOT NULL DEFAULT 1,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (end_date >= start_date)
);
CREATE INDEX leave_center_idx ON leave_requests (center_id, id);
CREATE INDEX leave_center_status_idx ON leave_requests (center_id, status, id);
CREATE INDEX leave_center_staff_idx ON leave_requests (center_id, staff_id, id);
CREATE INDEX leave_approved_range_idx ON leave_requests (center_id, start_date, end_date) WHERE status = 'approved';
