-- Sealed bytes cannot be opened in SQL (the key is in configuration): going down keeps only rows
-- still in clear and uploads by staff. Run only on a database without sealed attachments, or
-- accept losing them.
DROP INDEX attachments_portal;
DELETE FROM attachment_refs WHERE attachment_id IN (
    SELECT id FROM attachments WHERE legacy_data IS NULL OR uploaded_by IS NULL
);
DELETE FROM attachments WHERE legacy_data IS NULL OR uploaded_by IS NULL;
ALTER TABLE attachments DROP CONSTRAINT attachments_one_uploader;
ALTER TABLE attachments DROP COLUMN uploaded_by_portal;
ALTER TABLE attachments ALTER COLUMN uploaded_by SET NOT NULL;
DROP INDEX attachments_key;
DROP INDEX attachments_legacy;
ALTER TABLE attachments DROP CONSTRAINT attachments_sealed_or_legacy;
ALTER TABLE attachments DROP COLUMN key_id;
ALTER TABLE attachments DROP COLUMN sealed;
ALTER TABLE attachments ALTER COLUMN legacy_data SET NOT NULL;
ALTER TABLE attachments RENAME COLUMN legacy_data TO data;
