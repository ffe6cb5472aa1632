-- Revocation that takes effect at once: every access token this service issues carries the
-- staff member's token generation; bumping it refuses every token issued before. Each instance
-- keeps the generations in memory and learns of a bump through NOTIFY dutydesk_revocations.
ALTER TABLE staff ADD COLUMN token_generation integer NOT NULL DEFAULT 0;

-- Only bumped staff are loaded into the cache (the rest are at 0).
CREATE INDEX staff_token_generation_bumped ON staff (id) INCLUDE (token_generation)
    WHERE token_generation > 0;

-- Any bump, from the service or from SQL, reaches every instance when its transaction commits.
CREATE FUNCTION staff_token_generation_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('dutydesk_revocations', NEW.id::text || ':' || NEW.token_generation::text);
    RETURN NEW;
END;
$$;

CREATE TRIGGER staff_token_generation_notify
    AFTER UPDATE OF token_generation ON staff
    FOR EACH ROW
    WHEN (OLD.token_generation IS DISTINCT FROM NEW.token_generation)
    EXECUTE FUNCTION staff_token_generation_notify();
