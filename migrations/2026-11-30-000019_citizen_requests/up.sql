-- Citizens' requests (R18-R20, R23): consultations, complaints, requests for help and
-- suggestions, received in the hall or sent in by the regional portal. Personal data is stored
-- encrypted (AES-256-GCM, the key named inside each value), searchable by phone only through a
-- keyed blind index, and shown masked.

-- Per-center deadlines (working days) and retention; a center without a row uses the defaults.
CREATE TABLE citizen_request_settings (
    center_id uuid PRIMARY KEY REFERENCES centers (id),
    consultation_days integer NOT NULL DEFAULT 3 CHECK (consultation_days BETWEEN 1 AND 60),
    help_days integer NOT NULL DEFAULT 5 CHECK (help_days BETWEEN 1 AND 60),
    complaint_days integer NOT NULL DEFAULT 10 CHECK (complaint_days BETWEEN 1 AND 60),
    suggestion_days integer NOT NULL DEFAULT 15 CHECK (suggestion_days BETWEEN 1 AND 60),
    -- Days after a request is closed before its citizen's personal data is anonymised.
    retention_days integer NOT NULL DEFAULT 1095 CHECK (retention_days BETWEEN 30 AND 3650),
    updated_at timestamptz NOT NULL
);

CREATE TABLE citizen_requests (
    id uuid PRIMARY KEY,
    center_id uuid NOT NULL REFERENCES centers (id),
    -- What the citizen is given to follow the request, e.g. TS20261128-40317.
    tracking_no text NOT NULL UNIQUE CHECK (tracking_no ~ '^[A-Z]{2}[0-9]{8}-[0-9]{5}$'),
    kind text NOT NULL CHECK (kind IN ('consultation', 'complaint', 'help', 'suggestion')),
    channel text NOT NULL CHECK (channel IN ('visit', 'phone', 'letter', 'portal', 'mobile')),
    state text NOT NULL CHECK (state IN ('received', 'accepted', 'forwarded', 'escalated',
        'in_progress', 'waiting_citizen', 'answered', 'closed', 'refused')),
    -- What it concerns: the hall, a department, a staff member or a matter (事项).
    concerns text NOT NULL CHECK (concerns IN ('hall', 'department', 'staff', 'matter')),
    department_id uuid REFERENCES departments (id),
    staff_id uuid REFERENCES staff (id),
    matter text CHECK (char_length(matter) <= 200),
    subject text NOT NULL CHECK (char_length(btrim(subject)) BETWEEN 1 AND 200),
    description text NOT NULL CHECK (char_length(btrim(description)) BETWEEN 1 AND 4000),
    -- Who holds it now (首问负责): NULL only while a portal request waits in the queue.
    owner_id uuid REFERENCES staff (id),
    received_by uuid REFERENCES staff (id),
    -- The portal client (identity provider subject) that sent it in.
    portal text,
    received_at timestamptz NOT NULL,
    -- The center's date of receipt: the deadline counts working days from here.
    received_on date NOT NULL,
    deadline_days integer NOT NULL CHECK (deadline_days BETWEEN 1 AND 60),
    -- Working days spent waiting for the citizen (they do not count), and since when it waits.
    paused_days integer NOT NULL DEFAULT 0 CHECK (paused_days >= 0),
    paused_on date,
    -- NULL while the statutory holidays the count crosses are not loaded (the tick fills it in).
    due_on date,
    answer text CHECK (char_length(answer) <= 4000),
    refusal_reason text CHECK (char_length(refusal_reason) <= 1000),
    refusal_guidance text CHECK (char_length(refusal_guidance) <= 1000),
    -- A complaint about a staff member ends with a finding.
    substantiated boolean,
    finding_reason text CHECK (char_length(finding_reason) <= 1000),
    overdue_escalated_at timestamptz,
    closed_at timestamptz,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    CHECK (owner_id IS NOT NULL OR state = 'received'),
    CHECK (concerns <> 'department' OR department_id IS NOT NULL),
    CHECK (concerns <> 'staff' OR staff_id IS NOT NULL),
    CHECK (concerns <> 'matter' OR matter IS NOT NULL)
);

