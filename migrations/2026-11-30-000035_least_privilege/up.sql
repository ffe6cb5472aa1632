-- Least privilege: the role that runs the migrations owns every table, sequence and function; the
-- server connects as a member of `dutydesk_app`, which may read and write rows but not change
-- the schema, disable triggers (only owners can), truncate anything, or rewrite the trail.
--
-- `dutydesk_app` is a fixed name (a group role, NOLOGIN): the operator makes the server's login
-- role a member of it (`GRANT dutydesk_app TO <login>`), or gives it LOGIN and a password. It is
-- created here when missing, which needs CREATEROLE; without that, create it first (README).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'dutydesk_app') THEN
        BEGIN
            CREATE ROLE dutydesk_app NOLOGIN;
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE EXCEPTION 'role dutydesk_app does not exist and % may not create it', current_user
                USING HINT = 'As a superuser: CREATE ROLE dutydesk_app NOLOGIN; then run the migrations again (README, "Database roles").';
        END;
    END IF;
END
$$;

-- Nobody but the owner creates objects in the schema (PostgreSQL 15 already defaults to this;
-- older clusters and upgraded ones may not). A no-op with a warning when the migrating role does
-- not own the schema.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO dutydesk_app;

-- Every existing table: rows only (no TRUNCATE, REFERENCES or TRIGGER).
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO dutydesk_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO dutydesk_app;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO dutydesk_app;

-- Tables, sequences and functions that later migrations create (run by the same role).
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO dutydesk_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO dutydesk_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT EXECUTE ON FUNCTIONS TO dutydesk_app;

-- The trail: events and checkpoints are appended and read, never changed. Heads are inserted and
-- moved forward (the trigger of 000034 refuses rewinding them, and the server cannot disable it);
-- SELECT … FOR UPDATE on a head needs UPDATE.
REVOKE UPDATE, DELETE ON audit_events, audit_checkpoints FROM dutydesk_app;
REVOKE DELETE ON audit_heads FROM dutydesk_app;

-- The server reads which migrations ran (it refuses to start when some are pending).
REVOKE INSERT, UPDATE, DELETE ON __diesel_schema_migrations FROM dutydesk_app;
