ALTER TABLE duty_assignments DROP COLUMN overrides;

-- Back to English sentences, as the service wrote them before.
ALTER TABLE duty_assignments ADD COLUMN reason_text text;
UPDATE duty_assignments da SET reason_text = CASE da.reason->>'code'
    WHEN 'replaced_by_office' THEN 'replaced by the office'
    WHEN 'swapped' THEN 'swapped'
    WHEN 'holder_turn' THEN format('%s holds this %s (rotation order %s); next in its queue (round %s)',
        (SELECT d.name FROM departments d WHERE d.id = (da.reason->'params'->>'department_id')::uuid),
        da.reason->'params'->>'span',
        da.reason->'params'->>'rotation_order',
        da.reason->'params'->>'round')
    WHEN 'filled_from_other_department' THEN format('filled from %s (round %s): %s had %s available',
        (SELECT d.name FROM departments d WHERE d.id = (da.reason->'params'->>'department_id')::uuid),
        da.reason->'params'->>'round',
        (SELECT d.name FROM departments d WHERE d.id = (da.reason->'params'->>'holder_department_id')::uuid),
        CASE WHEN (da.reason->'params'->>'holder_gave_some')::boolean THEN 'nobody else' ELSE 'nobody' END)
    ELSE coalesce(da.reason->'params'->>'text', '')
END;
ALTER TABLE duty_assignments DROP COLUMN reason;
ALTER TABLE duty_assignments RENAME COLUMN reason_text TO reason;
ALTER TABLE duty_assignments ALTER COLUMN reason SET NOT NULL;
