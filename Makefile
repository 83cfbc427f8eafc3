# Refund Desk. Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
HOST   ?= 127.0.0.1
PORT   ?= 8000
SUDO   := $(shell [ "$$(id -u)" = "0" ] || echo sudo)
CHROMIUM := /usr/bin/chromium

.PHONY: demo test install chromium lint typecheck pytest serve worker bench messages clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Browser tests drive Debian's Chromium; install it when it is missing.
chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
		echo "Installing Debian's chromium for browser tests ..."; \
		$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	fi

# The desk, the Allegro emulator and the worker together; EMULATOR_ARGS go to the emulator
# (e.g. make demo EMULATOR_ARGS="--faults 5xx=0.05,429=0.1 --speed 600").
EMULATOR_ARGS ?=
demo: install
	$(BIN)/refund-desk migrate --noinput
	@echo ""
	@echo "  Refund Desk will run at http://$(HOST):$(PORT)/"
	@echo "  Log in as demo / refund-desk-demo  (also: agent, supervisor, auditor with the same password)"
	@echo ""
	HTTPS=false $(BIN)/refund-desk demo --live --host $(HOST) --port $(PORT) --emulator-args "$(EMULATOR_ARGS)"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

pytest: install chromium
	$(BIN)/pytest

test: lint typecheck pytest

serve: install
	HTTPS=false $(BIN)/refund-desk serve --host $(HOST) --port $(PORT)

worker: install
	$(BIN)/refund-desk run_huey

bench: install
	$(BIN)/python benchmarks/import_returns.py
	$(BIN)/python benchmarks/queue_page.py

messages: install
	cd src/refund_desk && ../../$(BIN)/refund-desk makemessages -l pl --ignore 'tests/*' && ../../$(BIN)/refund-desk compilemessages

clean:
	rm -rf $(VENV) var/test .pytest_cache .mypy_cache .ruff_cache
