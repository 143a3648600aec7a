# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test test-slow lint format typecheck bench migrate console clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip setuptools wheel
	@$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

## run: install, migrate the database (SQLite wgbot.db by default) and start the bot
run: $(STAMP)
	@scripts/ensure-fonts
	@$(BIN)/wgbot migrate >/dev/null
	@$(BIN)/wgbot start

## test: lint, type-check and run the whole suite (SQLite and PostgreSQL)
test: $(STAMP)
	@scripts/ensure-postgres
	@scripts/ensure-chromium
	@scripts/ensure-fonts
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/pytest -q

## test-slow: the long fuzz profiles and other heavy variants (FUZZ_EXAMPLES=N: a slice)
FUZZ_EXAMPLES ?=
test-slow: $(STAMP)
	@scripts/ensure-postgres
	$(BIN)/pytest -q -m slow --run-slow $(if $(FUZZ_EXAMPLES),--fuzz-examples=$(FUZZ_EXAMPLES))

## lint: ruff, and the import contracts in .importlinter (layers, one Slack edge)
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: $(STAMP)
	$(BIN)/mypy

## bench: measure ack latency, throughput, reminder lag and the rest (see README)
bench: $(STAMP)
	$(BIN)/python -m bench

migrate: $(STAMP)
	$(BIN)/wgbot migrate

console: $(STAMP)
	$(BIN)/wgbot migrate >/dev/null
	$(BIN)/wgbot console

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache bench/results
