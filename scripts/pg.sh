#!/usr/bin/env bash
# shellcheck disable=SC2016  # the sh -c '...' snippets take their values as positional arguments
# Ensure a private PostgreSQL cluster for dutydesk development and tests.
#
#   export "$(scripts/pg.sh)"   # start (or reuse) it; prints exactly one line:
#                               #   DATABASE_URL=postgres://dutydesk:dutydesk@127.0.0.1:PORT/dutydesk
#   scripts/pg.sh app-url       # the same, then one line with the server's (least-privilege) URL:
#                               #   DATABASE_URL=postgres://dutydesk_app:dutydesk_app@127.0.0.1:PORT/dutydesk
#   scripts/pg.sh stop          # stop the private cluster
#   scripts/pg.sh status        # say whether it runs (exit 0) or not (exit 3)
#   scripts/pg.sh as-owner CMD… # run CMD as the cluster's OS user, with the server binaries first
#                               # on PATH and PGHOST/PGPORT naming this cluster's socket (the
#                               # backup tests run pg_basebackup, psql -U postgres … this way);
#                               # its stdout is the script's stdout
#   scripts/pg.sh replica       # make (or restart) a streaming hot standby of a cluster made by
#                               # this script; prints its DATABASE_URL line (read-only). See below.
#
# Everything except that one line goes to stderr.
#
# Two roles (README, "Database roles"): `dutydesk` owns the database and everything in it and runs
# the migrations (DATABASE_URL above); `dutydesk_app` (LOGIN, password dutydesk_app) is what the
# server connects as: rows only, no DDL, no TRIGGER/TRUNCATE, no rewriting the audit trail (the
# grants are made by migration 2026-11-30-000035). `dutydesk` is a member of `dutydesk_app` so that
# tests may end the server's sessions. A cluster made by an older version of this script gets the
# app role on its next run.
#
# `app-url` prints DUTYDESK_APP_DATABASE_URL when it is set; otherwise DATABASE_URL (the caller's
# or the private cluster's) with user and password dutydesk_app. The tests (tests/api/helpers.rs)
# derive the app URL the same way.
#
# - If DATABASE_URL is already set and answers `select 1`, it is printed unchanged.
# - Otherwise a private cluster is used (never the distro's cluster or a service manager):
#   PostgreSQL server binaries are taken from /usr/lib/postgresql/<highest>/bin, and installed
#   with apt-get (postgresql, postgresql-client) when there are none.
# - PostgreSQL refuses to run as root. As root the cluster belongs to the `postgres` system user
#   (or a `dutydesk` system user, created when neither exists) and every server command runs
#   through `runuser`; otherwise it belongs to the calling user.
# - The data folder lives outside the repository (CI may clone into a folder only root can
#   enter), in a folder owned by the cluster's user; the unix socket and the server log sit in
#   the data folder's parent.
#
# Settings (environment):
#   DUTYDESK_PGPORT    TCP port on 127.0.0.1                  (default 5439)
#   DUTYDESK_PGDATA    data folder        (default /var/tmp/dutydesk-pg-<uid>/data)
#   DUTYDESK_PGOSUSER  OS user that owns the cluster when run as root (default postgres)
#   DUTYDESK_PGWAIT    seconds to wait for the server to accept connections (default 30)
#   DUTYDESK_PGARCHIVE opt-in: a folder to archive WAL into (archive_mode = on, archive_command
#                      copying each finished segment there; created for the cluster's user).
#                      Written into dutydesk.conf on each start, so it must be set on every start.
#
# `replica`: DUTYDESK_PGPORT / DUTYDESK_PGDATA name the new replica, DUTYDESK_PRIMARY_PGDATA
# (required) and DUTYDESK_PRIMARY_PGPORT (default 5439) the running primary, a cluster made by
# this script. The first run clones the primary with `pg_basebackup -R -X stream -c fast` over
# the primary's unix socket as `postgres` (initdb's `local replication all trust` line allows it)
# and starts the copy as a hot standby streaming from the primary (`primary_conninfo` names the
# same socket); later runs start it again. Roles, passwords and data come from the primary, so
# the URLs are the primary's with the replica's port (`app-url` works too). `up` on a replica's
# folder starts it without creating roles (a standby is read-only). `stop` stops it.
#
# This is a throwaway dev/test cluster: unix-socket connections are trusted (the socket folder
# is private to the cluster's user), TCP needs the password, and durability is turned off for speed.
set -euo pipefail

