# SuaraWarga: every target sets itself up from nothing (creates .venv, installs, migrates).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export SUARAWARGA_DATA_DIR ?= $(CURDIR)/var

.PHONY: run test install lint rasa bench bench-nlu bench-webhook bench-console demo clean

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

# Rasa 3.6 (Python 3.10, env outside the clone): set up once, export our data, train two NLU models
# (cached by data hash), serve the report type on 127.0.0.1:5005 and the agency on :5006.
# No Python 3.10? `docker compose --profile rasa up rasa rasa-agency`.
RASA_EPOCHS ?= 100
rasa: install
	bash nlu/rasa/setup_env.sh >/dev/null
	$(BIN)/python -m nlu.rasa.runtime serve --epochs $(RASA_EPOCHS) --port 5005 --agency-port 5006

# Embedded model vs Rasa DIET, side by side; writes benchmarks/nlu/results.{md,json}.
BENCH_RASA_EPOCHS ?= 10
bench-nlu: install
	$(BIN)/python -m benchmarks.nlu.bench_nlu --rasa-epochs $(BENCH_RASA_EPOCHS)

# Dashboard and agency inbox over 1M reports in a throwaway PostgreSQL database, through uvicorn;
# writes benchmarks/console/results.{md,json}. SW_BENCH_REPORTS / SW_BENCH_REQUESTS to resize.
bench-console: install
	$(BIN)/python -m benchmarks.console.bench_console

# Inbound Telegram webhook on PostgreSQL: full pipeline vs a one-insert ceiling app vs Rasa's REST
# channel (when `make rasa` has cached a model), same wrk load; writes benchmarks/webhook/results.*
# Needs wrk (apt-get install -y wrk). BENCH_WEBHOOK_ARGS="--seconds 30 --connections 32" to resize.
bench-webhook: install
	@command -v wrk >/dev/null || { echo "bench-webhook needs wrk: apt-get install -y wrk"; exit 1; }
	$(BIN)/python -m benchmarks.webhook.run $(BENCH_WEBHOOK_ARGS)
