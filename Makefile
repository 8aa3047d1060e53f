# The two commands a newcomer runs: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: run test bench lint install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[test,supply,sweep]"
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/gigawatt run

test: install
	$(BIN)/ruff check src tests benchmarks tools
	$(BIN)/python -m pytest -q

bench: install
	$(BIN)/python -m pytest benchmarks -s -q --benchmark-enable

lint: install
	$(BIN)/ruff check src tests benchmarks tools

clean:
	rm -rf $(VENV) gigawatt-out
