DROP TABLE amendments;
ALTER TABLE centers DROP COLUMN duty_grace_minutes, DROP COLUMN closing_lead_minutes;
