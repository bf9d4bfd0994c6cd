# lms-conformance: `make run` (suite on the embedded simulator + HTML report), `make test` (project tests).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY_STAMP := $(VENV)/.installed
NPM_STAMP := node_modules/.installed
REPORT_DIR ?= reports

.PHONY: setup run test lint typecheck bench clean

setup: $(PY_STAMP) $(NPM_STAMP)

$(PY_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The run's exit code wins (0/1/2/3); the report is built whenever there are results to show.
run: setup
	$(BIN)/lmsconf run --report-dir $(REPORT_DIR); status=$$?; \
	$(BIN)/lmsconf report --report-dir $(REPORT_DIR); report=$$?; \
	if [ $$status -ne 0 ]; then exit $$status; fi; exit $$report

# Two workers, each test file on one of them; then the tests that measure time or rate against a bound, alone.
test: setup lint typecheck
	$(BIN)/python -m pytest tests -q -p no:cacheprovider -n 2 --dist loadfile -m "not timing"
	$(BIN)/python -m pytest tests -q -p no:cacheprovider -m timing

lint: $(PY_STAMP)
	$(BIN)/ruff check conformance tests $(wildcard benchmarks)

typecheck: $(PY_STAMP)
	$(BIN)/mypy

bench: setup
	$(BIN)/python -m benchmarks
	$(BIN)/python -m benchmarks.memory
	$(BIN)/python -m benchmarks.fuzz

clean:
	rm -rf $(REPORT_DIR)/* .pytest_cache .mypy_cache .ruff_cache
