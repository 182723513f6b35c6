# mh-policing-warehouse: `make run` (fresh clone -> app on 127.0.0.1:8501) and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
UV := .venv-tools/bin/uv
UV_VERSION := 0.13.8
export PATH := $(BIN):$(PATH)
APP_PORT ?= 8501

.PHONY: help install manifest demo-data refresh run app dev test test-fast lint bench clean plan checks publish docs artefacts

help:
	@echo "make run      install, demo data if the landing zone is empty, full refresh, app on 127.0.0.1:$(APP_PORT)"
	@echo "make refresh  the same without the app (exits when done)"
	@echo "make app      serve the current snapshot"
	@echo "make dev      the Dagster UI (asset graph, runs, checks) on 127.0.0.1:3000"
	@echo "make test     the whole test suite;  make lint;  make bench"
	@echo "make plan     SQLMesh change review of the dbt models (BASE=<git revision or folder>, default: where HEAD left main)"
	@echo "make checks / publish / docs / artefacts   the scheduled refresh's steps (.github/workflows/refresh.yml)"

$(UV):
	python3 -m venv .venv-tools
	.venv-tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# --compile-bytecode: the packages' .pyc are written once here, as machines that set PYTHONDONTWRITEBYTECODE never
# write them, and every process (each refresh, each dbt run) would compile dagster and dbt from source again: some
# 7 s of a `mhw refresh`, half of a dbt start-up (docs/operations.md)
$(VENV)/.installed: pyproject.toml uv.lock Makefile | $(UV)
	$(UV) sync --frozen --compile-bytecode
	@touch $@

install: $(VENV)/.installed

# dbt parses again only when a file it reads changed (folders too: a file added or removed). The parse state beside
# the manifest is for a warehouse named warehouse.duckdb in dbt's working folder, as mhw-dbt starts every build: a
# new MHW_HOME's first build then starts from it (orchestration/dbt_child.py)
MANIFEST := dbt_project/target/manifest.json
DBT_INPUTS := $(shell find dbt_project/models dbt_project/macros dbt_project/tests seeds) \
	dbt_project/dbt_project.yml dbt_project/profiles.yml
$(MANIFEST): $(DBT_INPUTS) $(VENV)/.installed
	MHW_WAREHOUSE=$$(basename "$${MHW_WAREHOUSE:-warehouse.duckdb}") mhw-dbt parse --quiet --project-dir $(CURDIR)/dbt_project --profiles-dir $(CURDIR)/dbt_project
	@touch $@

manifest: $(MANIFEST)

demo-data: install
	mhw synth --if-empty

# REFRESH_ARGS: e.g. --no-publish (CI publishes after `make checks`) or --force
refresh: demo-data
	mhw refresh $(REFRESH_ARGS)

run: refresh app

app: install
	streamlit run apps/serve.py --server.address 127.0.0.1 --server.port $(APP_PORT) --server.headless true

# the instance `mhw refresh` uses: $$DAGSTER_HOME, else $$MHW_HOME/dagster_home (prepared as mhw prepares it)
dev: manifest
	DAGSTER_HOME="$$(python -c 'from mhw.cli import dagster_home_for_dev; print(dagster_home_for_dev())')" \
		dagster dev -h 127.0.0.1 -p 3000

# the suite runs on PYTEST_WORKERS processes, one test file per worker (module fixtures build once), the longest
# files first (tests/conftest.py); --durations shows where the time goes
PYTEST_WORKERS ?= 2

test: install manifest
	pytest -n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder --durations=25

test-fast: install
	pytest -m "not slow"

lint: install
	ruff check .
	ruff format --check .

# the refresh timings, then the app's page render times on a 10-year national snapshot (docs/benchmarks.md); with
# the public data a deployment has (MHW_PUBLIC_DATA_DIR, else ../shared/data/real when it exists, as .ci/run does):
# without it there are no national sources, Census denominators, boundaries or published schemes to build and draw
bench: export MHW_PUBLIC_DATA_DIR := $(or $(MHW_PUBLIC_DATA_DIR),$(wildcard $(abspath ../shared/data/real)))
bench: install manifest
	python -m tests.bench.bench_refresh
	python -m tests.bench.bench_app

plan: install
	mhw plan $(if $(BASE),--base "$(BASE)")

checks: install manifest
	mhw checks

# PREVIOUS: the snapshot file to compare with for the revisions report (default: the current one)
publish: install manifest
	mhw publish $(if $(PREVIOUS),--previous "$(PREVIOUS)")

docs: install manifest
	mhw docs

ARTEFACTS ?= $(or $(MHW_HOME),data)/artefacts
artefacts: install
	mhw export publication --out "$(ARTEFACTS)"

clean:
	rm -rf data dbt_project/target dbt_project/logs
