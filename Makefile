# Two commands for a fresh clone (see README): `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# Build products both commands need: compiled message catalogues (else every language shows English) and
# the vendored scorm-again runtime (else imported SCORM packages cannot play). Not committed; see setup.py.
CATALOGS := $(patsubst %.po,%.mo,$(wildcard lti_tool/translations/*/LC_MESSAGES/*.po))
VENDORED := lti_tool/static/vendor/scorm-again/scorm2004.min.js

.PHONY: run test install install-test catalogs

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python setup.cfg setup.py pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[postgres,server]'
	touch $@

# No marker file: without npm the runtime stays missing and the next make tries again (mirco doctor reports it).
$(VENDORED): package-lock.json scripts/vendor-assets.sh | $(VENV)/.installed
	bash scripts/install-assets.sh

$(VENV)/.installed-test: $(VENV)/.installed setup.cfg package.json
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

%.mo: %.po $(VENV)/.installed
	$(BIN)/pybabel -q compile -i $< -o $@

catalogs: $(CATALOGS)
install: $(VENV)/.installed catalogs $(VENDORED)
install-test: install $(VENV)/.installed-test

run: install
	MIRCO_DEMO=1 $(BIN)/mirco run

test: install-test
	bash scripts/test.sh
