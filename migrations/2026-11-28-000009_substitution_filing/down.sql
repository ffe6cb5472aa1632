ALTER TABLE rotation_settings DROP COLUMN substitutions_need_approval;
ALTER TABLE swaps DROP COLUMN decision_note;
ALTER TABLE substitutions DROP COLUMN decision_note;
UPDATE substitutions SET status = 'registered' WHERE status = 'acknowledged';
UPDATE substitutions SET status = 'cancelled' WHERE status = 'voided';
ALTER TABLE substitutions DROP CONSTRAINT substitutions_status_check;
ALTER TABLE substitutions ADD CONSTRAINT substitutions_status_check CHECK (status IN (
    'proposed', 'accepted', 'declined', 'registered', 'rejected', 'cancelled'));
