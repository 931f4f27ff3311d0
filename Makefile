# Two set-up-and-go targets for a fresh machine (see README):
#   make demo   - create .venv, install, run the offline demo
#   make test   - create .venv, install (with system packages), lint, type-check, run every test
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint typecheck pytest system-deps bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# System packages the sandbox and integration tests need; installed here, never by hand.
system-deps:
	@bash scripts/system-deps.sh

demo: $(STAMP) system-deps
	rm -rf demo-workspace
	$(BIN)/ledger demo --dir demo-workspace

lint: $(STAMP)
	$(BIN)/ruff check ledger tests benchmarks scripts

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP) system-deps
	$(BIN)/python -m pytest

test: lint typecheck pytest

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
