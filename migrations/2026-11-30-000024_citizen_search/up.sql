-- Finding citizens' requests: an index for every filter of GET /citizen-requests, Chinese
-- substring search over subject and description, and a version for the center's settings.

-- Substring search: every character and every pair of adjacent characters (lower-cased) of the
-- subject and description, in a GIN index. A query of one character looks up that character, a
-- longer one all of its pairs; the rows found are then checked with strpos (literal, so `%` and
-- `_` mean themselves). pg_trgm is not used: it serves no query shorter than three characters
-- (二字词 such as 医保 are the common case) and depends on the cluster's ctype for CJK text.
CREATE FUNCTION citizen_request_grams(t text) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$
        SELECT coalesce(array_agg(DISTINCT g), '{}')
        FROM (SELECT substr(lower(t), i, n) AS g, n
              FROM generate_series(1, char_length(t)) AS i, (VALUES (1), (2)) AS v (n)) AS s
        WHERE char_length(g) = n
    $$;

ALTER TABLE citizen_requests ADD COLUMN search_grams text[] NOT NULL
    GENERATED ALWAYS AS (citizen_request_grams(subject || E'\n' || description)) STORED;
CREATE INDEX citizen_requests_search ON citizen_requests USING gin (search_grams);

-- Filters (state, owner, tracking number and overdue have theirs from the first migration).
CREATE INDEX citizen_requests_kind ON citizen_requests (center_id, kind, id);
CREATE INDEX citizen_requests_department ON citizen_requests (department_id, id)
    WHERE department_id IS NOT NULL;
CREATE INDEX citizen_requests_received_by ON citizen_requests (received_by, id)
    WHERE received_by IS NOT NULL;
CREATE INDEX citizen_requests_owners_chain ON citizen_request_owners (owner_id, request_id);
-- The office's queue of open requests that became overdue.
CREATE INDEX citizen_requests_escalated ON citizen_requests (center_id, id)
    WHERE overdue_escalated_at IS NOT NULL AND state NOT IN ('answered', 'closed', 'refused');
-- The tick's pass over requests whose due date waits for a year's holidays.
CREATE INDEX citizen_requests_due_unknown ON citizen_requests (center_id, received_on)
    WHERE due_on IS NULL AND state NOT IN ('answered', 'closed', 'refused');

-- The settings are replaced with If-Match: their version (a center without a row reads as version 1).
ALTER TABLE citizen_request_settings ADD COLUMN version integer NOT NULL DEFAULT 1;
