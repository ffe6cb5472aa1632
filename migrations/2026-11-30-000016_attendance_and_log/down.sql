DROP TABLE facility_faults;
DROP TABLE duty_logs;
DROP TABLE attendance_entries;
