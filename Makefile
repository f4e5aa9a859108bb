# tickcast — every target creates .venv if missing and installs what it needs.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip

.PHONY: demo test lint bench notebooks install install-dev clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(PIP) install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(PIP) install --quiet -e ".[dev,notebooks]"
	touch $@ $(VENV)/.installed-run

install: $(VENV)/.installed-run
install-dev: $(VENV)/.installed-dev

demo: $(VENV)/.installed-run
	$(BIN)/tickcast demo

test: lint
	$(BIN)/python -m pytest -n 2 --dist loadfile -q

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests benchmarks tools
	$(BIN)/ruff format --check src tests benchmarks tools
	$(BIN)/mypy

bench: $(VENV)/.installed-dev
	$(PIP) install --quiet -e ".[bench]"
	for f in benchmarks/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

notebooks: $(VENV)/.installed-dev
	TICKCAST_NOTEBOOK_MODE=full $(BIN)/python tools/run_notebooks.py notebooks/

clean:
	rm -rf $(VENV) demo-report .pytest_cache .ruff_cache .hypothesis
