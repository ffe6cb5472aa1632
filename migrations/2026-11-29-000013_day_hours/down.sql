DROP TABLE day_hours;
