#!/usr/bin/env bash
# Fuzzes the running service against its own OpenAPI document with schemathesis (PyPI):
# no 5xx, every status and content type documented, every body matching its schema.
# Usage: scripts/fuzz.sh [max-examples per operation, default 60]
# Starts PostgreSQL (scripts/pg.sh), a scratch database with the demo data, and the server on
# 127.0.0.1:8095; everything it starts is stopped at the end.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
examples="${1:-60}"
venv="${CARGO_TARGET_DIR:-target}/fuzzenv"
[ -x "$venv/bin/schemathesis" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install --quiet schemathesis; }
db_env="$(scripts/pg.sh)"; export "$db_env"
admin_url="$DATABASE_URL"
db="dutydesk_fuzz_$$"
psql "$admin_url" -qc "CREATE DATABASE $db"
export DATABASE_URL="${admin_url%/*}/$db"
cargo build --quiet --bin dutydesk
bin="${CARGO_TARGET_DIR:-target}/debug/dutydesk"
"$bin" migrate
"$bin" seed-demo 2>/dev/null
DUTYDESK_DEV=true DUTYDESK_BIND=127.0.0.1:8095 RUST_LOG=warn "$bin" serve >/dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; psql "$admin_url" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)"' EXIT
for _ in $(seq 50); do curl -fs http://127.0.0.1:8095/healthz >/dev/null && break; sleep 0.2; done
token=$(curl -fs -XPOST http://127.0.0.1:8095/api/v1/auth/login -H 'content-type: application/json' \
  -d '{"center_code":"demo","employee_no":"admin","password":"dutydesk-demo"}' |
  python3 -c 'import sys, json; print(json.load(sys.stdin)["access_token"])')
# Operations that would end the fuzzer's own session are left out.
"$venv/bin/schemathesis" run http://127.0.0.1:8095/api-docs/openapi.json --url http://127.0.0.1:8095 \
  -H "Authorization: Bearer $token" -n "$examples" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --exclude-path-regex '(logout|/me/password|password-reset|deactivate)'
