-- Foundation: centers, departments, staff, auth state, idempotency keys, audit trail.

CREATE TABLE centers (
    id                   uuid PRIMARY KEY,
    code                 text NOT NULL UNIQUE,
    name                 text NOT NULL,
    time_zone            text NOT NULL DEFAULT 'Asia/Shanghai',
    opening_time         time NOT NULL DEFAULT '08:30',
    closing_time         time NOT NULL DEFAULT '17:30',
    duty_start_time      time NOT NULL DEFAULT '08:00',
    duty_end_time        time NOT NULL DEFAULT '18:00',
    arrival_lead_minutes integer NOT NULL DEFAULT 10 CHECK (arrival_lead_minutes BETWEEN 0 AND 240),
    min_on_duty          integer NOT NULL DEFAULT 1 CHECK (min_on_duty BETWEEN 1 AND 50),
    version              integer NOT NULL DEFAULT 1,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    CHECK (opening_time < closing_time),
    CHECK (duty_start_time <= opening_time AND duty_end_time >= closing_time)
);

CREATE TABLE departments (
    id             uuid PRIMARY KEY,
    center_id      uuid NOT NULL REFERENCES centers (id),
    name           text NOT NULL,
    code           text NOT NULL,
    rotation_order integer NOT NULL CHECK (rotation_order >= 0),
    active         boolean NOT NULL DEFAULT true,
    version        integer NOT NULL DEFAULT 1,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (center_id, code)
);
CREATE INDEX departments_center_order_idx ON departments (center_id, rotation_order, id);
CREATE INDEX departments_center_active_idx ON departments (center_id, active, id);

CREATE TABLE staff (
    id                  uuid PRIMARY KEY,
    center_id           uuid NOT NULL REFERENCES centers (id),
    department_id       uuid REFERENCES departments (id),
    employee_no         text NOT NULL,
    name                text NOT NULL,
    position            text CHECK (position IN ('front_desk', 'back_office')),
    roles               text[] NOT NULL CHECK (cardinality(roles) > 0
                            AND roles <@ ARRAY['office_admin', 'supervisor', 'window_staff', 'auditor']::text[]),
    leader              boolean NOT NULL DEFAULT false,
    phone               text,
    active              boolean NOT NULL DEFAULT true,
    password_hash       text NOT NULL,
    password_changed_at timestamptz NOT NULL DEFAULT now(),
    version             integer NOT NULL DEFAULT 1,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (center_id, employee_no)
);
CREATE INDEX staff_center_id_idx ON staff (center_id, id);
CREATE INDEX staff_center_department_idx ON staff (center_id, department_id, id);
CREATE INDEX staff_center_position_idx ON staff (center_id, position, id);
CREATE INDEX staff_center_active_idx ON staff (center_id, active, id);
CREATE INDEX staff_roles_idx ON staff USING gin (roles);

-- Rotating refresh tokens. Only a SHA-256 of the token is stored.
CREATE TABLE refresh_tokens (
    id          uuid PRIMARY KEY,
    family_id   uuid NOT NULL,
    staff_id    uuid NOT NULL REFERENCES staff (id),
    token_hash  text NOT NULL UNIQUE,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    revoked_at  timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_staff_idx ON refresh_tokens (staff_id);
CREATE INDEX refresh_tokens_expires_idx ON refresh_tokens (expires_at);

-- Failed-login throttling, keyed by center code + employee number (also for unknown accounts).
CREATE TABLE login_throttle (
    account_key     text PRIMARY KEY,
    failed_count    integer NOT NULL DEFAULT 0,
    window_start    timestamptz NOT NULL DEFAULT now(),
    locked_until    timestamptz
);
CREATE INDEX login_throttle_window_idx ON login_throttle (window_start);

-- Idempotency-Key records: the first response to a POST, replayed for retries.
CREATE TABLE idempotency_keys (
    principal       text NOT NULL,
    idem_key        text NOT NULL,
    method          text NOT NULL,
    path            text NOT NULL,
    request_hash    text NOT NULL,
    status          integer,
    response_headers jsonb,
    response_body   bytea,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (principal, idem_key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);

-- Append-only audit trail, hash-chained per center.
CREATE TABLE audit_heads (
    center_id  uuid PRIMARY KEY REFERENCES centers (id),
    seq        bigint NOT NULL,
    hash       text NOT NULL
);

CREATE TABLE audit_events (
    id           uuid PRIMARY KEY,
    center_id    uuid NOT NULL REFERENCES centers (id),
    seq          bigint NOT NULL,
    occurred_at  timestamptz NOT NULL,
    actor_id     uuid,
    actor        text NOT NULL,
    action       text NOT NULL,
    entity_type  text NOT NULL,
    entity_id    uuid NOT NULL,
    before       jsonb,
    after        jsonb,
    prev_hash    text NOT NULL,
    hash         text NOT NULL,
    UNIQUE (center_id, seq)
);
CREATE INDEX audit_events_entity_idx ON audit_events (center_id, entity_type, entity_id, seq);
CREATE INDEX audit_events_entity_id_idx ON audit_events (center_id, entity_id, seq);
CREATE INDEX audit_events_actor_idx ON audit_events (center_id, actor_id, seq);
CREATE INDEX audit_events_time_idx ON audit_events (center_id, occurred_at, seq);

-- The trail is append-only for the application: updates and deletes are refused.
-- (Someone with table-owner rights can still bypass this; the hash chain detects it.)
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only';
END;
$$;
CREATE TRIGGER audit_events_no_update_delete
    BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
