# Xinzhi 新质 — two commands on a fresh Debian machine with Python 3.11:
#
#   make demo   builds .venv, creates the demo city in var/demo.db, serves http://127.0.0.1:8000
#   make test   installs what the tests need (Python packages; PostgreSQL, Chromium, CJK fonts
#               via apt when missing) and runs the whole suite against a throwaway PostgreSQL
#
# Pass pytest arguments with ARGS, e.g. `make test ARGS='-k credit_code -x'`.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
VPY    := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
ARGS   ?=
DEMO_DATABASE_URL ?= sqlite:///var/demo.db
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help venv install demo system-deps test lint bench clean

help:
	@echo "make demo         build .venv, create the demo city (var/demo.db), serve http://$(HOST):$(PORT)"
	@echo "make test         install everything the tests need and run them (ARGS='...' for pytest)"
	@echo "make install      .venv with the project and its test extras (again only when pyproject.toml changes)"
	@echo "make system-deps  apt-get install what is missing of postgresql, chromium, fonts-noto-cjk"
	@echo "make lint         ruff check and ruff format --check (part of make test)"
	@echo "make bench        run every script in benchmarks/"
	@echo "make clean        remove .venv, var/, test artifacts and caches"

venv: $(VPY)

$(VPY):
	@test -n "$(PYTHON)" || { echo "no python3 found; Python 3.11 or newer is needed" >&2; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
	  || { echo "$(PYTHON) is $$($(PYTHON) -V 2>&1); Xinzhi needs Python 3.11 or newer (set PYTHON=...)" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)

install: $(STAMP)

$(STAMP): pyproject.toml | $(VPY)
	$(VPY) -m pip install --disable-pip-version-check -q -e '.[test]'
	@touch $@

demo: install
	mkdir -p var
	XINZHI_DATABASE_URL=$(DEMO_DATABASE_URL) $(VENV)/bin/xinzhi demo --replace
	XINZHI_DATABASE_URL=$(DEMO_DATABASE_URL) $(VENV)/bin/xinzhi serve --host $(HOST) --port $(PORT)

system-deps:
	bash scripts/ensure-system-packages.sh

test: install system-deps lint
	bash scripts/run-tests.sh $(ARGS)

# ruff is a test extra, so `make test` (and CI) fails on a lint or format error.
lint: install
	$(VENV)/bin/ruff check src tests benchmarks scripts
	$(VENV)/bin/ruff format --check src tests benchmarks scripts

bench: install
	@set -e; for script in benchmarks/*.py; do echo "== $$script"; $(VPY) "$$script"; done

clean:
	rm -rf $(VENV) var test-artifacts .pytest_cache .hypothesis build dist src/*.egg-info
	find . -path ./.git -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +
