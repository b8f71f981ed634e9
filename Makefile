# Two commands for a fresh machine (needs only Python 3.11+, make and the package registries):
#   make report   set up .venv if needed, then run the whole pipeline with `dvc repro`
#   make test     set up .venv if needed, then run the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(abspath $(VENV))/bin
export PATH := $(BIN):$(PATH)

.PHONY: report test setup clean-venv

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[all]' -c constraints.txt
	$(BIN)/python -m pipeline -q prepare-redaction
	touch $@

setup: $(VENV)/.installed

report: $(VENV)/.installed
	$(BIN)/dvc repro

test: $(VENV)/.installed
	$(BIN)/python -m pytest

clean-venv:
	rm -rf $(VENV)
