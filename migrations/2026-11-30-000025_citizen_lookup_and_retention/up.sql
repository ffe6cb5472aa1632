-- Following a request without an account: failed lookups count within a window that starts at
-- the first failure (NULL when there is none); 5 within the window lock the tracking number.
ALTER TABLE citizen_request_lookups ADD COLUMN window_start timestamptz;

-- Anonymisation by the tick: requests closed or refused, by when (closed_at, else the last change).
CREATE INDEX citizen_requests_finished ON citizen_requests ((COALESCE(closed_at, updated_at)))
    WHERE state IN ('closed', 'refused');
-- ...whose citizen still has personal data.
CREATE INDEX citizen_contacts_not_anonymised ON citizen_contacts (request_id)
    WHERE anonymised_at IS NULL;
