# Two commands set everything up on a fresh clone: `make demo` and `make test`.
# Both create .venv, install the package (not an editable copy: tests run what users install)
# with torch pinned to the CPU wheel by constraints.txt.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check
TEST_EXTRAS ?= dev,agents,metrics,web,calibrate,data,llm,train
DEMO_EXTRAS ?= agents,web

.PHONY: demo test install-test install-demo lint bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)

install-test: $(PY)
	$(PIP) install -q -c constraints.txt ".[$(TEST_EXTRAS)]"

install-demo: $(PY)
	$(PIP) install -q -c constraints.txt ".[$(DEMO_EXTRAS)]"

demo: install-demo
	$(VENV)/bin/gopo-bench demo

# `pytest` (not `python -m pytest`) keeps the source tree off sys.path: the installed package is tested.
test: install-test
	GOPO_TEST_INSTALLED=1 HF_HUB_OFFLINE=1 $(VENV)/bin/pytest -q

lint: install-test
	$(VENV)/bin/ruff check .

bench: install-test
	$(PY) benchmarks/env_throughput.py
	$(PY) benchmarks/train_throughput.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .benchmarks
