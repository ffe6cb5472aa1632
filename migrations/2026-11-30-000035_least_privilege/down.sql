-- The role itself stays (it is cluster-wide and may have members); only this database's grants go.
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    REVOKE EXECUTE ON FUNCTIONS FROM dutydesk_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    REVOKE USAGE, SELECT ON SEQUENCES FROM dutydesk_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM dutydesk_app;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA public FROM dutydesk_app;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM dutydesk_app;
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM dutydesk_app;
REVOKE USAGE ON SCHEMA public FROM dutydesk_app;
