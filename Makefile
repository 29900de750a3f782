# Two commands do all the set-up on a fresh machine: `make demo` and `make test`.
# Both build .venv with exactly the locked versions (requirements.lock) first.

PY      ?= python3.11
VENV    := .venv
BIN     := $(VENV)/bin
UV      := $(BIN)/uv
STAMP   := $(VENV)/.installed
# Keep numba's JIT cache inside the venv so the second run is warm (librosa uses numba).
export NUMBA_CACHE_DIR := $(abspath $(VENV))/numba-cache
export PREFECT_SERVER_ANALYTICS_ENABLED := false

.PHONY: install demo test test-fast lint format lock bench clean

install: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@command -v $(PY) >/dev/null 2>&1 || { echo "make: need $(PY) (Python 3.11) on PATH" >&2; exit 2; }
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==0.13.8"
	$(UV) pip sync --quiet --python $(BIN)/python requirements.lock
	$(UV) pip install --quiet --python $(BIN)/python --no-deps -e .
	@touch $@

demo: install
	$(BIN)/mvagent make --demo --out out

# Two workers, one test file each at a time (module fixtures such as a real Prefect server
# stay in one worker), the files with the most slow tests first (tests/conftest.py) so both
# finish together: 8.6 min for 591 tests alone on the 2 cores (2026-12-03; 13.7 min while
# another pytest shared them). 3 workers: the e2e timing checks compete for cores.
test: install
	$(BIN)/python -m pytest -q -n 2 --dist loadfile --no-loadscope-reorder

test-fast: install
	$(BIN)/python -m pytest -q -m "not slow and not service"

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .

# Re-resolve the lock after changing pyproject.toml dependencies.
lock:
	$(UV) pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements.lock -q
	$(UV) pip compile pyproject.toml --python-version 3.11 -c requirements.lock -o requirements-runtime.lock -q

bench: install
	$(BIN)/python benchmarks/demo.py

clean:
	rm -rf out .pytest_cache .ruff_cache
