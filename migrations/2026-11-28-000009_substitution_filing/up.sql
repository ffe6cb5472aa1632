-- R6: a substitution is filed with the office (备案), not approved by it. It takes effect when the
-- substitute accepts; the office acknowledges it or voids it with a reason. A center may turn an
-- approval gate on (the office then registers accepted substitutions, as before).

ALTER TABLE substitutions DROP CONSTRAINT substitutions_status_check;
ALTER TABLE substitutions ADD CONSTRAINT substitutions_status_check CHECK (status IN (
    'proposed', 'accepted', 'registered', 'acknowledged', 'voided', 'declined', 'rejected', 'cancelled'));
ALTER TABLE substitutions ADD COLUMN decision_note text NOT NULL DEFAULT ''
    CHECK (length(decision_note) <= 500);
ALTER TABLE swaps ADD COLUMN decision_note text NOT NULL DEFAULT ''
    CHECK (length(decision_note) <= 500);
ALTER TABLE rotation_settings ADD COLUMN substitutions_need_approval boolean NOT NULL DEFAULT false;
