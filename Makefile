# lms-conformance: `make run` (suite on the embedded simulator + HTML report), `make test` (project tests).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY_STAMP := $(VENV)/.installed
NPM_STAMP := node_modules/.installed
REPORT_DIR ?= reports

.PHONY: setup browser run test lint typecheck bench clean

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
test: setup browser lint typecheck
	$(BIN)/python -m pytest tests -q -p no:cacheprovider -n 2 --dist loadfile -m "not timing"
	$(BIN)/python -m pytest tests -q -p no:cacheprovider -m timing

# Debian's headless Chromium for the report's browser test (tests/test_report_browser.py), installed where the
# machine allows (root with apt-get); elsewhere that test skips and says why. Never fails the build.
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	{ [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  { apt-get install -y --no-install-recommends chromium >/dev/null 2>&1 || \
	    { apt-get update >/dev/null 2>&1 && apt-get install -y --no-install-recommends chromium >/dev/null 2>&1; }; }; } || \
	echo "make: chromium could not be installed; tests/test_report_browser.py will skip"

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
