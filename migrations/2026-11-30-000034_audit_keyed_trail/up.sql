-- A trail that holds against someone with database access: a keyed chain (HMAC-SHA256 under
-- DUTYDESK_AUDIT_KEY, which is not in the database), signed checkpoints taken by the tick, and
-- TRUNCATE refused.

-- Events up to the head at this migration were chained with the unkeyed SHA-256 (scheme 1); every
-- later event of the center is keyed (scheme 2). The cut-over is part of every signed checkpoint,
-- so moving it (to re-chain keyed events without the key) is detected by the checkpoints.
ALTER TABLE audit_heads ADD COLUMN keyed_from bigint NOT NULL DEFAULT 1 CHECK (keyed_from >= 1);
UPDATE audit_heads SET keyed_from = seq + 1;

-- Signed checkpoints: (center, last seq, head hash, keyed_from, time) signed with Ed25519 under
-- DUTYDESK_AUDIT_SIGNING_KEY. One per center and head: the tick adds one only when the head moved.
CREATE TABLE audit_checkpoints (
    id          uuid PRIMARY KEY,
    center_id   uuid NOT NULL REFERENCES centers (id),
    seq         bigint NOT NULL CHECK (seq >= 0),
    head_hash   text NOT NULL,
    keyed_from  bigint NOT NULL,
    taken_at    timestamptz NOT NULL,
    signature   text NOT NULL,
    UNIQUE (center_id, seq)
);

-- Checkpoints are append-only like the events.
CREATE FUNCTION audit_checkpoints_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_checkpoints is append-only';
END;
$$;
CREATE TRIGGER audit_checkpoints_no_update_delete
    BEFORE UPDATE OR DELETE ON audit_checkpoints
    FOR EACH ROW EXECUTE FUNCTION audit_checkpoints_append_only();

-- No TRUNCATE of the trail, its heads or its checkpoints (row triggers do not see TRUNCATE).
CREATE FUNCTION audit_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% may not be truncated', TG_TABLE_NAME;
END;
$$;
CREATE TRIGGER audit_events_no_truncate
    BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_no_truncate();
CREATE TRIGGER audit_heads_no_truncate
    BEFORE TRUNCATE ON audit_heads
    FOR EACH STATEMENT EXECUTE FUNCTION audit_no_truncate();
CREATE TRIGGER audit_checkpoints_no_truncate
    BEFORE TRUNCATE ON audit_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION audit_no_truncate();

-- A head only moves forward and keeps its cut-over (the application never rewinds it).
CREATE FUNCTION audit_heads_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.seq < OLD.seq OR NEW.keyed_from <> OLD.keyed_from OR NEW.center_id <> OLD.center_id THEN
        RAISE EXCEPTION 'audit_heads only moves forward';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER audit_heads_forward_only
    BEFORE UPDATE ON audit_heads
    FOR EACH ROW EXECUTE FUNCTION audit_heads_forward_only();
CREATE FUNCTION audit_heads_no_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_heads rows may not be deleted';
END;
$$;
CREATE TRIGGER audit_heads_no_delete
    BEFORE DELETE ON audit_heads
    FOR EACH ROW EXECUTE FUNCTION audit_heads_no_delete();
