# The two commands: `make run` serves the demo, `make test` passes the whole suite.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= $(shell command -v python3.11 || command -v python3)

.PHONY: run test bench lint format setup services install lock chromium

run: setup
	$(PY) manage.py seed_demo
	@mkdir -p var
	$(VENV)/bin/honcho start -f Procfile

test: setup chromium
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(PY) manage.py makemigrations --check --dry-run
	# Tests use their own Redis database, so a `make run` worker never takes their tasks.
	REDIS_URL=$${TEST_REDIS_URL:-redis://127.0.0.1:6379/15} $(VENV)/bin/pytest

bench: setup
	$(PY) -m tests.bench

setup: install services
	$(PY) scripts/compile_messages.py
	$(PY) manage.py migrate --noinput

install: $(VENV)/.installed

# Exactly the pinned, hash-checked versions of the lock, then the project itself on top of them
# (its dependencies are all in the lock). A changed lock or pyproject.toml installs again.
$(VENV)/.installed: pyproject.toml requirements-dev.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q --require-hashes -r requirements-dev.lock
	$(PY) -m pip install -q --no-deps -e .
	touch $@

# The lock files, from pyproject.toml: requirements-dev.lock is what `make` installs (runtime,
# the S3 extra, the dev tools), requirements.lock what the image installs (the same pins, less
# the dev tools). One universal resolution (Linux, macOS, Windows; Python 3.11 to 3.13) with
# every file's hash. Existing pins are kept unless pyproject.toml needs otherwise; to move
# some: `make lock UPGRADE="django celery"`, or all: `make lock UPGRADE=all`.
UPGRADE ?=
LOCK = $(VENV)/bin/uv pip compile pyproject.toml --quiet --universal --python-version 3.11 \
	--generate-hashes --custom-compile-command "make lock"

lock: install
	$(LOCK) --extra s3 --extra dev -o requirements-dev.lock \
	  $(if $(filter all,$(UPGRADE)),--upgrade,$(addprefix --upgrade-package ,$(UPGRADE)))
	$(LOCK) --extra s3 --constraint requirements-dev.lock -o requirements.lock

services: install
	$(PY) scripts/ensure_services.py

# Browser tests drive Debian's Chromium (Playwright cannot download browsers here).
chromium:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  (echo "Installing Debian's chromium for the browser tests ..." && \
	   apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium) || \
	  (echo "Install Chromium (Debian: apt-get install chromium) for the browser tests." && exit 1)

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format:
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .
