# Two commands set everything up on a fresh clone: `make demo` and `make test`.
# Both create .venv and install the package in editable mode (`pip install -e`), so that the
# gopo-bench command, `python -c "import baselines"` and the tests all run the code you edit;
# torch is pinned to the CPU wheel by constraints.txt. tests/test_installed.py checks the
# installed distribution's metadata (entry point, core dependencies).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check
TEST_EXTRAS ?= dev,agents,metrics,web,calibrate,data,llm,train
# what `make demo` installs must run the README's next commands too (evaluate, submit, train):
# their metrics need [metrics] (tests/test_compatibility.py checks it)
DEMO_EXTRAS ?= agents,metrics,web

.PHONY: demo test install-test install-demo lint bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)

install-test: $(PY)
	$(PIP) install -q -c constraints.txt -e ".[$(TEST_EXTRAS)]"

install-demo: $(PY)
	$(PIP) install -q -c constraints.txt -e ".[$(DEMO_EXTRAS)]"

demo: install-demo
	$(VENV)/bin/gopo-bench demo

# The real data the data tests read: $GOPO_DATA_DIR, else ../shared/data when it is there (the
# tests skip a dataset they cannot find; .ci/run makes them fail instead).
TEST_DATA_DIR := $(or $(GOPO_DATA_DIR),$(wildcard $(abspath ../shared/data)))

# The layering contracts (import-linter, [tool.importlinter] in pyproject.toml), then the suite.
test: install-test
	$(VENV)/bin/lint-imports
	$(if $(TEST_DATA_DIR),GOPO_DATA_DIR=$(TEST_DATA_DIR)) GOPO_TEST_INSTALLED=1 HF_HUB_OFFLINE=1 $(VENV)/bin/pytest -q

lint: install-test
	$(VENV)/bin/ruff check .

bench: install-test
	$(PY) benchmarks/env_throughput.py
	$(PY) benchmarks/train_throughput.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .benchmarks
