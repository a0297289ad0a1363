# Colombe: `make run` starts it, `make test` proves it.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run test test-unit test-integration services lint train bench bench-model bench-site chaos clean help

help:
	@echo "make run    - install into .venv, migrate the embedded SQLite database, serve on http://127.0.0.1:8000"
	@echo "make test   - install dev dependencies, start Redis + PostgreSQL if needed, run the whole suite"
	@echo "make train  - rebuild the bundled model artifact from ../shared/data (about 30-45 min; sentence vectors cached in ~/.cache/colombe)"
	@echo "make bench-model - both model profiles vs alt-profanity-check: in-split, leave-one-dataset-out, never-seen, speed"
	@echo "                   (FUNCTIONAL='hatecheck.csv mhc_fr.csv' adds HateCheck-format functional suites)"
	@echo "make bench  - throughput, latency and memory of the production setup on loopback"
	@echo "make bench-site - per-site learning: site model vs global vs TF-IDF after 600 decisions, training time, scoring ratio"
	@echo "make chaos  - fault tests: kill workers, stop Redis, restart PostgreSQL, sustained load"
	@echo "make lint   - import-linter contracts (layers, no Flask below the web tier) and hadolint"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(RUN_STAMP)

run: $(RUN_STAMP)
	$(BIN)/colombe db upgrade
	$(BIN)/colombe serve

services:
	scripts/ensure-services.sh
	scripts/ensure-wordpress.sh
	scripts/ensure-node-packages.sh
	@if [ -x scripts/ensure-browser.sh ]; then scripts/ensure-browser.sh; fi

test: $(DEV_STAMP) services
	$(BIN)/pytest

test-unit: $(DEV_STAMP)
	$(BIN)/pytest -m "unit or model"

test-integration: $(DEV_STAMP) services
	$(BIN)/pytest -m integration

train: $(RUN_STAMP)
	$(BIN)/colombe train --data ../shared/data --set-current --prune-old --lodo

bench-model: $(RUN_STAMP)
	test -x .venv-bench/bin/python || $(PYTHON) -m venv .venv-bench
	.venv-bench/bin/pip install -q -r bench/requirements-model-bench.txt
	.venv-bench/bin/python bench/model_bench.py --json-out bench/results/model_bench.json $(foreach f,$(FUNCTIONAL),--functional $(f))

bench: $(DEV_STAMP) services
	@command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
	$(BIN)/python bench/run.py

bench-site: $(RUN_STAMP)
	$(BIN)/python bench/site_bench.py

chaos: $(DEV_STAMP) services
	$(BIN)/pytest tests/chaos -s -p no:cacheprovider

lint: $(DEV_STAMP)
	$(BIN)/lint-imports --no-cache
	$(BIN)/hadolint Dockerfile

clean:
	rm -rf $(VENV) var *.egg-info .pytest_cache
