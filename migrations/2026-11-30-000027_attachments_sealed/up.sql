-- Attachments encrypted at rest (R23) and uploads by the portal.
--
-- The bytes move to `sealed`: AES-256-GCM under the key `key_id` of DUTYDESK_PII_KEYS, with the
-- purpose and the attachment's id bound as associated data (src/privacy, Vault::seal_record).
-- The key is in configuration, not in the database, so rows stored in clear before this
-- migration cannot be sealed here: their bytes stay in `legacy_data` until `dutydesk serve`
-- seals them when it starts (before it listens), and a later migration drops the column. Renaming
-- `data` means code that still writes clear bytes fails instead of adding clear rows.
ALTER TABLE attachments RENAME COLUMN data TO legacy_data;
ALTER TABLE attachments ALTER COLUMN legacy_data DROP NOT NULL;
ALTER TABLE attachments
    ADD COLUMN sealed bytea,
    ADD COLUMN key_id text,
    ADD CONSTRAINT attachments_sealed_or_legacy CHECK (
        (sealed IS NULL) = (key_id IS NULL) AND (sealed IS NULL) <> (legacy_data IS NULL)
    );
-- Rows still in clear (sealed at start) and rows under an older key (to seal again).
CREATE INDEX attachments_legacy ON attachments (id) WHERE sealed IS NULL;
CREATE INDEX attachments_key ON attachments (key_id);

-- Uploaded by a staff member or by the portal (its client id, the token's subject): exactly one.
ALTER TABLE attachments ALTER COLUMN uploaded_by DROP NOT NULL;
ALTER TABLE attachments
    ADD COLUMN uploaded_by_portal text,
    ADD CONSTRAINT attachments_one_uploader CHECK ((uploaded_by IS NULL) <> (uploaded_by_portal IS NULL));
-- The portal's recent uploads (its limit of files not yet attached).
CREATE INDEX attachments_portal ON attachments (uploaded_by_portal, created_at)
    WHERE uploaded_by_portal IS NOT NULL;
