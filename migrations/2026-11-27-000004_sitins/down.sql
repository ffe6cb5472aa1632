DROP TABLE sit_in_attendance;
DROP TABLE sit_in_plans;
DROP TABLE sit_in_patterns;
DROP TABLE sit_in_settings;
