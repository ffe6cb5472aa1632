-- Why a person is on a duty becomes a code with parameters, {"code": ..., "params": {...}}
-- (ids and numbers; clients render it in their own language), instead of an English sentence.
-- Existing sentences are parsed where they follow the patterns the service wrote; anything else
-- is kept as {"code": "legacy", "params": {"text": <the sentence>}}.
ALTER TABLE duty_assignments ADD COLUMN reason_coded jsonb;

UPDATE duty_assignments da SET reason_coded = CASE
    WHEN da.reason = 'replaced by the office' THEN jsonb_build_object(
        'code', 'replaced_by_office',
        'params', jsonb_strip_nulls(jsonb_build_object(
            'department_id', (SELECT s.department_id FROM staff s WHERE s.id = da.staff_id))))
    WHEN da.reason = 'swapped' THEN '{"code": "swapped", "params": {}}'::jsonb
    WHEN da.reason ~ '^.+ holds this (day|week) \(rotation order [0-9]{1,6}\); next in its queue \(round [0-9]{1,9}\)$'
        THEN jsonb_build_object(
        'code', 'holder_turn',
        'params', jsonb_build_object(
            'department_id', da.department_id,
            'rotation_order', ((regexp_match(da.reason, '\(rotation order ([0-9]+)\); next'))[1])::integer,
            'span', (regexp_match(da.reason, ' holds this (day|week) \(rotation order [0-9]+\); next'))[1],
            'round', ((regexp_match(da.reason, '\(round ([0-9]+)\)$'))[1])::integer))
    WHEN da.reason ~ '^filled from .+ \(round [0-9]{1,9}\): .+ had nobody( else)? available$'
        THEN jsonb_build_object(
        'code', 'filled_from_other_department',
        'params', jsonb_strip_nulls(jsonb_build_object(
            'department_id', da.department_id,
            'round', ((regexp_match(da.reason, '\(round ([0-9]+)\): '))[1])::integer,
            'holder_department_id', (
                SELECT d.id FROM departments d
                WHERE d.center_id = da.center_id
                  AND d.name = (regexp_match(da.reason, '\(round [0-9]+\): (.+) had nobody( else)? available$'))[1]
                ORDER BY d.id LIMIT 1),
            'holder_gave_some', da.reason LIKE '% had nobody else available')))
    ELSE jsonb_build_object('code', 'legacy', 'params', jsonb_build_object('text', da.reason))
END;

ALTER TABLE duty_assignments DROP COLUMN reason;
ALTER TABLE duty_assignments RENAME COLUMN reason_coded TO reason;
ALTER TABLE duty_assignments ALTER COLUMN reason SET NOT NULL;
ALTER TABLE duty_assignments ADD CONSTRAINT duty_reason_coded CHECK (
    reason->>'code' IN ('holder_turn', 'filled_from_other_department', 'replaced_by_office', 'swapped', 'legacy')
    AND jsonb_typeof(reason->'params') = 'object');

-- The rotation rules (R2) the office confirmed overriding when it put someone on a draft's day.
ALTER TABLE duty_assignments ADD COLUMN overrides text[] NOT NULL DEFAULT '{}'
    CONSTRAINT duty_overrides_known CHECK (overrides <@ ARRAY['other_department', 'consecutive_days']::text[]);
