# One command to run, one to test. Everything else is a convenience on top of those.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
UV_VERSION := 0.13.8
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha256sum requirements.lock 2>/dev/null | cut -c1-12)

# The team keeps the real reference data outside the project; use it when it is there.
NPA_REFERENCE_DIR ?= $(if $(wildcard ../shared/reference/municipalities.csv),$(abspath ../shared/reference),)
export NPA_REFERENCE_DIR
export DAGSTER_HOME ?= $(abspath .dagster_home)
NPA_DATA_DIR ?= $(abspath data)
export NPA_DATA_DIR
# profiles.yml reads these; dbt parse needs them set even though it opens no database
export NPA_BUILD_DB ?= $(NPA_DATA_DIR)/work/build.duckdb
export NPA_RAW_DB ?= $(NPA_DATA_DIR)/work/raw_layer.duckdb

DBT_SOURCES := $(shell find dbt_project -path dbt_project/target -prune -o -type f \( -name '*.sql' -o -name '*.yml' -o -name '*.csv' \) -print 2>/dev/null)
MANIFEST := dbt_project/target/manifest.json

SCALE ?= demo
SEED ?= 20211216
REPORT ?= april-2023
AS_OF ?=

.PHONY: dagster-home
.PHONY: help env run test ui template docs report calibrate bench manifest system-deps clean validate

help:
	@echo "make run    install what is needed, then run the whole pipeline (generates the demo data set when data/raw is empty)"
	@echo "make test   install what is needed, then run the test suite"
	@echo "make ui     the Dagster UI on http://127.0.0.1:3000 (schedule and sensor on)"
	@echo "make template | docs | report REPORT=april-2023 AS_OF=2023-04-01 | calibrate | bench [SCALE=demo]"
	@echo "make validate FILE=path/to/workbook.xlsx   check delivered files before they go to data/raw/"

env: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@test -x $(BIN)/uv || $(BIN)/python -m pip install --quiet "uv==$(UV_VERSION)"
	$(BIN)/uv pip sync --quiet --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	@# byte-compile once: with PYTHONDONTWRITEBYTECODE set (as here) every process would
	@# otherwise recompile dagster, dbt and great_expectations on each start
	$(BIN)/python -m compileall -q -j 2 $(VENV)/lib >/dev/null || true
	@rm -f $(VENV)/.installed-*
	@touch $@

manifest: $(MANIFEST)

$(MANIFEST): $(STAMP) $(DBT_SOURCES)
	@# the profile as the pipeline's builds render it, so its partial parse state serves them
	cd dbt_project && env -u NPA_BUILD_DB -u NPA_RAW_DB ../$(BIN)/dbt parse --quiet --profiles-dir . --project-dir .
	@touch $@

# apt packages the tests need: a headless browser for the report tests, poppler for PDF text
system-deps:
	@if ! command -v chromium >/dev/null || ! command -v pdftotext >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils >/dev/null; \
	fi

dagster-home: $(STAMP)
	@mkdir -p $(DAGSTER_HOME) && cp pipelines/operations/dagster.yaml $(DAGSTER_HOME)/dagster.yaml
	@# create the run history's databases before several processes (webserver, daemon, code
	@# server) open them at once: concurrent creation can stamp a schema version twice
	@$(BIN)/python -c "import dagster; dagster.DagsterInstance.get().dispose()"

run: $(MANIFEST) dagster-home
	$(BIN)/npa run

test: $(MANIFEST) system-deps
	$(BIN)/python -m pytest -q -n 2 --dist loadgroup

ui: $(MANIFEST) dagster-home
	$(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

template: $(STAMP)
	$(BIN)/npa template

docs: $(MANIFEST)
	$(BIN)/python -m pipelines.warehouse.docs --serve

report: $(MANIFEST) dagster-home
	$(BIN)/npa report $(REPORT) $(if $(AS_OF),--as-of $(AS_OF),)

# make validate FILE="a.xlsx 2022-12-31/L0123.csv": check delivered files; writes nothing
validate: $(STAMP)
	@test -n "$(FILE)" || { echo 'usage: make validate FILE="path/to/workbook.xlsx [more files]"' >&2; exit 2; }
	$(BIN)/npa validate $(FILE)

calibrate: $(STAMP)
	$(BIN)/npa calibrate

bench: $(MANIFEST)
	@# national unless SCALE is given on the command line (SCALE's default, demo, is for `make run`)
	$(BIN)/python -m bench --scale $(if $(filter command line environment,$(origin SCALE)),$(SCALE),national)

clean:
	rm -rf data/work data/marts/releases data/marts/current data/marts/warehouse.duckdb data/marts/parquet data/reports dbt_project/target
