DROP TABLE duty_check_ins;
