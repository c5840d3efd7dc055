# SuaraWarga: every target sets itself up from nothing (creates .venv, installs, migrates).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export SUARAWARGA_DATA_DIR ?= $(CURDIR)/var

.PHONY: run test install lint bench bench-nlu bench-webhook bench-console demo clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11+ is required (set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/suarawarga db upgrade
	$(BIN)/suarawarga serve

test: install
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

demo: install
	$(BIN)/suarawarga db upgrade
	$(BIN)/suarawarga demo seed

bench: install
	$(BIN)/python -m benchmarks.sweep_bench

clean:
	rm -rf $(VENV) var .pytest_cache
