-- Feed tokens can expire: past expires_at a feed URL answers 401. NULL: no expiry (older tokens).
ALTER TABLE feed_tokens ADD COLUMN expires_at timestamptz;
