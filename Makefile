# dutydesk developer tasks. `make help` lists them.
#
# Targets that need PostgreSQL get it from scripts/pg.sh, which starts (or reuses) a private
# local cluster and prints DATABASE_URL=...; a DATABASE_URL already set in the environment and
# reachable is used as it is.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

CARGO ?= cargo
PG := scripts/pg.sh
# Where cargo puts build output (honours CARGO_TARGET_DIR).
BIN = $${CARGO_TARGET_DIR:-target}/debug/dutydesk
# One shell line: ensure PostgreSQL and export DATABASE_URL, failing the recipe when pg.sh fails
# (a bare `export $$(scripts/pg.sh)` would hide that failure).
WITH_DB = db_env="$$($(PG))"; export "$$db_env";

.PHONY: help run test check fmt bench bench-http fuzz openapi errors db db-stop

help:
	@echo "make run      start PostgreSQL, migrate, load demo data, serve (DUTYDESK_DEV=true)"
	@echo "make test     start PostgreSQL, run the whole test suite, check its logs for phone numbers"
	@echo "make check    cargo fmt --check and clippy with -D warnings"
	@echo "make fmt      format the code"
	@echo "make bench    cargo bench (one-year roster generate + publish)"
	@echo "make bench-http  dutydesk against a minimal server under load (wrk): req/s, p50, p99, ratios"
	@echo "make fuzz     schemathesis against the OpenAPI document (scripts/fuzz.sh)"
	@echo "make openapi  regenerate openapi/openapi.json"
	@echo "make errors   regenerate docs/errors.md (the error codes, from the catalogue)"
	@echo "make db       start PostgreSQL and print its DATABASE_URL"
	@echo "make db-stop  stop the private PostgreSQL cluster"

# DUTYDESK_DEV=true for every step, so that migrate and seed-demo accept the dev defaults
# (e.g. no JWT secret) just as serve does. Migrations run as the owning role (pg.sh's
# DATABASE_URL); seed-demo and serve as the server's role (`pg.sh app-url`, README "Database roles").
run:
	@$(WITH_DB) \
	app_env="$$($(PG) app-url)"; \
	export DUTYDESK_DEV=true; \
	$(CARGO) build --bin dutydesk; \
	DUTYDESK_MIGRATION_DATABASE_URL="$$DATABASE_URL" $(BIN) migrate; \
	export "$$app_env"; \
	$(BIN) seed-demo; \
	exec $(BIN) serve

# The test runner's summary must stay visible (CI reads it), so nothing here is silenced.
# nextest does not run doctests: they run first (when there is a library); nextest's summary
# is followed only by the log check's one line. A failure anywhere fails the target, but only after everything has run.
#
# The calendar-feed tests parse the service's .ics output with Python's `icalendar` (a real
# iCalendar parser): it is installed into a private venv under target/ and passed to the tests
# as DUTYDESK_PYTHON.
#
# The committed OpenAPI document is checked by a real validator, openapi-spec-validator (pinned,
# in the same venv), before the Rust tests so that their summary stays last; a cargo test checks
# that the committed document is what the code generates.
#
# scripts/clients.sh then generates clients from that document (pinned openapi-typescript and
# typescript from npm, installed once into target/node-clients; openapi-python-client from PyPI,
# into the same venv), type-checks tests/clients/scenario.ts with `tsc --strict`, and leaves the
# Python package in target/clients/python, which tests/api/generated_client.rs drives against
# the running service (passed as DUTYDESK_PYTHON_CLIENT). Node and npm are required.
#
# The tests write the service's logs (the production JSON lines) to $(TEST_LOGS), one file per
# test process; the directory is emptied first, and after the run scripts/check-logs.py searches
# every line for anything that looks like a mobile number and for the suite's known citizens'
# phone numbers (tests/fixtures/citizen_phones.txt). A hit, or no logs at all, fails the target;
# its one-line summary (files, lines, request lines searched) follows the test runner's.
PYENV = $${CARGO_TARGET_DIR:-target}/pyenv
TEST_LOGS = $${CARGO_TARGET_DIR:-target}/test-logs
OPENAPI_SPEC_VALIDATOR = 0.9.0
test:
	@$(WITH_DB) \
	status=0; \
	rm -rf "$(TEST_LOGS)"; mkdir -p "$(TEST_LOGS)"; \
	if [ ! -x "$(PYENV)/bin/python" ]; then python3 -m venv "$(PYENV)"; fi; \
	"$(PYENV)/bin/python" -c 'import icalendar' 2>/dev/null || \
	  "$(PYENV)/bin/pip" install --quiet --disable-pip-version-check icalendar; \
	"$(PYENV)/bin/python" -c 'import importlib.metadata as m, sys; sys.exit(m.version("openapi-spec-validator") != "$(OPENAPI_SPEC_VALIDATOR)")' 2>/dev/null || \
	  "$(PYENV)/bin/pip" install --quiet --disable-pip-version-check "openapi-spec-validator==$(OPENAPI_SPEC_VALIDATOR)"; \
	echo "== openapi-spec-validator openapi/openapi.json"; \
	"$(PYENV)/bin/openapi-spec-validator" --validation-errors all openapi/openapi.json || status=1; \
	scripts/clients.sh || status=1; \
	export DUTYDESK_PYTHON_CLIENT="$$(cd "$${CARGO_TARGET_DIR:-target}" && pwd)/clients/python"; \
	export DUTYDESK_PYTHON="$$(cd "$(PYENV)/bin" && pwd)/python"; \
	if [ -f src/lib.rs ]; then \
	  echo "== cargo test --doc"; \
	  $(CARGO) test --doc || status=1; \
	fi; \
	if $(CARGO) nextest --version >/dev/null 2>&1; then \
	  echo "== cargo nextest run --no-fail-fast"; \
	  $(CARGO) nextest run --no-fail-fast || status=1; \
	else \
	  echo "== cargo test --no-fail-fast (cargo-nextest not installed)"; \
	  $(CARGO) test --no-fail-fast || status=1; \
	fi; \
	echo "== scripts/check-logs.py $(TEST_LOGS)"; \
	"$$DUTYDESK_PYTHON" scripts/check-logs.py "$(TEST_LOGS)" --known tests/fixtures/citizen_phones.txt || status=1; \
	exit $$status

check:
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets -- -D warnings

fmt:
	$(CARGO) fmt

fuzz:
	scripts/fuzz.sh

# The benchmark talks to PostgreSQL, so it gets one too.
bench:
	@$(WITH_DB) \
	$(CARGO) bench

# HTTP load: dutydesk's hot read and a write against the minimal server in benches/ceiling, both
# built in release, loaded with wrk in alternating runs; prints each run, the medians and the
# ratios (scripts/bench-http.sh; BENCH_RUNS, BENCH_DURATION, BENCH_CONNECTIONS ... set it up).
# A benchmark, not a test.
bench-http:
	scripts/bench-http.sh

# Written to a temporary file first so that a failed run does not truncate the committed spec.
openapi:
	mkdir -p openapi
	$(CARGO) run --quiet --bin dutydesk -- openapi > openapi/openapi.json.tmp
	mv openapi/openapi.json.tmp openapi/openapi.json

# The reference page of error codes, generated from src/error/catalogue (a test compares them).
errors:
	$(CARGO) run --quiet --bin dutydesk -- errors > docs/errors.md.tmp
	mv docs/errors.md.tmp docs/errors.md

db:
	@$(PG)

db-stop:
	$(PG) stop
