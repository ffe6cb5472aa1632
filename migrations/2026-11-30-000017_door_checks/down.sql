DROP TABLE door_checks;
DROP TABLE door_check_items;
DROP TABLE door_check_lists;