# Keep the real stdout on fd 3 for the one result line; everything else goes to stderr.
exec 3>&1 1>&2

PORT="${DUTYDESK_PGPORT:-5439}"
WAIT_SECS="${DUTYDESK_PGWAIT:-30}"
DB_USER=dutydesk
DB_PASS=dutydesk
DB_NAME=dutydesk
URL="postgres://${DB_USER}:${DB_PASS}@127.0.0.1:${PORT}/${DB_NAME}"
APP_USER=dutydesk_app
APP_PASS=dutydesk_app

PGDATA_DIR="${DUTYDESK_PGDATA:-/var/tmp/dutydesk-pg-$(id -u)/data}"
case "$PGDATA_DIR" in
  /*) ;;
  *) PGDATA_DIR="$(pwd -P)/$PGDATA_DIR" ;;
esac
PGDATA_DIR="${PGDATA_DIR%/}"
BASE_DIR="$(dirname "$PGDATA_DIR")"   # holds the unix socket, the server log and the lock file
SOCK_DIR="$BASE_DIR"
LOG_FILE="$BASE_DIR/server.log"

log() { printf 'pg.sh: %s\n' "$*" >&2; }
die() { printf 'pg.sh: error: %s\n' "$*" >&2; exit 1; }

IS_ROOT=0
[ "$(id -u)" -eq 0 ] && IS_ROOT=1

BIN_DIR=""
OWNER=""

# ---------------------------------------------------------------------------------------------
# Binaries

find_bin_dir() {
  local initdb="" candidate
  # Highest installed major version of the Debian layout.
  while IFS= read -r candidate; do
    if [ -x "$candidate" ] && [ -x "$(dirname "$candidate")/pg_ctl" ]; then
      initdb="$candidate"
      break
    fi
  done < <(printf '%s\n' /usr/lib/postgresql/*/bin/initdb | sort -V -r)
  # Other layouts: server binaries on PATH.
  if [ -z "$initdb" ] && command -v initdb >/dev/null 2>&1; then
    initdb="$(readlink -f "$(command -v initdb)")"
  fi
  [ -n "$initdb" ] || return 1
  BIN_DIR="$(dirname "$initdb")"
  for b in pg_ctl postgres psql; do
    [ -x "$BIN_DIR/$b" ] || { BIN_DIR=""; return 1; }
  done
}

install_postgres() {
  command -v apt-get >/dev/null 2>&1 \
    || die "no PostgreSQL server binaries found and apt-get is not available; install PostgreSQL (initdb, pg_ctl, postgres, psql) yourself"
  local sudo=()
  if [ "$IS_ROOT" -ne 1 ]; then
    command -v sudo >/dev/null 2>&1 \
      || die "no PostgreSQL server binaries found; run as root or install sudo, or install them yourself: apt-get install postgresql postgresql-client"
    sudo=(sudo)
  fi
  log "PostgreSQL server binaries not found; installing postgresql and postgresql-client with apt-get"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq \
    || die "apt-get update failed"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    postgresql postgresql-client >&2 \
    || die "apt-get install postgresql postgresql-client failed"
}

psql_bin() {
  if [ -n "$BIN_DIR" ] && [ -x "$BIN_DIR/psql" ]; then
    echo "$BIN_DIR/psql"
  elif find_bin_dir; then
    echo "$BIN_DIR/psql"
  elif command -v psql >/dev/null 2>&1; then
    command -v psql
  else
    return 1
  fi
}

# True when the URL accepts a login and answers a query.
url_works() {
  local psql
  psql="$(psql_bin)" || return 1
  local out
  out="$(PGCONNECT_TIMEOUT=5 "$psql" -X -w -Atq -c 'select 1' "$1" 2>/dev/null)" || return 1
  [ "$out" = 1 ]
}

