# Phòng Dịch. `make demo` and `make test` are all a new machine needs (Python 3.11+).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PORT

.PHONY: demo test lint bench install browser clean messages

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

# Debian's Chromium for the browser tests (Playwright drives /usr/bin/chromium; it downloads nothing).
browser:
	@bash scripts/install-chromium.sh

demo: install
	$(BIN)/phongdich demo

test: install browser
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check phongdich bench
	$(BIN)/ruff format --check phongdich bench

bench: install
	$(BIN)/python bench/checkin_ingest.py
	# Tracing at a hundredth of the issue's province (bench/tracing.py without --scale runs the full size).
	$(BIN)/python bench/tracing.py --db both --scale 0.01 --cases 20 --batch 20
	$(BIN)/python bench/certificates.py

clean:
	rm -rf $(VENV) var
