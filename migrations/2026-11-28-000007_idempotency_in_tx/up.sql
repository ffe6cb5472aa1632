-- Idempotency-Key records are now written in the write's own transaction, and stored response
-- bodies are sealed (XChaCha20-Poly1305, key derived from the server's JWT secret) and request
-- hashes keyed (HMAC): bodies stored in clear before this migration (they may hold phone numbers)
-- are dropped with their keys; unfinished keys go too (no lease is needed any more).
DELETE FROM idempotency_keys;
COMMENT ON COLUMN idempotency_keys.response_body IS
    'nonce (24 bytes) || XChaCha20-Poly1305 ciphertext of the response body; never clear text';
COMMENT ON COLUMN idempotency_keys.request_hash IS
    'HMAC-SHA256 of caller, method, path, query and body';
