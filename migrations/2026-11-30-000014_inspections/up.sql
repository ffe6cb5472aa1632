-- Attachments, one way for the whole service: the bytes in PostgreSQL with their size, digest
-- and the type decided from the bytes (JPEG, PNG or PDF), who uploaded them and when.
CREATE TABLE attachments (
    id uuid PRIMARY KEY,
    center_id uuid NOT NULL REFERENCES centers (id),
    uploaded_by uuid NOT NULL REFERENCES staff (id),
    content_type text NOT NULL
        CHECK (content_type IN ('image/jpeg', 'image/png', 'application/pdf')),
    size integer NOT NULL CHECK (size > 0),
    sha256 text NOT NULL CHECK (char_length(sha256) = 64),
    data bytea NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX attachments_uploader ON attachments (center_id, uploaded_by);

-- Which records reference an attachment (an inspection finding, a rectification answer; later
-- citizens' requests): the attachment is served to whoever may see one of them.
CREATE TABLE attachment_refs (
    attachment_id uuid NOT NULL REFERENCES attachments (id),
    entity_type text NOT NULL CHECK (entity_type IN ('inspection', 'rectification')),
    entity_id uuid NOT NULL,
    center_id uuid NOT NULL REFERENCES centers (id),
    created_at timestamptz NOT NULL,
    PRIMARY KEY (attachment_id, entity_type, entity_id)
);
CREATE INDEX attachment_refs_entity ON attachment_refs (entity_type, entity_id);

-- Inspection findings (R4.1, R5): about one window staff member or the hall as a whole
-- (staff_id NULL), written by a supervisor on duty that day.
CREATE TABLE inspections (
    id uuid PRIMARY KEY,
    center_id uuid NOT NULL REFERENCES centers (id),
    day date NOT NULL,
    staff_id uuid REFERENCES staff (id),
    category text NOT NULL CHECK (category IN ('attendance', 'conduct', 'attitude',
        'case_quality', 'efficiency', 'cleanliness', 'safety')),
    result text NOT NULL CHECK (result IN ('ok', 'problem')),
    severity text CHECK (severity IN ('minor', 'major', 'serious')),
    description text CHECK (description IS NULL OR char_length(description) BETWEEN 1 AND 2000),
    inspector_id uuid NOT NULL REFERENCES staff (id),
    -- The published duty the inspector held that day (after substitutions).
    assignment_id uuid NOT NULL REFERENCES duty_assignments (id),
    received_at timestamptz NOT NULL,
    observed_at timestamptz,
    CONSTRAINT inspections_severity_iff_problem CHECK ((result = 'problem') = (severity IS NOT NULL)),
    CONSTRAINT inspections_problem_described CHECK (result = 'ok' OR description IS NOT NULL)
);
-- Lists are newest first (id, time-ordered) within a center; each filter has its index.
CREATE INDEX inspections_center ON inspections (center_id, id);
CREATE INDEX inspections_day ON inspections (center_id, day, id);
CREATE INDEX inspections_staff ON inspections (center_id, staff_id, id);
CREATE INDEX inspections_category ON inspections (center_id, category, id);
CREATE INDEX inspections_severity ON inspections (center_id, severity, id);
CREATE INDEX inspections_result ON inspections (center_id, result, id);

-- Rectification (整改, R25) of a problem, on the shared request lifecycle: open → answered →
-- verified, or reopened with a new deadline. staff_id is the finding's (NULL: the office answers).
CREATE TABLE rectifications (
    id uuid PRIMARY KEY,
    center_id uuid NOT NULL REFERENCES centers (id),
    inspection_id uuid NOT NULL UNIQUE REFERENCES inspections (id),
    staff_id uuid REFERENCES staff (id),
    status text NOT NULL CHECK (status IN ('open', 'answered', 'verified', 'reopened')),
    working_days integer NOT NULL CHECK (working_days BETWEEN 1 AND 30),
    deadline date NOT NULL,
    decided_by uuid REFERENCES staff (id),
    decision_note text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX rectifications_center ON rectifications (center_id, id);
CREATE INDEX rectifications_status ON rectifications (center_id, status, deadline);
CREATE INDEX rectifications_staff ON rectifications (center_id, staff_id, id);

-- Every move of a rectification with its note (answers, verifications, reopenings).
CREATE TABLE rectification_events (
    id uuid PRIMARY KEY,
    rectification_id uuid NOT NULL REFERENCES rectifications (id),
    action text NOT NULL CHECK (action IN ('answered', 'verified', 'reopened')),
    staff_id uuid REFERENCES staff (id),
    note text NOT NULL CHECK (char_length(note) BETWEEN 1 AND 1000),
    deadline date,
    at timestamptz NOT NULL
);
CREATE INDEX rectification_events_of ON rectification_events (rectification_id, at);
