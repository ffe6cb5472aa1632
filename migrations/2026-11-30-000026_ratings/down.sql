DROP TABLE rating_follow_ups;
DROP TABLE rating_links;
DROP TABLE ratings;
