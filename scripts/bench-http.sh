#!/usr/bin/env bash
# `make bench-http`: dutydesk's hot read and one write against a minimal "ceiling" server doing
# the same work (benches/ceiling/server.rs), side by side on this machine, with one load generator
# (wrk), one PostgreSQL and one database. A benchmark, not a test: it prints figures, it gates
# nothing.
#
#   read:  GET  /api/v1/staff/{id}     (an office admin's token; the same token for both servers)
#   write: POST /api/v1/departments    (dutydesk: with a fresh Idempotency-Key per request, so
#          the idempotency record, the insert and the audit entry all happen; the ceiling: the
#          insert alone). Every request creates a department with its own code.
#
# Steps: install wrk when missing (apt-get as root, else sudo -n apt-get, else stop and say so);
# build both servers in release; start (or reuse) PostgreSQL with scripts/pg.sh; create a fresh
# database (migrated as the owner, served as the server's role dutydesk_app, as `make run`);
# create a center and its office admin; start both servers (the time from start to the first
# `/healthz` 200 is the "ready" figure); log in once; then alternate the runs (dutydesk first in
# odd runs, the ceiling first in even ones) and print each run and the medians, the ratios
# dutydesk/ceiling, and dutydesk's resident memory under load (largest VmRSS seen in
# /proc/PID/status while loaded). The database is dropped at the end.
#
# Settings (environment):
#   BENCH_RUNS         runs of each server and path     (default 5)
#   BENCH_DURATION     seconds per run                  (default 10)
#   BENCH_CONNECTIONS  open connections                 (default 32)
#   BENCH_THREADS      wrk threads                      (default 2)
#   BENCH_WRITE        0 to skip the write path         (default 1)
#   BENCH_PORT         dutydesk's port; the ceiling's is BENCH_PORT+10  (default 18080)
#   BENCH_NICE         niceness of the build            (default 0)
#   BENCH_BUILD        0 to use the release binaries already built (default 1: cargo build)
#   BENCH_BASELINE     another dutydesk binary (e.g. a copy of target/release/dutydesk built before
#                      a change) loaded in the same alternation as "baseline" (port BENCH_PORT+20),
#                      for a before/after in one run
#   CARGO_TARGET_DIR   where the release binaries are built (default target)
# A quick look: BENCH_RUNS=3 BENCH_DURATION=3 make bench-http
set -euo pipefail

RUNS="${BENCH_RUNS:-5}"
DURATION="${BENCH_DURATION:-10}"
CONNS="${BENCH_CONNECTIONS:-32}"
THREADS="${BENCH_THREADS:-2}"
WRITE="${BENCH_WRITE:-1}"
PORT_D="${BENCH_PORT:-18080}"
PORT_C="$((PORT_D + 10))"
PORT_B="$((PORT_D + 20))"
BASELINE="${BENCH_BASELINE:-}"
NICE="${BENCH_NICE:-0}"
TARGET="${CARGO_TARGET_DIR:-target}"
CARGO="${CARGO:-cargo}"

cd "$(dirname "$0")/.."
log() { printf 'bench-http: %s\n' "$*" >&2; }
die() { printf 'bench-http: error: %s\n' "$*" >&2; exit 1; }

# --- the load generator ------------------------------------------------------------------------
if ! command -v wrk >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then SUDO=(); elif sudo -n true 2>/dev/null; then SUDO=(sudo -n);
  else die "wrk is not installed and this user cannot install it: install the package wrk (apt-get install wrk)"; fi
  log "installing wrk (apt-get)"
  "${SUDO[@]}" apt-get install -y -qq wrk >&2 \
    || { "${SUDO[@]}" apt-get update -qq >&2 && "${SUDO[@]}" apt-get install -y -qq wrk >&2; } \
    || die "apt-get install wrk failed"
fi

# --- both servers, release ---------------------------------------------------------------------
if [ "${BENCH_BUILD:-1}" != 0 ]; then
  log "building dutydesk and the ceiling (release)"
  nice -n "$NICE" "$CARGO" build --release --quiet --bin dutydesk --example ceiling >&2
fi
DUTYDESK="$TARGET/release/dutydesk"
CEILING="$TARGET/release/examples/ceiling"

