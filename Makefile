# SuaraWarga: every target sets itself up from nothing (creates .venv, installs, migrates).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export SUARAWARGA_DATA_DIR ?= $(CURDIR)/var
# pytest keeps its assertion-rewritten test modules (and Python our compiled modules) in
# __pycache__; a shell that sets PYTHONDONTWRITEBYTECODE (as the machines here do) makes every run
# recompile all of them: 7 of the 15 s CPU that collecting the tests took, in every xdist worker.
unexport PYTHONDONTWRITEBYTECODE
# `make run PORT=8080` when 8000 is taken; unset, serve uses SUARAWARGA_PORT (default 8000).
PORT ?=

.PHONY: run test test-fast check install lint rasa bench bench-nlu bench-understanding bench-webhook bench-console bench-import bench-duplicates bench-toy demo clean

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
	$(BIN)/suarawarga serve $(if $(PORT),--port $(PORT))

# The gates CI runs (through `make test`) and pre-commit runs (.pre-commit-config.yaml): lint, the
# format check, strict mypy over the packages, tests and benchmarks, and the import contracts
# (the layers of architecture.md).
check: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

lint: check

# Two pytest-xdist workers, one test module each at a time (module fixtures are built once per
# module): a third of the suite's time is waiting on processes it starts (servers, Rasa, workers,
# PostgreSQL), which the other worker fills. TEST_WORKERS=0 runs the suite serially.
# The schemathesis module runs on its own: its tests share one node id (schemathesis 4 under
# pytest 9), and xdist would run one of its 22 (tests/conftest.py refuses to start such a run).
TEST_WORKERS ?= 2
SCHEMATHESIS := tests/console/test_schemathesis.py
test: check
ifeq ($(TEST_WORKERS),0)
	$(BIN)/python -m pytest
else
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile --ignore=$(SCHEMATHESIS)
	$(BIN)/python -m pytest $(SCHEMATHESIS)
endif

# The edit-run loop: SQLite only, stops at the first failure. Leaves out the PostgreSQL runs
# (`postgres`), multi-process, packaging and model-training tests (`slow`), Playwright
# (`browser`) and Rasa (`rasa`): `make test` runs them all. Two pytest-xdist workers, one test
# module each at a time (module fixtures are built once); on the quiet 2-core machine the 985
# tests take 55 s (95 s of CPU). TEST_FAST_WORKERS=0 runs them serially in one process. Only the
# schemathesis run (slow) needs the schemathesis and hypothesis plugins, and modules that are
# slow as a whole are not even imported (tests/conftest.py).
TEST_FAST_WORKERS ?= 2
test-fast: install
	$(BIN)/python -m pytest -m "not slow and not browser and not rasa and not postgres" -x -q -p no:cacheprovider \
		-p no:schemathesis -p no:hypothesispytest \
		$(if $(filter-out 0,$(TEST_FAST_WORKERS)),-n $(TEST_FAST_WORKERS) --dist loadfile)

demo: install
	$(BIN)/suarawarga db upgrade
	$(BIN)/suarawarga demo seed

# SLA sweep at 100k and 1M reports; writes benchmarks/results/sweep-<date>.{md,json}.
# SW_BENCH_SIZES / SW_BENCH_DUE / SW_BENCH_OUT ... to resize (benchmarks/README.md).
bench: install
	$(BIN)/python -m benchmarks.sweep_bench

# Possible duplicates (issue 15): precision/recall of the top-3 suggestions on the written set
# (benchmarks/duplicates/reports.jsonl, SQLite), then what the search adds to a submission at 1M
# reports on PostgreSQL (throwaway database). Writes benchmarks/duplicates/{quality,pg}.json;
# SW_BENCH_REPORTS=20000 SW_BENCH_OUT=/tmp/x for a trial run. Not part of `make test`.
bench-duplicates: install
	nice -n 10 $(BIN)/python -m benchmarks.duplicates.quality --out $(or $(SW_BENCH_OUT),benchmarks/duplicates)/quality.json
	nice -n 10 $(BIN)/python -m benchmarks.duplicates.bench_pg

# Every bench-* target at toy size (seconds each), results in a temporary directory, never over
# the recorded ones: what CI runs within `make test` (tests/benchmarks/test_toy_runs.py).
bench-toy: install
	$(BIN)/python -m pytest tests/benchmarks -q -p no:cacheprovider

clean:
	rm -rf $(VENV) var .pytest_cache

# Rasa 3.6 (Python 3.10, env outside the clone): set up once, export our data, train two NLU models
# (cached by data hash), serve the report type on 127.0.0.1:5005 and the agency on :5006.
# No Python 3.10? `docker compose --profile rasa up rasa rasa-agency`.
RASA_EPOCHS ?= 100
rasa: install
	bash nlu/rasa/setup_env.sh >/dev/null
	$(BIN)/python -m nlu.rasa.runtime serve --epochs $(RASA_EPOCHS) --port 5005 --agency-port 5006

# Embedded model vs TF-IDF + linear SVM vs Rasa DIET (its default 100 epochs: hours on 2 cores,
# run it in the background), side by side; writes benchmarks/nlu/results.{md,json}.
# BENCH_NLU_ARGS="--skip-rasa --output /tmp/x" for a trial run without Rasa.
BENCH_RASA_EPOCHS ?= 100
bench-nlu: install
	$(BIN)/python -m benchmarks.nlu.bench_nlu --rasa-epochs $(BENCH_RASA_EPOCHS) $(BENCH_NLU_ARGS)

# Report type and agency on held-out real messages (grouped by source), calibration, history
# training vs the baseline, latency and bad input; writes benchmarks/nlu/understanding.{md,json}.
# BENCH_UNDERSTANDING_ARGS="--quick --output /tmp/x" for a toy run.
bench-understanding: install
	$(BIN)/python -m benchmarks.nlu.understanding $(BENCH_UNDERSTANDING_ARGS)

# Dashboard and agency inbox over 1M reports in a throwaway PostgreSQL database, through uvicorn;
# writes benchmarks/console/results.{md,json}. SW_BENCH_REPORTS / SW_BENCH_REQUESTS to resize,
# SW_BENCH_OUT=dir to write the results elsewhere.
bench-console: install
	$(BIN)/python -m benchmarks.console.bench_console

# Inbound Telegram webhook on PostgreSQL: full pipeline vs a one-insert ceiling app vs Rasa's REST
# channel (when `make rasa` has cached a model), same wrk load; writes benchmarks/webhook/results.*
# Needs wrk (apt-get install -y wrk). BENCH_WEBHOOK_ARGS="--seconds 30 --connections 32" to resize;
# "--load-generator auto --output /tmp/x" for a trial run that falls back to a Python client.
bench-webhook: install
	$(BIN)/python -m benchmarks.webhook.run $(BENCH_WEBHOOK_ARGS)

# `suarawarga import reports` of a generated 12,000-report city history on PostgreSQL (throwaway
# database), run twice (the second must import nothing); writes benchmarks/importer/results.*
# SW_BENCH_IMPORT_ROWS=... to resize, SW_BENCH_OUT=dir to write the results elsewhere.
bench-import: install
	$(BIN)/python -m benchmarks.importer.run