# ---------------------------------------------------------------------------------------------
# Who owns the cluster, and running things as them

choose_owner() {
  if [ "$IS_ROOT" -ne 1 ]; then
    OWNER="$(id -un)"
    return
  fi
  if [ -n "${DUTYDESK_PGOSUSER:-}" ]; then
    OWNER="$DUTYDESK_PGOSUSER"
    id -u "$OWNER" >/dev/null 2>&1 || die "DUTYDESK_PGOSUSER=$OWNER: no such user"
  elif id -u postgres >/dev/null 2>&1; then
    OWNER=postgres
  else
    OWNER=dutydesk
    if ! id -u "$OWNER" >/dev/null 2>&1; then
      log "creating system user $OWNER to own the cluster (PostgreSQL refuses to run as root)"
      useradd --system --user-group --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin "$OWNER" || die "could not create system user $OWNER"
    fi
  fi
  [ "$(id -u "$OWNER")" -ne 0 ] || die "the cluster's owner must not be root (DUTYDESK_PGOSUSER=$OWNER)"
}

# Run a command as the cluster's owner, from a folder they can enter.
# fds 3 (our stdout) and 9 (the lock) are closed so that a server started here never holds them.
as_owner() {
  if [ "$IS_ROOT" -eq 1 ]; then
    (cd / && runuser -u "$OWNER" -- "$@") 3>&- 9>&-
  else
    (cd / && "$@") 3>&- 9>&-
  fi
}

# ---------------------------------------------------------------------------------------------
# The cluster

prepare_base_dir() {
  if [ ! -d "$BASE_DIR" ]; then
    mkdir -p "$BASE_DIR" || die "cannot create $BASE_DIR"
    if [ "$IS_ROOT" -eq 1 ]; then
      chown "$OWNER:$(id -gn "$OWNER")" "$BASE_DIR"
    fi
    chmod 700 "$BASE_DIR"
  fi
  as_owner test -w "$BASE_DIR" -a -x "$BASE_DIR" \
    || die "$BASE_DIR must be a folder that user $OWNER can enter and write (every parent must be enterable too); set DUTYDESK_PGDATA to a data folder elsewhere"
}

take_lock() {
  if command -v flock >/dev/null 2>&1; then
    exec 9>>"$BASE_DIR/pg.sh.lock"
    flock -w 120 9 || die "another scripts/pg.sh holds $BASE_DIR/pg.sh.lock"
  fi
}

init_cluster() {
  log "creating a new cluster in $PGDATA_DIR (owner $OWNER, port $PORT)"
  local locale=C
  if locale -a 2>/dev/null | grep -qix 'c\.utf-\?8'; then locale=C.UTF-8; fi
  local pwfile="$BASE_DIR/.initdb-pw"
  as_owner sh -c 'umask 077; printf "%s\n" "$1" > "$2"' sh "$DB_PASS" "$pwfile"
  if ! as_owner "$BIN_DIR/initdb" -D "$PGDATA_DIR" -U postgres --pwfile="$pwfile" \
      --encoding=UTF8 --locale="$locale" \
      --auth-local=trust --auth-host=scram-sha-256 >"$BASE_DIR/initdb.log" 2>&1; then
    rm -f "$pwfile"
    tail -n 30 "$BASE_DIR/initdb.log" >&2 || true
    die "initdb failed (full log: $BASE_DIR/initdb.log)"
  fi
  rm -f "$pwfile"
  # Settings that do not depend on the environment; port and socket go into dutydesk.conf,
  # rewritten on every start.
  as_owner sh -c 'cat >> "$1"' sh "$PGDATA_DIR/postgresql.conf" <<'EOF'

# ---- dutydesk dev/test cluster (written by scripts/pg.sh) ----
# Durability off: this cluster holds only throwaway dev and test data.
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 300
shared_buffers = 256MB
listen_addresses = '127.0.0.1'
include_if_exists = 'dutydesk.conf'
EOF
}

