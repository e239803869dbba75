# outdial: `make run` starts the service, `make test` checks everything. Both bootstrap .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.stamp-run
DEV_STAMP := $(VENV)/.stamp-dev
export OUTDIAL_DATABASE_URL ?= sqlite:///./var/outdial.db

.PHONY: run test lint typecheck pytest pytest-sqlite pytest-postgresql bench fmt clean

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
	mkdir -p var
	$(BIN)/outdial db upgrade
	$(BIN)/outdial apps bootstrap
	$(BIN)/outdial serve

lint: $(DEV_STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports

typecheck: $(DEV_STAMP)
	$(BIN)/mypy

# two processes per run (one per core); each gets its own database
PYTEST_ARGS ?= -n 2

pytest-sqlite: $(DEV_STAMP)
	OUTDIAL_TEST_BACKEND=sqlite $(BIN)/pytest $(PYTEST_ARGS)

pytest-postgresql: $(DEV_STAMP)
	OUTDIAL_TEST_BACKEND=postgresql $(BIN)/pytest $(PYTEST_ARGS)

pytest: pytest-sqlite pytest-postgresql

test: lint typecheck pytest

bench: $(DEV_STAMP)
	$(BIN)/python -m bench

fmt: $(DEV_STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

clean:
	rm -rf $(VENV) var .mypy_cache .pytest_cache .ruff_cache
