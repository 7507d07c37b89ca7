# Every target bootstraps what it needs: a fresh machine needs only Python 3.11+.
#   make run    everything on an embedded Redis (or REDIS_URL), Ctrl-C stops it
#   make demo   a synthetic jail feed against the running system
#   make test   the whole test suite on real Redis servers, a worker a core (TEST_WORKERS=0: one process)
#   make lint   ruff and mypy
#   make bench  benchmarks (ratios against a baseline measured in the same run)
#   make chaos  fault tests: processes and Redis killed mid-feed, every alert counted
#   make profile  where the notifier's batch path and ingest's requests spend their time (pyinstrument) -> bench/results/
#   make bench-instructions  the custody path's instructions an event under callgrind, beside the bare loop's
#   make bench-match  matching accuracy (beside Splink) and speed at 1M detainers -> bench/results/

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
STAMP := $(VENV)/.synced

.PHONY: run demo test test-fast lint format bench bench-instructions bench-match profile chaos clean

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# --inexact keeps uv itself (and pip) in the environment it manages.
$(STAMP): pyproject.toml uv.lock | $(BIN)/uv
	UV_PROJECT_ENVIRONMENT=$(VENV) $(BIN)/uv sync --frozen --inexact --all-groups --python $(BIN)/python
	touch $@

run: $(STAMP)
	$(BIN)/releasewatch run

demo: $(STAMP)
	$(BIN)/releasewatch demo

# A worker a core, at most four, each with a Redis server of its own; one process, in order, when REDIS_URL names
# the one server every test uses (TEST_WORKERS=0).
TEST_WORKERS ?= $(if $(REDIS_URL),0,auto)

test: $(STAMP)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --maxprocesses 4

test-fast: $(STAMP)
	$(BIN)/python -m pytest tests/unit

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP)
	$(BIN)/python -m bench

profile: $(STAMP)
	$(BIN)/python -m bench.profile_notifier
	$(BIN)/python -m bench.profile_ingest --process

bench-instructions: $(STAMP)
	$(BIN)/python -m bench.instructions

bench-match: $(STAMP)
	$(BIN)/python -m bench.match

chaos: $(STAMP)
	$(BIN)/python -m bench.chaos

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
