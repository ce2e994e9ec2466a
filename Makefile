# The verbs people type. `make help` lists them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.DEFAULT_GOAL := help
.PHONY: help setup elt demo test test-quick lint docs bench clean clean-data

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-11s %s\n", $$1, $$2}'

setup: ## create .venv and install the project with its dev tools (one command on a fresh machine)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"

elt: ## sync the season from the stats API (NBA_STATS_BASE_URL), build the marts, run the audits
	$(BIN)/nba-elt elt

demo: ## offline: fake stats API on loopback -> full ELT into demo.duckdb -> what landed
	$(BIN)/nba-elt demo

# Three workers on the two cores CI has: each spends part of a test waiting on PostgreSQL, a
# DuckDB file or a child process, and the third fills those gaps (13:51 -> 11:26 for the suite).
test: ## the whole test suite (DuckDB and PostgreSQL on 127.0.0.1), three workers, the slow simulations first
	$(BIN)/pytest -n 3 --dist worksteal --durations=12

test-quick: ## the suite without the slow simulations
	$(BIN)/pytest -n 3 --dist worksteal -m "not slow"

docs: ## dbt docs of the marts and their lineage, one offline page: dbt_project/target/static_index.html
	$(BIN)/nba-elt dbt docs generate --static --target-path dbt_project/target

lint: ## ruff and mypy
	$(BIN)/ruff check loader fake_stats tests benchmarks
	$(BIN)/mypy

bench: ## benchmarks (backfill, nightly, memory, requests, PostgreSQL vs DuckDB, play-by-play) -> benchmarks/RESULTS.md (~30 min)
	$(BIN)/python benchmarks/run.py

clean: ## remove build output and caches; the warehouse (*.duckdb) and logs/ stay
	rm -rf dbt_project/target dbt_project/logs .pytest_cache .mypy_cache .ruff_cache test-artifacts

clean-data: ## delete the data: the DuckDB files in this folder (nba_elt.duckdb, demo.duckdb) and logs/
	rm -f nba_elt.duckdb nba_elt.duckdb.wal demo.duckdb demo.duckdb.wal
	rm -rf logs
