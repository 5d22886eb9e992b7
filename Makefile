# Atrium: `make run` serves on embedded defaults, `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/pip --disable-pip-version-check
# llama.cpp is compiled on install. A portable build (AVX2, no AVX-512/AMX): a native build
# can pick instructions a virtual CPU advertises but cannot run (seen here: SIGILL).
export CMAKE_ARGS ?= -DGGML_NATIVE=OFF

.PHONY: run test lint install install-dev system-deps format clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Atrium needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)

# Exact versions come from requirements.lock (regenerate with `make lock`).
$(VENV)/.installed: $(BIN)/python pyproject.toml requirements.lock
	$(PIP) install -q -c requirements.lock -e .
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PIP) install -q -c requirements.lock -e '.[dev]'
	@touch $@

# The browser tests drive Debian's Chromium by path (Playwright's own browser download cannot
# work here). Installed once, as root, when it is missing.
system-deps:
	@if [ ! -x /usr/bin/chromium ]; then apt-get update && apt-get install -y chromium; fi

install: $(VENV)/.installed
install-dev: system-deps $(VENV)/.installed-dev

run: install
	$(BIN)/atrium serve

# Lint first (it takes seconds), then the suite with coverage of src/ measured in the test
# process and in every server it starts; under the floor in pyproject.toml it fails.
# `make test COV=` runs the suite without coverage.
COV ?= --cov --cov-report=term
test: lint
	$(BIN)/pytest -q $(COV)

lint: install-dev
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

format: install-dev
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

lock: install-dev
	$(PIP) freeze --exclude-editable | grep -v '^atrium' | sed 's/^torch==\(.*\)+cpu$$/torch==\1/' > requirements.lock

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage .coverage.*
