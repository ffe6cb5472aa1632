-- Attendance of the front-desk staff (R4.5): one entry per staff member and duty day, written by
-- the day's supervisors; changes to a written entry are amendments (the `amendments` table).
CREATE TABLE attendance_entries (
    id uuid PRIMARY KEY,
    center_id uuid NOT NULL REFERENCES centers (id),
    day date NOT NULL,
    staff_id uuid NOT NULL REFERENCES staff (id),
    status text NOT NULL CHECK (status IN
        ('present', 'late', 'left_early', 'absent', 'left_with_permission', 'on_leave', 'business_trip')),
    -- Minutes late or left early; only for those two statuses.
    minutes integer CHECK (minutes BETWEEN 1 AND 720),
    -- 代行: who does an absent person's work; only for `absent`.
    stand_in_id uuid REFERENCES staff (id),
    note text CHECK (char_length(note) <= 500),
    recorded_by uuid REFERENCES staff (id),
    recorded_at timestamptz NOT NULL,
    CHECK ((status IN ('late', 'left_early')) = (minutes IS NOT NULL)),
    CHECK (stand_in_id IS NULL OR status = 'absent'),
    UNIQUE (center_id, day, staff_id)
);

-- A staff member's own days (GET /me/attendance).
CREATE INDEX attendance_staff_day_idx ON attendance_entries (center_id, staff_id, day);

-- The duty log (R4.5, R8, R13, R22): one per center and duty day; a draft while the day runs,
-- submitted to the office (freezing it and the attendance), acknowledged by the office.
CREATE TABLE duty_logs (
    id uuid PRIMARY KEY,
    center_id uuid NOT NULL REFERENCES centers (id),
    day date NOT NULL,
    status text NOT NULL CHECK (status IN ('draft', 'submitted', 'acknowledged')),
    attendance_summary text NOT NULL CHECK (char_length(attendance_summary) <= 2000),
    service_quality text NOT NULL CHECK (char_length(service_quality) <= 2000),
    service_attitude text NOT NULL CHECK (char_length(service_attitude) <= 2000),
    problems jsonb NOT NULL,
    escalations jsonb NOT NULL,
    emergencies jsonb NOT NULL,
    written_by uuid REFERENCES staff (id),
    written_at timestamptz NOT NULL,
    submitted_by uuid REFERENCES staff (id),
    submitted_at timestamptz,
    submitted_on_time boolean,
    acknowledged_by uuid REFERENCES staff (id),
    acknowledged_at timestamptz,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL,
    CHECK ((status = 'draft') = (submitted_at IS NULL)),
    CHECK ((status = 'acknowledged') = (acknowledged_at IS NOT NULL)),
    UNIQUE (center_id, day)
);

-- Facility faults reported for repair (R13). Open faults carry over to the next days' logs until
-- repaired. `reported_on` / `repaired_on` are the center's dates of the two instants.
CREATE TABLE facility_faults (
    id uuid PRIMARY KEY,
    center_id uuid NOT NULL REFERENCES centers (id),
    what text NOT NULL CHECK (char_length(btrim(what)) BETWEEN 1 AND 200),
    location text NOT NULL CHECK (char_length(btrim(location)) BETWEEN 1 AND 200),
    reported_to text NOT NULL CHECK (char_length(btrim(reported_to)) BETWEEN 1 AND 100),
    reported_at timestamptz NOT NULL,
    reported_on date NOT NULL,
    reported_by uuid REFERENCES staff (id),
    repaired_at timestamptz,
    repaired_on date,
    repaired_by uuid REFERENCES staff (id),
    repair_note text CHECK (char_length(repair_note) <= 500),
    created_at timestamptz NOT NULL,
    CHECK ((repaired_at IS NULL) = (repaired_on IS NULL)),
    CHECK (repaired_at IS NULL OR repaired_at >= reported_at)
);

-- The list by reporting date, and the open ones (the list's `open=true`, a day's log).
CREATE INDEX facility_faults_reported_idx ON facility_faults (center_id, reported_on, id);
CREATE INDEX facility_faults_open_idx ON facility_faults (center_id, reported_on, id)
    WHERE repaired_at IS NULL;
-- Faults closed after a date (a past day's log).
CREATE INDEX facility_faults_repaired_idx ON facility_faults (center_id, repaired_on)
    WHERE repaired_at IS NOT NULL;
