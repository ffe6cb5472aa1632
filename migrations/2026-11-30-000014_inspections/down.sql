DROP TABLE rectification_events;
DROP TABLE rectifications;
DROP TABLE inspections;
DROP TABLE attachment_refs;
DROP TABLE attachments;
