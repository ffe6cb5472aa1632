DROP TRIGGER IF EXISTS staff_token_generation_notify ON staff;
DROP FUNCTION IF EXISTS staff_token_generation_notify();
DROP INDEX IF EXISTS staff_token_generation_bumped;
ALTER TABLE staff DROP COLUMN IF EXISTS token_generation;
