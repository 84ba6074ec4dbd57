# The two commands of the README: `make run` and `make test`. Both build .venv from scratch on a machine
# with only Python >= 3.11 and make, installing the exact versions pinned in constraints.txt.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 2

.PHONY: run test lint typecheck pytest bench lock clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "credwallet needs Python >= 3.11; set PYTHON=python3.11 or newer")'
	$(PYTHON) -m venv $(VENV)

# One stamp per extra, remade whenever the dependency list or the pins change.
$(VENV)/.installed-run: $(BIN)/python pyproject.toml constraints.txt
	$(PIP) install --quiet -c constraints.txt -e .
	@touch $@

$(VENV)/.installed-test: $(BIN)/python pyproject.toml constraints.txt
	$(PIP) install --quiet -c constraints.txt -e '.[test]'
	@touch $@

# The public URL follows HOST and PORT (issuer URLs, the printed curl lines) unless it is set already.
DEV_ENV := CREDWALLET_ENV=development CREDWALLET_PUBLIC_URL=$${CREDWALLET_PUBLIC_URL:-http://$(HOST):$(PORT)}

run: $(VENV)/.installed-run
	$(DEV_ENV) $(BIN)/credwallet init --demo
	$(DEV_ENV) $(BIN)/credwallet serve --host $(HOST) --port $(PORT) --workers $(WORKERS)

test: lint typecheck pytest

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy

# pytest exits 5 when it collects nothing (a filtered sub-run, say); that is not a failure.
pytest: $(VENV)/.installed-test
	$(BIN)/pytest $(PYTEST_ARGS) || [ $$? -eq 5 ]

$(VENV)/.installed-bench: $(BIN)/python pyproject.toml constraints.txt
	$(PIP) install --quiet -c constraints.txt -e '.[test,bench]'
	@touch $@

# Benchmarks: ratios against baselines measured in the same run; writes bench/results.json. The load figures
# need wrk (`apt-get install -y wrk`); without it they are reported as not measured.
bench: $(VENV)/.installed-bench
	@command -v wrk >/dev/null || echo "wrk is not installed: the load figures will say NOT MEASURED"
	$(BIN)/python -m bench $(BENCH_ARGS)

# Re-resolve every pin from pyproject.toml in a throw-away environment.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	.lock-venv/bin/python -m pip freeze --exclude-editable --disable-pip-version-check \
		| grep -v '^-e ' | LC_ALL=C sort > constraints.txt
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info