CREATE INDEX citizen_requests_page ON citizen_requests (center_id, id);
CREATE INDEX citizen_requests_state ON citizen_requests (center_id, state, id);
CREATE INDEX citizen_requests_owner ON citizen_requests (owner_id, state, id);
CREATE INDEX citizen_requests_due ON citizen_requests (center_id, due_on)
    WHERE state NOT IN ('answered', 'closed', 'refused');

-- The citizen behind a request: personal data kept apart so that anonymising it (after the
-- center's retention period) touches one row and leaves the request and its history whole.
-- Ciphertexts are NULL when not given or anonymised; the masked forms are what most readers
-- see; the phone's blind index (HMAC of the normalised number) finds requests by exact phone.
CREATE TABLE citizen_contacts (
    request_id uuid PRIMARY KEY REFERENCES citizen_requests (id),
    center_id uuid NOT NULL REFERENCES centers (id),
    name_enc bytea,
    phone_enc bytea,
    name_masked text,
    phone_masked text,
    phone_index bytea,
    anonymised_at timestamptz
);
CREATE INDEX citizen_contacts_phone ON citizen_contacts (center_id, phone_index)
    WHERE phone_index IS NOT NULL;

-- Following a request without an account: the keyed hash of the verification code given at
-- intake; failed lookups lock the tracking number for a while.
CREATE TABLE citizen_request_lookups (
    request_id uuid PRIMARY KEY REFERENCES citizen_requests (id),
    code_hash bytea NOT NULL,
    failures integer NOT NULL DEFAULT 0,
    locked_until timestamptz
);

-- The chain of owners (首问负责): who held it, from when to when, and how it came to them.
CREATE TABLE citizen_request_owners (
    request_id uuid NOT NULL REFERENCES citizen_requests (id),
    seq integer NOT NULL,
    owner_id uuid NOT NULL REFERENCES staff (id),
    department_id uuid REFERENCES departments (id),
    how text NOT NULL CHECK (how IN ('received', 'accepted', 'forwarded', 'escalated')),
    since timestamptz NOT NULL,
    until timestamptz,
    PRIMARY KEY (request_id, seq)
);
CREATE INDEX citizen_request_owners_owner ON citizen_request_owners (owner_id);

-- Every move with its note, in order.
CREATE TABLE citizen_request_moves (
    request_id uuid NOT NULL REFERENCES citizen_requests (id),
    seq integer NOT NULL,
    action text NOT NULL,
    from_state text NOT NULL,
    to_state text NOT NULL,
    note text NOT NULL CHECK (char_length(note) <= 1000),
    by_staff uuid REFERENCES staff (id),
    actor text NOT NULL,
    at timestamptz NOT NULL,
    PRIMARY KEY (request_id, seq)
);

-- One-time notices (一次性告知): what the citizen was told in one go.
CREATE TABLE citizen_request_notices (
    id uuid PRIMARY KEY,
    request_id uuid NOT NULL REFERENCES citizen_requests (id),
    materials text[] NOT NULL,
    procedure text NOT NULL CHECK (char_length(btrim(procedure)) BETWEEN 1 AND 2000),
    time_limit text NOT NULL CHECK (char_length(btrim(time_limit)) BETWEEN 1 AND 200),
    given_by uuid NOT NULL REFERENCES staff (id),
    given_at timestamptz NOT NULL
);
CREATE INDEX citizen_request_notices_request ON citizen_request_notices (request_id, given_at);

-- Attachments of a request reuse attachment_refs (entity_type 'citizen_request').
ALTER TABLE attachment_refs DROP CONSTRAINT attachment_refs_entity_type_check;
ALTER TABLE attachment_refs ADD CONSTRAINT attachment_refs_entity_type_check
    CHECK (entity_type IN ('inspection', 'rectification', 'citizen_request'));
