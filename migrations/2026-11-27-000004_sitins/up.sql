-- Department leaders sitting in the hall (领导坐班, R15, R16): the center's filing deadline,
-- leaders' weekday patterns, weekly plans and the attendance the office records.

-- Per-center settings; a center without a row uses the defaults.
CREATE TABLE sit_in_settings (
    center_id             uuid PRIMARY KEY REFERENCES centers (id),
    -- A plan for the week starting on Monday W is on time when filed (center's local date)
    -- on or before W - deadline_days_before days.
    deadline_days_before  integer NOT NULL DEFAULT 7 CHECK (deadline_days_before BETWEEN 0 AND 28),
    -- 0 while the defaults were never changed.
    version               integer NOT NULL DEFAULT 0,
    updated_at            timestamptz NOT NULL DEFAULT now()
);

-- A leader's fixed weekdays (R16), ISO numbers 1 (Monday) to 5 (Friday), ascending.
CREATE TABLE sit_in_patterns (
    leader_id   uuid PRIMARY KEY REFERENCES staff (id),
    center_id   uuid NOT NULL REFERENCES centers (id),
    weekdays    integer[] NOT NULL
        CHECK (cardinality(weekdays) BETWEEN 1 AND 5 AND weekdays <@ ARRAY[1, 2, 3, 4, 5]),
    version     integer NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sit_in_patterns_center_idx ON sit_in_patterns (center_id, leader_id);

-- One plan per leader and week; a re-filing replaces it. `department_id`, `deadline` and
-- `late` are fixed when (re-)filed, so later changes do not rewrite a past week's notice.
CREATE TABLE sit_in_plans (
    id              uuid PRIMARY KEY,
    center_id       uuid NOT NULL REFERENCES centers (id),
    leader_id       uuid NOT NULL REFERENCES staff (id),
    department_id   uuid NOT NULL REFERENCES departments (id),
    week            date NOT NULL CHECK (extract(isodow FROM week) = 1),
    days            date[] NOT NULL CHECK (cardinality(days) BETWEEN 1 AND 7),
    from_pattern    boolean NOT NULL,
    deadline        date NOT NULL,
    late            boolean NOT NULL,
    filed_at        timestamptz NOT NULL,
    first_filed_at  timestamptz NOT NULL,
    filed_by        uuid,
    version         integer NOT NULL DEFAULT 1,
    UNIQUE (center_id, week, leader_id)
);
CREATE INDEX sit_in_plans_leader_idx ON sit_in_plans (leader_id, week);
CREATE INDEX sit_in_plans_department_idx ON sit_in_plans (department_id);

-- Who actually sat on which day, as recorded by the office: one row per leader and date.
CREATE TABLE sit_in_attendance (
    id             uuid PRIMARY KEY,
    center_id      uuid NOT NULL REFERENCES centers (id),
    leader_id      uuid NOT NULL REFERENCES staff (id),
    department_id  uuid NOT NULL REFERENCES departments (id),
    date           date NOT NULL,
    recorded_by    uuid,
    recorded_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (center_id, leader_id, date)
);
CREATE INDEX sit_in_attendance_center_date_idx ON sit_in_attendance (center_id, date, leader_id);
CREATE INDEX sit_in_attendance_department_idx ON sit_in_attendance (department_id);
