ALTER TABLE rosters
    DROP COLUMN confirmed_missing_holidays,
    DROP COLUMN basis;
DROP TABLE statutory_years;
