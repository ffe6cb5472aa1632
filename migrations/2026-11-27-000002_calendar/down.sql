DROP TABLE calendar_overrides;
DROP TABLE statutory_days;
