# Two commands for a fresh machine (needs only Python 3.11+, make and the package registries):
#   make report   set up .venv if needed, then run the whole pipeline with `dvc repro`
#   make test     set up .venv if needed, lint (ruff), then run the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(abspath $(VENV))/bin
export PATH := $(BIN):$(PATH)

.PHONY: report test lint format setup clean-venv

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[all]' -c constraints.txt
	$(BIN)/python -m pipeline -q prepare-redaction
	touch $@

setup: $(VENV)/.installed

report: $(VENV)/.installed
	$(BIN)/dvc repro

test: lint
	$(BIN)/python -m pytest

# ruff: the lint rules and the formatting of pyproject.toml ([tool.ruff]); `make format` applies both.
lint: $(VENV)/.installed
	$(BIN)/ruff check pipeline tests notebooks
	$(BIN)/ruff format --check pipeline tests notebooks

format: $(VENV)/.installed
	$(BIN)/ruff check --fix pipeline tests notebooks
	$(BIN)/ruff format pipeline tests notebooks

clean-venv:
	rm -rf $(VENV)
