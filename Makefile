# Two commands for a fresh clone (see README): `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: run test install install-test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[postgres,server]'
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed setup.cfg package.json
	$(BIN)/python -m pip install --quiet -e '.[test]'
	bash scripts/install-assets.sh
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

run: install
	MIRCO_DEMO=1 $(BIN)/mirco run

test: install-test
	bash scripts/test.sh