# --- a fresh database ----------------------------------------------------------------------------
db_env="$(scripts/pg.sh)"
OWNER_URL="${db_env#DATABASE_URL=}"
DB="dutydesk_bench_$$"
BENCH_OWNER_URL="${OWNER_URL%/*}/$DB"
# The server's role, as scripts/pg.sh app-url derives it.
BENCH_APP_URL="$(printf '%s' "$BENCH_OWNER_URL" | sed -E 's#^([a-z]+://)[^@]*@#\1dutydesk_app:dutydesk_app@#')"
if [ -n "${DUTYDESK_APP_DATABASE_URL:-}" ]; then
  BENCH_APP_URL="${DUTYDESK_APP_DATABASE_URL%/*}/$DB"
fi

PIDS=()
WORK="$(mktemp -d)"
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  psql -q "$OWNER_URL" -c "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

psql -q -v ON_ERROR_STOP=1 "$OWNER_URL" -c "CREATE DATABASE $DB" >/dev/null
DUTYDESK_MIGRATION_DATABASE_URL="$BENCH_OWNER_URL" "$DUTYDESK" migrate 2>"$WORK/migrate.log" \
  || { cat "$WORK/migrate.log" >&2; die "migrate failed"; }
PASSWORD="bench-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
DUTYDESK_ADMIN_PASSWORD="$PASSWORD" DUTYDESK_DEV=true "$DUTYDESK" create-admin \
  --database-url "$BENCH_APP_URL" --center-code BENCH --center-name 基准测试中心 \
  --employee-no bench-admin --name 基准管理员 2>"$WORK/seed.log" \
  || { cat "$WORK/seed.log" >&2; die "create-admin failed"; }

# --- servers -----------------------------------------------------------------------------------
SECRET="$(head -c 48 /dev/urandom | od -An -tx1 | tr -d ' \n')"
now_ms() { date +%s%3N; }

# start_server PORT NAME CMD...: starts CMD in the background and waits for its /healthz; sets
# STARTED_PID and STARTED_MS (milliseconds from start to the first 200).
start_server() {
  local port="$1" name="$2"; shift 2
  local t0
  t0="$(now_ms)"
  "$@" >"$WORK/$name.log" 2>&1 &
  STARTED_PID=$!
  PIDS+=("$STARTED_PID")
  for _ in $(seq 1 3000); do
    if curl -fs -o /dev/null "http://127.0.0.1:$port/healthz"; then
      STARTED_MS=$(( $(now_ms) - t0 ))
      return 0
    fi
    kill -0 "$STARTED_PID" 2>/dev/null || { cat "$WORK/$name.log" >&2; die "$name exited"; }
    sleep 0.005
  done
  die "$name not ready after 15 s"
}

start_server "$PORT_D" dutydesk env DATABASE_URL="$BENCH_APP_URL" \
  DUTYDESK_DEV=true DUTYDESK_LOG_FORMAT=json DUTYDESK_JWT_SECRET="$SECRET" \
  DUTYDESK_ACCESS_TTL_SECS=86400 DUTYDESK_BIND="127.0.0.1:$PORT_D" "$DUTYDESK" serve
PID_D="$STARTED_PID" READY_D="$STARTED_MS"
start_server "$PORT_C" ceiling env DATABASE_URL="$BENCH_APP_URL" \
  DUTYDESK_JWT_SECRET="$SECRET" DUTYDESK_BIND="127.0.0.1:$PORT_C" "$CEILING"
READY_C="$STARTED_MS"
SERVERS=(dutydesk ceiling)
READY_B=-
if [ -n "$BASELINE" ]; then
  start_server "$PORT_B" baseline env DATABASE_URL="$BENCH_APP_URL" \
    DUTYDESK_DEV=true DUTYDESK_LOG_FORMAT=json DUTYDESK_JWT_SECRET="$SECRET" \
    DUTYDESK_ACCESS_TTL_SECS=86400 DUTYDESK_BIND="127.0.0.1:$PORT_B" "$BASELINE" serve
  PID_B="$STARTED_PID" READY_B="$STARTED_MS"
  SERVERS+=(baseline)
