# The two commands a newcomer runs: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

# The report's browser tests drive Debian's Chromium through Playwright (never `playwright
# install`, which downloads a browser): installed once, quietly, when missing. Without apt-get
# or root the tests that need it are skipped and say why.
CHROMIUM := /usr/bin/chromium
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo -n)

.PHONY: run test bench docs lint install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[test,supply,sweep,docs]"
	touch $(STAMP)

install: $(STAMP)

$(CHROMIUM):
	@echo "Installing Debian's chromium for the browser tests (once; a few minutes)..."
	@( $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install \
	    -y -qq chromium >/dev/null 2>&1 ) \
	  || echo "note: could not install chromium: the browser tests will be skipped"

run: install
	$(BIN)/gigawatt run

test: install $(CHROMIUM)
	$(BIN)/ruff check src tests benchmarks tools
	$(BIN)/python -m pytest -q

# Writes each benchmark's figures into docs/_generated/benchmarks.md (benchmarks/conftest.py).
bench: install
	$(BIN)/python -m pytest benchmarks -q --benchmark-enable --write-docs

# The documentation site, as the tests build it (offline, warnings are errors), into ./site/.
docs: install
	$(BIN)/mkdocs build --strict --site-dir site

lint: install
	$(BIN)/ruff check src tests benchmarks tools

clean:
	rm -rf $(VENV) gigawatt-out site
