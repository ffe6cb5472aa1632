-- Door and closing checks (R7). Each center keeps its own list of items (a hall without water
-- dispensers drops that one); each item says when it is due: `on_arrival` by the opening,
-- `before_closing` by the closing minus the center's `closing_lead_minutes`, `after_closing`
-- between the closing and the duty end. An item once recorded is deactivated, never deleted.
CREATE TABLE door_check_lists (
    center_id uuid PRIMARY KEY REFERENCES centers (id),
    -- The list's ETag: bumped by every change of the center's items.
    version integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    updated_at timestamptz NOT NULL
);

CREATE TABLE door_check_items (
    id uuid PRIMARY KEY,
    center_id uuid NOT NULL REFERENCES centers (id),
    code text NOT NULL CHECK (code ~ '^[a-z_]{1,40}$'),
    name_zh text NOT NULL CHECK (char_length(btrim(name_zh)) BETWEEN 1 AND 100),
    name_en text NOT NULL CHECK (char_length(btrim(name_en)) BETWEEN 1 AND 100),
    due text NOT NULL CHECK (due IN ('on_arrival', 'before_closing', 'after_closing')),
    position integer NOT NULL CHECK (position >= 0),
    active boolean NOT NULL DEFAULT true,
    CONSTRAINT door_check_items_code UNIQUE (center_id, code)
);
-- The unique constraint's index serves "the items of a center".

-- One record per item and duty day: who (a supervisor on duty that day), the server's receipt,
-- the phone's observed time (offline records), the due time it was judged by and the verdict.
CREATE TABLE door_checks (
    id uuid PRIMARY KEY,
    center_id uuid NOT NULL REFERENCES centers (id),
    day date NOT NULL,
    item_id uuid NOT NULL REFERENCES door_check_items (id),
    -- The supervisor on duty who recorded it; for a record the office added through an
    -- amendment, the office admin (NULL for an identity-provider caller without a staff record).
    recorded_by uuid REFERENCES staff (id),
    -- The duty the supervisor held (NULL when the office added the record).
    assignment_id uuid REFERENCES duty_assignments (id),
    received_at timestamptz NOT NULL,
    observed_at timestamptz,
    due_at timestamptz NOT NULL,
    early boolean NOT NULL,
    late boolean NOT NULL,
    needs_review boolean NOT NULL,
    note text CHECK (note IS NULL OR char_length(note) <= 500),
    CONSTRAINT door_checks_once UNIQUE (center_id, day, item_id)
);
-- The unique constraint's index serves "the door checks of a center's day"; this one "has the
-- item ever been recorded" (the list's PUT deactivates such items instead of deleting them).
CREATE INDEX door_checks_item ON door_checks (item_id);

-- Every existing center gets the default list (new centers get it when they are created).
INSERT INTO door_check_lists (center_id, version, updated_at)
SELECT id, 1, now() FROM centers;

INSERT INTO door_check_items (id, center_id, code, name_zh, name_en, due, position)
SELECT gen_random_uuid(), c.id, d.code, d.name_zh, d.name_en, d.due, d.position
FROM centers c
CROSS JOIN (VALUES
    ('security_door_opened', '联系保安开启窗口区域安全门', 'Window-area security door opened with the guard', 'on_arrival', 0),
    ('security_door_closed', '联系保安关闭窗口区域安全门', 'Window-area security door closed with the guard', 'before_closing', 1),
    ('lights_off', '关闭灯光电源', 'Lights off', 'after_closing', 2),
    ('water_dispensers_off', '关闭饮水机电源', 'Water dispensers off', 'after_closing', 3),
    ('other_power_off', '关闭其他电源', 'Other power off', 'after_closing', 4),
    ('glass_doors_windows_shut', '关好玻璃门窗', 'Glass doors and windows shut', 'after_closing', 5),
    ('main_gate_closed', '下班后联系保安关闭大楼大门', 'Main gate of the building closed after hours', 'after_closing', 6)
) AS d (code, name_zh, name_en, due, position);