fi
port_of() { case "$1" in dutydesk) echo "$PORT_D";; ceiling) echo "$PORT_C";; *) echo "$PORT_B";; esac; }

LOGIN="$(curl -fsS "http://127.0.0.1:$PORT_D/api/v1/auth/login" -H 'Content-Type: application/json' \
  -d "{\"center_code\":\"BENCH\",\"employee_no\":\"bench-admin\",\"password\":\"$PASSWORD\"}")"
TOKEN="$(printf '%s' "$LOGIN" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')"
STAFF="$(printf '%s' "$LOGIN" | python3 -c 'import json,sys; print(json.load(sys.stdin)["user"]["id"])')"

# Both must give the same answer before they are compared.
body_d="$(curl -fsS -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT_D/api/v1/staff/$STAFF")"
body_c="$(curl -fsS -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT_C/api/v1/staff/$STAFF")"
python3 - "$body_d" "$body_c" <<'PY' || die "the servers answer differently: dutydesk $body_d, ceiling $body_c"
import json, sys
from datetime import datetime
d, c = (json.loads(a) for a in sys.argv[1:3])
ts = lambda v: datetime.fromisoformat(v.replace("Z", "+00:00"))
assert list(d) == list(c), "keys"
for k in d:
    assert (ts(d[k]) == ts(c[k])) if k.endswith("_at") else d[k] == c[k], k
PY

# Unique department codes and Idempotency-Keys per request: per run prefix, per thread, counter.
cat >"$WORK/write.lua" <<'LUA'
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
function init(args)
  prefix = args[1]
  n = 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end
function request()
  n = n + 1
  local code = prefix .. "-" .. tid .. "-" .. n
  wrk.headers["Idempotency-Key"] = "bench-" .. code
  return wrk.format(nil, nil, nil,
    '{"name":"Bench ' .. code .. '","code":"' .. code .. '","rotation_order":1}')
end
LUA

# rss_sampler PID FILE: the largest VmRSS (KiB) seen until killed, written to FILE.
rss_sampler() {
  local pid="$1" out="$2" max=0 v
  while :; do
    v="$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)"
    [ "${v:-0}" -gt "$max" ] && max="$v" && echo "$max" >"$out"
    sleep 0.2
  done
}

RESULTS="$WORK/results.tsv"
: >"$RESULTS"
# one_run PATH SERVER RUN: one wrk run; appends "path server run rps p50ms p99ms errors rssKiB".
one_run() {
  local path="$1" server="$2" run="$3" port out rss_file sampler="" rss=0
  port="$(port_of "$server")"
  out="$WORK/wrk-$path-$server-$run.txt"
  rss_file="$WORK/rss-$path-$server-$run"
  echo 0 >"$rss_file"
  if [ "$server" = dutydesk ]; then
    rss_sampler "$PID_D" "$rss_file" & sampler=$!
  elif [ "$server" = baseline ]; then
    rss_sampler "$PID_B" "$rss_file" & sampler=$!
  fi
  if [ "$path" = read ]; then
    wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency -H "Authorization: Bearer $TOKEN" \
      "http://127.0.0.1:$port/api/v1/staff/$STAFF" >"$out"
  else
    wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency -H "Authorization: Bearer $TOKEN" \
      -s "$WORK/write.lua" "http://127.0.0.1:$port/api/v1/departments" -- "r$run${server:0:1}$$" >"$out"
  fi
  if [ -n "$sampler" ]; then kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null || true; fi
  rss="$(cat "$rss_file")"
  python3 - "$out" "$path" "$server" "$run" "$rss" >>"$RESULTS" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
def ms(v):
    m = re.match(r"([\d.]+)(us|ms|s|m)$", v)
    n, u = float(m.group(1)), m.group(2)
    return n * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[u]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
p50 = ms(re.search(r"^\s+50%\s+(\S+)", text, re.M).group(1))
p99 = ms(re.search(r"^\s+99%\s+(\S+)", text, re.M).group(1))
m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
errs = int(m.group(1)) if m else 0
m = re.search(r"Socket errors:.*", text)
if m:
    errs += sum(int(x) for x in re.findall(r"\d+", m.group(0)))
print("\t".join(sys.argv[2:5] + [f"{rps:.0f}", f"{p50:.2f}", f"{p99:.2f}", str(errs), sys.argv[5]]))
PY
  tail -n1 "$RESULTS" | awk -F'\t' '{printf "  %-5s run %-2s %-8s %9s req/s  p50 %7s ms  p99 %7s ms  errors %s%s\n", $1, $3, $2, $4, $5, $6, $7, ($2!="ceiling" ? sprintf("  rss %.1f MiB", $8/1024) : "")}' >&2
}

