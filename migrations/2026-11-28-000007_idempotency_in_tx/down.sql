-- Sealed bodies cannot be replayed by the older code: forget them.
DELETE FROM idempotency_keys;
COMMENT ON COLUMN idempotency_keys.response_body IS NULL;
COMMENT ON COLUMN idempotency_keys.request_hash IS NULL;
