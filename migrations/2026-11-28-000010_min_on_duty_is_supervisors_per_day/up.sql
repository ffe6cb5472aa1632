-- R10: one setting for how many are on duty each day: rotation_settings.supervisors_per_day
-- (1–10). centers.min_on_duty, which nothing read, moves into it and goes.
INSERT INTO rotation_settings (center_id, supervisors_per_day)
SELECT id, LEAST(min_on_duty, 10) FROM centers WHERE min_on_duty > 1
ON CONFLICT (center_id) DO UPDATE
    SET supervisors_per_day = GREATEST(rotation_settings.supervisors_per_day, EXCLUDED.supervisors_per_day);
ALTER TABLE centers DROP COLUMN min_on_duty;

-- Working days a roster leaves below supervisors_per_day that the office confirmed at publication.
ALTER TABLE rosters ADD COLUMN confirmed_short_days date[] NOT NULL DEFAULT '{}';
