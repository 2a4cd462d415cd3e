# accord — every target bootstraps .venv from requirements.lock (exact pins) on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements.lock requirements-spark.lock pyproject.toml | cksum | cut -d' ' -f1)
export DAGSTER_HOME ?= $(CURDIR)/dagster_home

.PHONY: install test-deps run test lint dev serve samples clean bench

install: $(STAMP)

$(STAMP): requirements.lock requirements-spark.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --target $(VENV)/spark-lib \
		-r requirements-spark.lock
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

## run the whole pipeline with Dagster on the bundled sample extracts, print the summary
run: $(STAMP)
	ACCORD_PORTAL_URL=$(PORTAL_URL) $(BIN)/accord run --samples

## the outside programs the suite starts (Debian's chromium, PostgreSQL), installed when missing
test-deps:
	@bash scripts/test_prereqs.sh

## run the test suite
test: $(STAMP) test-deps
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check src pipelines tests scripts benchmarks
	$(BIN)/mypy

## everything in one command: the Dagster UI on http://127.0.0.1:3000 with its one daemon (sensors, runs), and the
## portal on http://127.0.0.1:8000 that opens the UI's file links (no second daemon: do not run `make serve` beside)
PORTAL_URL ?= http://127.0.0.1:8000
dev: $(STAMP)
	@ACCORD_PORTAL_URL=$(PORTAL_URL) $(BIN)/accord serve --host 127.0.0.1 --port 8000 & portal=$$!; \
	trap 'kill $$portal 2>/dev/null' EXIT INT TERM; \
	ACCORD_PORTAL_URL=$(PORTAL_URL) $(BIN)/dagster dev -m pipelines.definitions -h 127.0.0.1 -p 3000

## the agency portal on http://127.0.0.1:8000 with the Dagster daemon, without the UI (a server's setup)
serve: $(STAMP)
	ACCORD_PORTAL_URL=$(PORTAL_URL) $(BIN)/accord serve --daemon --host 127.0.0.1 --port 8000

## regenerate samples/landing from scripts/make_samples.py
samples: $(STAMP)
	$(BIN)/python scripts/make_samples.py

clean:
	rm -rf data .pytest_cache .mypy_cache .ruff_cache

## benchmark: floor vs pandas vs accord on a generated extract (ROWS=200000 by default)
ROWS ?= 200000
bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py --rows $(ROWS) --repeat 3
