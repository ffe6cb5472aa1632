-- Login throttling by account and client address, and by client address alone (issue 9).
-- `account_key` is now the throttle key: `login|<center code>␟<employee no>|<address>`,
-- `password|<staff id>|<address>` or `addr|<address>`. `account` names the account a row
-- counts against (`login|<center code>␟<employee no>` or `password|<staff id>`), NULL for
-- the per-address rows: an office admin's unlock and a password reset delete an account's rows.
-- `window_start` is when the current run of failures began; `locked_until` ends the delay the
-- last counted failure set. The old per-account rows mean nothing under the new keys.
DELETE FROM login_throttle;
ALTER TABLE login_throttle ADD COLUMN account text;
CREATE INDEX login_throttle_account_idx ON login_throttle (account) WHERE account IS NOT NULL;