PATHS=(read)
[ "$WRITE" = 1 ] && PATHS+=(write)
log "warming up (2 s each)"
for s in "${SERVERS[@]}"; do
  port="$(port_of "$s")"
  wrk -t"$THREADS" -c"$CONNS" -d2s -H "Authorization: Bearer $TOKEN" \
    "http://127.0.0.1:$port/api/v1/staff/$STAFF" >/dev/null
done
for path in "${PATHS[@]}"; do
  log "$path: $RUNS runs of ${DURATION} s per server, $CONNS connections, $THREADS wrk threads, alternating"
  for run in $(seq 1 "$RUNS"); do
    # Odd runs in the listed order, even runs reversed.
    order=("${SERVERS[@]}")
    if [ $((run % 2)) = 0 ]; then
      order=(); for ((i = ${#SERVERS[@]} - 1; i >= 0; i--)); do order+=("${SERVERS[i]}"); done
    fi
    for s in "${order[@]}"; do one_run "$path" "$s" "$run"; done
  done
done

# --- summary -------------------------------------------------------------------------------------
python3 - "$RESULTS" "$READY_D" "$READY_C" "$RUNS" "$DURATION" "$CONNS" "$THREADS" "$(nproc)" "$READY_B" <<'PY'
import statistics as st, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
ready_d, ready_c, runs, dur, conns, threads, cpus, ready_b = sys.argv[2:10]
servers = ["dutydesk", "ceiling"] + (["baseline"] if ready_b != "-" else [])
print(f"== make bench-http: wrk, {conns} connections, {threads} threads, {runs} alternating runs x {dur} s per server, {cpus} CPUs, one PostgreSQL")
print(f"{'path':<6}{'run':>4}  {'server':<9}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}{'RSS MiB':>9}")
for p, s, r, rps, p50, p99, err, rss in rows:
    rss_txt = f"{int(rss) / 1024:.1f}" if s != "ceiling" else "-"
    print(f"{p:<6}{r:>4}  {s:<9}{rps:>9}{p50:>9}{p99:>9}{err:>8}{rss_txt:>9}")
print("medians:")
for p in ("read", "write"):
    sel = {s: [r for r in rows if r[0] == p and r[1] == s] for s in servers}
    if not sel["dutydesk"]:
        continue
    med = {s: [st.median(float(r[i]) for r in v) for i in (3, 4, 5)] for s, v in sel.items()}
    label = "GET /api/v1/staff/{id}" if p == "read" else "POST /api/v1/departments"
    for s in servers:
        rps, p50, p99 = med[s]
        print(f"  {p:<5} {s:<9}{rps:>9.0f} req/s  p50 {p50:.2f} ms  p99 {p99:.2f} ms   ({label})")
    c = med["ceiling"]
    for s in servers:
        if s == "ceiling":
            continue
        d = med[s]
        print(f"  {p:<5} ratio {s}/ceiling: throughput {d[0] / c[0]:.2f}x  p99 {d[2] / c[2]:.2f}x")
        rss = st.median(int(r[7]) for r in sel[s]) / 1024
        peak = max(int(r[7]) for r in sel[s]) / 1024
        print(f"  {p:<5} {s} RSS under load: median {rss:.1f} MiB, largest {peak:.1f} MiB")
    errs = sum(int(r[6]) for r in rows if r[0] == p)
    if errs:
        print(f"  {p:<5} WARNING: {errs} non-2xx responses or socket errors (see above)")
print(f"ready (start to first /healthz 200): dutydesk {ready_d} ms, ceiling {ready_c} ms"
      + (f", baseline {ready_b} ms" if ready_b != "-" else ""))
PY
