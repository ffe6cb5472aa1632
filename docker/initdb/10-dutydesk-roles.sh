#!/bin/sh
# Run once by the official postgres image when it creates the cluster (docker-entrypoint-initdb.d):
# the two roles of README "Database roles". `dutydesk` owns the database and runs the migrations;
# `dutydesk_app` is what the servers and the tick connect as (the grants come from migration
# 2026-11-30-000035). Neither is a superuser.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v owner_pw="$DUTYDESK_OWNER_DB_PASSWORD" -v app_pw="$DUTYDESK_APP_DB_PASSWORD" <<'SQL'
CREATE ROLE dutydesk LOGIN PASSWORD :'owner_pw';
CREATE ROLE dutydesk_app LOGIN PASSWORD :'app_pw';
CREATE DATABASE dutydesk OWNER dutydesk ENCODING 'UTF8';
SQL
