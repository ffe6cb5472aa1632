DROP INDEX login_throttle_account_idx;
ALTER TABLE login_throttle DROP COLUMN account;
DELETE FROM login_throttle;
