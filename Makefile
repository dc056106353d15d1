# Phòng Dịch. `make demo` and `make test` are all a new machine needs (Python 3.11+).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PORT

.PHONY: demo test lint bench install browser clean messages fuzz clock-sweep

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

# The non-browser tests at the hours when a day changes (docs/testing.md "Running the tests at a given hour"): one
# run per moment, Vietnam time, a failure of any run fails the target after all have run. Not part of `make test`.
# A moment "a/b" runs each test's fixtures at a and its body at b (PHONGDICH_TEST_CLOCK_CALL): midnight inside every
# test, e.g. CLOCK_MOMENTS=23:59:59/00:00:01 (not a default yet: docs/testing.md says which tests still fail there).
CLOCK_MOMENTS ?= 23:30 00:30 01:30 06:59 12:00 23:59:59
CLOCK_TESTS ?= phongdich
clock-sweep: install
	@failed=""; for moment in $(CLOCK_MOMENTS); do \
		clock=$${moment%%/*}; call=$${moment#"$$clock"}; call=$${call#/}; \
		echo "== PHONGDICH_TEST_CLOCK=$$clock$${call:+ PHONGDICH_TEST_CLOCK_CALL=$$call}"; \
		PHONGDICH_TEST_CLOCK=$$clock PHONGDICH_TEST_CLOCK_CALL=$$call \
			$(BIN)/python -m pytest -m "not browser and not slow" $(CLOCK_TESTS) || failed="$$failed $$moment"; \
	done; if [ -n "$$failed" ]; then echo "failed at:$$failed"; exit 1; fi

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
