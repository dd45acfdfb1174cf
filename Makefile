# Tongban: `make run` serves the demo, `make test` runs the suite on SQLite and on PostgreSQL.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/test
DEBIAN_PACKAGES := chromium fonts-wqy-microhei poppler-utils
HOST ?= 127.0.0.1
PORT ?= 8000
# The address in the QR codes of the demo's certificates, which are signed before the server starts: the one
# `make run` serves, or TONGBAN_VERIFY_HOST (with HOST=0.0.0.0, the machine's LAN address, e.g. 192.168.1.20:8000).
TONGBAN_VERIFY_HOST ?= $(if $(filter 0.0.0.0,$(HOST)),127.0.0.1,$(HOST)):$(PORT)
TONGBAN_SITE_URL ?= http://$(TONGBAN_VERIFY_HOST)
ALLOWED_HOSTS ?= 127.0.0.1,localhost,$(firstword $(subst :, ,$(TONGBAN_VERIFY_HOST)))
RUN_ENV = TONGBAN_VERIFY_HOST=$(TONGBAN_VERIFY_HOST) TONGBAN_SITE_URL=$(TONGBAN_SITE_URL) ALLOWED_HOSTS=$(ALLOWED_HOSTS)

.PHONY: install system-deps node-deps run test test-sqlite test-postgres test-topology lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# axe-core for the accessibility tests, pinned by package.json and package-lock.json.
NODE_STAMP := node_modules/.installed
$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -q >/dev/null && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q npm >/dev/null; } || \
	  { echo "please install npm (Debian package npm)"; exit 1; }
	npm ci --no-audit --no-fund
	touch $(NODE_STAMP)

node-deps: $(NODE_STAMP)

# Debian packages the certificates (CJK font, pdftoppm) and the browser tests (chromium) need.
system-deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then echo "installing:$$missing"; \
	    apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing >/dev/null; \
	  elif command -v sudo >/dev/null; then sudo apt-get install -y -q $$missing; \
	  else echo "please install the Debian packages:$$missing"; exit 1; fi; \
	fi

run: install system-deps
	@mkdir -p var
	$(RUN_ENV) $(BIN)/python manage.py migrate --noinput -v0
	$(RUN_ENV) $(BIN)/python manage.py collectstatic --noinput -v0
	$(RUN_ENV) $(BIN)/python manage.py seed_demo
	$(RUN_ENV) $(BIN)/python manage.py init_keys
	$(RUN_ENV) $(BIN)/python manage.py simulate_history --from 2025-01-01 --to 2025-12-31 --seed 7 --if-empty \
	  --cohort var/legacy_cohort_2022.csv
	@if [ -f var/legacy_cohort_2022.csv ]; then $(RUN_ENV) $(BIN)/python manage.py import_legacy_cases var/legacy_cohort_2022.csv; fi
	$(RUN_ENV) $(BIN)/python manage.py simulate_history --from -45 --to today --until today --seed 11 --if-no-open \
	  --with-certificates --cohort ""
	$(RUN_ENV) $(BIN)/python manage.py simulate_aftercare
	$(RUN_ENV) $(BIN)/python manage.py simulate_supervision
	@echo ""
	@echo "  Tongban is starting on http://$(HOST):$(PORT)/"
	@echo "    certificate QR codes point to $(TONGBAN_VERIFY_HOST) (open them as http://; TONGBAN_VERIFY_HOST to change)"
	@echo "    service guide      http://$(HOST):$(PORT)/guide/"
	@echo "    admin              http://$(HOST):$(PORT)/admin/            (admin)"
	@echo "    API docs           http://$(HOST):$(PORT)/api/docs/"
	@echo "    metrics dashboard  http://$(HOST):$(PORT)/dashboard/        (supervisor)"
	@echo "    supervision        http://$(HOST):$(PORT)/supervision/      (supervisor; public draws /inspection-draws/)"
	@echo "  demo logins (password: $${DEMO_PASSWORD:-tongban-demo}):"
	@echo "    applicant, employer                                                   applicants"
	@echo "    intake, reviewer, approver, legal, supervisor                         provincial S&T department"
	@echo "    exit-entry (intake, reviewer), exit-entry-approver, exit-entry-legal  exit-entry bureau"
	@echo "    kunming-intake, kunming-reviewer, kunming-approver, kunming-legal     Kunming S&T bureau"
	@echo "    inspector-01 … inspector-11 (with intake, reviewer, approver, legal)  inspectors, provincial S&T department"
	@echo ""
	$(RUN_ENV) $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install system-deps node-deps test-sqlite test-postgres test-topology

test-sqlite: install
	@echo "== test suite on SQLite =="
	DATABASE_URL=sqlite:///:memory: $(BIN)/python -m pytest -q -m "not topology"

test-postgres: install
	@echo "== test suite on PostgreSQL ($(PG_TEST_URL)) =="
	@if $(BIN)/python -c "import psycopg,sys; psycopg.connect('$(PG_TEST_URL)', connect_timeout=5).close()" 2>/dev/null; then \
	  DATABASE_URL=$(PG_TEST_URL) $(BIN)/python -m pytest -q -m "not topology"; \
	elif [ "$${CI:-}" = "true" ]; then echo "PostgreSQL at $(PG_TEST_URL) is not reachable (CI=true: failing)"; exit 1; \
	else echo "SKIPPED: PostgreSQL at $(PG_TEST_URL) is not reachable; set PG_TEST_URL or start it"; fi

# The production topology (tests/topology): gunicorn, PostgreSQL at PG_TEST_URL's server, a private
# redis-server, Celery worker and beat, started once from the README's recipe. Production is
# PostgreSQL, so it is never skipped: without a reachable server it fails.
test-topology: install
	@echo "== production topology (gunicorn, PostgreSQL, Redis, Celery) =="
	PG_TEST_URL=$(PG_TEST_URL) DATABASE_URL=sqlite:///:memory: $(BIN)/python -m pytest -q -m topology tests/topology

lint: install
	$(BIN)/ruff check .
	$(BIN)/python manage.py makemigrations --check --dry-run

bench: install
	$(BIN)/python bench/calendar.py

clean:
	rm -rf $(VENV) var .pytest_cache