write_runtime_conf() {
  local archive=""
  if [ -n "${DUTYDESK_PGARCHIVE:-}" ]; then
    case "$DUTYDESK_PGARCHIVE" in
      /*) ;;
      *) die "DUTYDESK_PGARCHIVE must be an absolute path" ;;
    esac
    case "$DUTYDESK_PGARCHIVE" in
      *"'"*|*" "*) die "DUTYDESK_PGARCHIVE must not contain quotes or spaces" ;;
    esac
    if [ ! -d "$DUTYDESK_PGARCHIVE" ]; then
      mkdir -p "$DUTYDESK_PGARCHIVE" || die "cannot create $DUTYDESK_PGARCHIVE"
      if [ "$IS_ROOT" -eq 1 ]; then
        chown "$OWNER:$(id -gn "$OWNER")" "$DUTYDESK_PGARCHIVE"
      fi
      chmod 700 "$DUTYDESK_PGARCHIVE"
    fi
    archive="archive_mode = on
archive_command = 'test ! -f $DUTYDESK_PGARCHIVE/%f && cp %p $DUTYDESK_PGARCHIVE/%f'"
  fi
  as_owner sh -c 'cat > "$1"' sh "$PGDATA_DIR/dutydesk.conf" <<EOF
# Written by scripts/pg.sh on every start; edits are lost.
port = $PORT
unix_socket_directories = '$SOCK_DIR'
$archive
EOF
}

# After a machine restart postmaster.pid may name a pid now used by another process, and
# PostgreSQL would refuse to start. Remove the lock files when no server of ours is behind them.
clear_stale_locks() {
  local f pid comm
  for f in "$PGDATA_DIR/postmaster.pid" "$SOCK_DIR/.s.PGSQL.$PORT.lock"; do
    [ -f "$f" ] || continue
    pid="$(head -n 1 "$f" 2>/dev/null | tr -dc '0-9')"
    comm=""
    [ -n "$pid" ] && comm="$(cat "/proc/$pid/comm" 2>/dev/null || true)"
    case "$comm" in
      postgres|postmaster) ;;
      *)
        log "removing stale $(basename "$f") (pid ${pid:-?} is not a running postgres)"
        rm -f "$f"
        [ "$f" = "$SOCK_DIR/.s.PGSQL.$PORT.lock" ] && rm -f "$SOCK_DIR/.s.PGSQL.$PORT"
        ;;
    esac
  done
}

# Before making a cluster in PGDATA_DIR: it must not hold something else.
refuse_foreign_folder() {
  if [ -e "$PGDATA_DIR" ] && [ -n "$(ls -A "$PGDATA_DIR" 2>/dev/null)" ]; then
    die "$PGDATA_DIR exists, is not empty and holds no cluster; remove it or set DUTYDESK_PGDATA"
  fi
}

server_running() {
  as_owner "$BIN_DIR/pg_ctl" status -D "$PGDATA_DIR" >/dev/null 2>&1
}

start_cluster() {
  write_runtime_conf
  clear_stale_locks
  log "starting the cluster in $PGDATA_DIR on 127.0.0.1:$PORT (log: $LOG_FILE)"
  if ! as_owner "$BIN_DIR/pg_ctl" start -D "$PGDATA_DIR" -l "$LOG_FILE" -w -t "$WAIT_SECS" -s >&2; then
    log "the server did not start; last lines of $LOG_FILE:"
    tail -n 30 "$LOG_FILE" >&2 2>/dev/null || true
    die "PostgreSQL did not start (is port $PORT taken by another server?)"
  fi
}

admin_psql() {
  as_owner "$BIN_DIR/psql" -X -q -w -v ON_ERROR_STOP=1 -h "$SOCK_DIR" -p "$PORT" -U postgres -d postgres
}

ensure_role_and_db() {
  admin_psql >&2 <<SQL
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${DB_USER}') THEN
    CREATE ROLE ${DB_USER} LOGIN CREATEDB PASSWORD '${DB_PASS}';
  ELSE
    ALTER ROLE ${DB_USER} LOGIN CREATEDB PASSWORD '${DB_PASS}';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${APP_USER}') THEN
    CREATE ROLE ${APP_USER} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '${APP_PASS}';
  ELSE
    ALTER ROLE ${APP_USER} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '${APP_PASS}';
  END IF;
END
\$\$;
GRANT ${APP_USER} TO ${DB_USER};
SELECT 'CREATE DATABASE ${DB_NAME} OWNER ${DB_USER}'
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '${DB_NAME}')
\gexec
SQL
}

wait_for_url() {
  local deadline=$((SECONDS + WAIT_SECS))
  until url_works "$URL"; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      log "$URL does not accept connections after ${WAIT_SECS}s; last lines of $LOG_FILE:"
      tail -n 30 "$LOG_FILE" >&2 2>/dev/null || true
      die "PostgreSQL is not reachable at 127.0.0.1:$PORT"
    fi
    sleep 0.5
  done
}

# ---------------------------------------------------------------------------------------------
# Commands

cmd_up() {
  # 1. A DATABASE_URL given by the caller wins when it works.
  if [ -n "${DATABASE_URL:-}" ]; then
    if url_works "$DATABASE_URL"; then
      printf 'DATABASE_URL=%s\n' "$DATABASE_URL" >&3
      return 0
    fi
    log "DATABASE_URL is set but not reachable; using the private cluster instead"
  fi

  # 2. The private cluster is already up (started earlier, by this or another user) and has both
  #    roles (a cluster made by an older version of this script lacks the app role: step 3 adds it).
  if url_works "$URL" && url_works "$(app_url_of "$URL")"; then
    printf 'DATABASE_URL=%s\n' "$URL" >&3
    return 0
  fi

  # 3. Bring it up.
  find_bin_dir || { install_postgres; find_bin_dir || die "PostgreSQL was installed but initdb/pg_ctl/postgres/psql were not found"; }
  choose_owner
  prepare_base_dir
  take_lock

  if [ ! -s "$PGDATA_DIR/PG_VERSION" ]; then
    refuse_foreign_folder
    init_cluster
  else
    local have want
    have="$(cat "$PGDATA_DIR/PG_VERSION")"
    want="$("$BIN_DIR/pg_ctl" --version | grep -oE '[0-9]+' | head -n 1)"
    [ "$have" = "$want" ] \
      || die "$PGDATA_DIR holds a PostgreSQL $have cluster but the binaries in $BIN_DIR are version $want; remove $BASE_DIR (it is throwaway data) or set DUTYDESK_PGDATA"
  fi

  if server_running; then
    # Running, but the URL failed: maybe it is still starting, or it listens on another port.
    local running_port
    running_port="$(sed -n 4p "$PGDATA_DIR/postmaster.pid" 2>/dev/null || true)"
    if [ -n "$running_port" ] && [ "$running_port" != "$PORT" ]; then
      log "the cluster runs on port $running_port but port $PORT was asked for; restarting it"
      as_owner "$BIN_DIR/pg_ctl" stop -D "$PGDATA_DIR" -m fast -w -s >&2 || die "could not stop the cluster"
      start_cluster
    fi
  else
    start_cluster
  fi

  if [ -f "$PGDATA_DIR/standby.signal" ]; then
    wait_for_url
    log "PostgreSQL replica ready: $URL"
    printf 'DATABASE_URL=%s\n' "$URL" >&3
    return 0
  fi
  ensure_role_and_db || die "could not create roles ${DB_USER}, ${APP_USER} or database ${DB_NAME}"
  wait_for_url
  log "PostgreSQL ready: $URL"
  printf 'DATABASE_URL=%s\n' "$URL" >&3
}

# The URL with the app role's user and password in place of its own.
app_url_of() {
  local url="$1" scheme rest
  scheme="${url%%://*}"
  rest="${url#*://}"
  case "$rest" in
    *@*) rest="${rest#*@}" ;;
  esac
  printf '%s://%s:%s@%s\n' "$scheme" "$APP_USER" "$APP_PASS" "$rest"
}

cmd_app_url() {
  if [ -n "${DUTYDESK_APP_DATABASE_URL:-}" ]; then
    printf 'DATABASE_URL=%s\n' "$DUTYDESK_APP_DATABASE_URL" >&3
    return 0
  fi
  local line
  line="$(cmd_up 3>&1)" || exit 1
  printf 'DATABASE_URL=%s\n' "$(app_url_of "${line#DATABASE_URL=}")" >&3
}

cmd_stop() {
  if [ ! -s "$PGDATA_DIR/PG_VERSION" ]; then
    log "no cluster in $PGDATA_DIR; nothing to stop"
    return 0
  fi
  find_bin_dir || die "PostgreSQL binaries not found"
  choose_owner
  if server_running; then
    as_owner "$BIN_DIR/pg_ctl" stop -D "$PGDATA_DIR" -m fast -w -s >&2 || die "pg_ctl stop failed"
    log "stopped the cluster in $PGDATA_DIR"
  else
    log "the cluster in $PGDATA_DIR is not running"
  fi
}

cmd_replica() {
  local primary_data="${DUTYDESK_PRIMARY_PGDATA:-}" primary_port="${DUTYDESK_PRIMARY_PGPORT:-5439}"
  [ -n "$primary_data" ] || die "replica: set DUTYDESK_PRIMARY_PGDATA to the primary's data folder"
  case "$primary_data" in
    /*) ;;
    *) primary_data="$(pwd -P)/$primary_data" ;;
  esac
  primary_data="${primary_data%/}"
  [ "$primary_data" != "$PGDATA_DIR" ] || die "replica: DUTYDESK_PGDATA must differ from DUTYDESK_PRIMARY_PGDATA"
  [ "$primary_port" != "$PORT" ] || die "replica: DUTYDESK_PGPORT must differ from DUTYDESK_PRIMARY_PGPORT"
  local primary_sock
  primary_sock="$(dirname "$primary_data")"
  find_bin_dir || die "PostgreSQL binaries not found (run scripts/pg.sh once to install them)"
  [ -x "$BIN_DIR/pg_basebackup" ] || die "pg_basebackup not found in $BIN_DIR"
  choose_owner
  prepare_base_dir
  take_lock
  if [ ! -s "$PGDATA_DIR/PG_VERSION" ]; then
    refuse_foreign_folder
    log "cloning the primary on port $primary_port ($primary_sock) into $PGDATA_DIR"
    if ! as_owner "$BIN_DIR/pg_basebackup" -h "$primary_sock" -p "$primary_port" -U postgres -w \
        -D "$PGDATA_DIR" -R -X stream -c fast >"$BASE_DIR/basebackup.log" 2>&1; then
      tail -n 30 "$BASE_DIR/basebackup.log" >&2 || true
      die "pg_basebackup failed (is the primary running? full log: $BASE_DIR/basebackup.log)"
    fi
  elif [ ! -f "$PGDATA_DIR/standby.signal" ]; then
    die "$PGDATA_DIR holds a cluster that is not a replica"
  fi
  server_running || start_cluster
  wait_for_url
  log "PostgreSQL replica ready (hot standby of port $primary_port): $URL"
  printf 'DATABASE_URL=%s\n' "$URL" >&3
}

cmd_status() {
  if [ -s "$PGDATA_DIR/PG_VERSION" ] && find_bin_dir && choose_owner && server_running; then
    log "running: $PGDATA_DIR (log: $LOG_FILE)"
    return 0
  fi
  log "not running: $PGDATA_DIR"
  return 3
}

# Run "$@" as the cluster's OS user (see the header). The data folder need not exist yet: its
# parent is made (for a restore into a fresh folder).
cmd_as_owner() {
  [ "$#" -gt 0 ] || die "as-owner needs a command"
  find_bin_dir || die "PostgreSQL binaries not found"
  choose_owner
  prepare_base_dir
  as_owner env PATH="$BIN_DIR:$PATH" PGHOST="$SOCK_DIR" PGPORT="$PORT" "$@" >&3
}

case "${1:-up}" in
  up|start) cmd_up ;;
  app-url) cmd_app_url ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  as-owner) shift; cmd_as_owner "$@" ;;
  replica) cmd_replica ;;
  -h|--help|help) sed -n '3,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&3 ;;
  *) die "unknown command '$1' (use: up, app-url, stop, status, as-owner, replica)" ;;
esac
