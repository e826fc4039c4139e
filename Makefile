# Two commands on a fresh machine: `make run` (set up, demo portfolio, cycle) and `make test`.
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install run test lint bench clean

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

run: install
	bash scripts/ensure-fonts.sh
	$(BIN)/arflow db upgrade
	$(BIN)/arflow policy check
	$(BIN)/arflow demo
	$(BIN)/arflow dispatch
	$(BIN)/arflow outbox --limit 10
	$(BIN)/arflow warnings --level red
	$(BIN)/arflow receivables --stage legal --limit 10
	$(BIN)/arflow bank lines --status proposed --limit 10

test: install
	bash scripts/ensure-postgres.sh
	bash scripts/ensure-chromium.sh
	bash scripts/ensure-fonts.sh --test
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

bench: install
	$(BIN)/python bench/cycle.py
	$(BIN)/python bench/dispatch.py

clean:
	rm -rf var .pytest_cache .ruff_cache
