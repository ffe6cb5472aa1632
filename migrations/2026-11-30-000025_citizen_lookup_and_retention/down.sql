DROP INDEX citizen_contacts_not_anonymised;
DROP INDEX citizen_requests_finished;
ALTER TABLE citizen_request_lookups DROP COLUMN window_start;
