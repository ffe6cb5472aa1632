ALTER TABLE rosters DROP COLUMN confirmed_short_days;
ALTER TABLE centers ADD COLUMN min_on_duty integer NOT NULL DEFAULT 1 CHECK (min_on_duty BETWEEN 1 AND 50);
UPDATE centers c SET min_on_duty = s.supervisors_per_day
    FROM rotation_settings s WHERE s.center_id = c.id;
