DROP TABLE leave_requests;
DROP TABLE swaps;
DROP TABLE substitutions;
DROP TABLE duty_assignments;
DROP TABLE rosters;
DROP TABLE rotation_members;
DROP TABLE rotation_settings;
DROP EXTENSION IF EXISTS btree_gist;
