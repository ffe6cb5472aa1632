DELETE FROM attachment_refs WHERE entity_type = 'citizen_request';
ALTER TABLE attachment_refs DROP CONSTRAINT attachment_refs_entity_type_check;
ALTER TABLE attachment_refs ADD CONSTRAINT attachment_refs_entity_type_check
    CHECK (entity_type IN ('inspection', 'rectification'));
DROP TABLE citizen_request_notices;
DROP TABLE citizen_request_moves;
DROP TABLE citizen_request_owners;
DROP TABLE citizen_request_lookups;
DROP TABLE citizen_contacts;
DROP TABLE citizen_requests;
DROP TABLE citizen_request_settings;
