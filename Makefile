# Phòng Dịch. `make demo` and `make test` are all a new machine needs (Python 3.11+).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PORT

.PHONY: demo test lint bench install browser clean messages fuzz

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

# The suite on every core (pytest-xdist; TEST_WORKERS=0 runs it in one process). `--dist load` hands the tests out in
# pytest-django's order, so each worker runs its transactional tests (which empty every table, the migrations' seeded
# rows with them) after the others, as one process does.
TEST_WORKERS ?= auto
test: install browser
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist load

# The deeper sweep of core/tests/test_api_fuzz.py and test_pages_fuzz.py (docs/api.md "Fuzzing"): every role of the
# demo, more examples per API operation, every odd value on every page, and the notes (input the schema forbids
# yet accepted, undocumented statuses) printed. FUZZ_EXAMPLES, FUZZ_SEED and DATABASE_URL may be set.
FUZZ_EXAMPLES ?= 25
fuzz: install
	FUZZ_ROLES=all FUZZ_NOTES=1 FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest -s -p no:logging \
		phongdich/core/tests/test_api_fuzz.py phongdich/core/tests/test_pages_fuzz.py

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
