-- Personal calendar-feed tokens: phone calendar apps cannot send headers, so the feed URL
-- carries a revocable token. Only a SHA-256 of the token is stored.
CREATE TABLE feed_tokens (
    id          uuid PRIMARY KEY,
    center_id   uuid NOT NULL REFERENCES centers (id),
    staff_id    uuid NOT NULL REFERENCES staff (id),
    token_hash  text NOT NULL UNIQUE,
    label       text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);
CREATE INDEX feed_tokens_staff_idx ON feed_tokens (center_id, staff_id, id);
