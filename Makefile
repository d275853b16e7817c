# Two commands: `make run` (console on the demo org) and `make test` (every test).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
PY     := $(VENV)/bin/python
PORT   ?= 8501

.PHONY: run test venv dev demo bench clean

$(VENV)/.installed: requirements.txt
	$(PYTHON) -c 'import sys; assert sys.version_info[:2] >= (3, 11), "Python 3.11+ is required"'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed
dev: $(VENV)/.installed-dev

## Start the demo org (if it is not running) and open the console on it.
run: venv
	$(PY) -m core demo start
	$(PY) -m streamlit run app.py --server.port $(PORT)

## Set up and run every test: lint (ruff), the rooms' import contracts, unit, org (localorg over HTTPS),
## app (AppTest), browser (Chromium).
test: dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache
	$(PY) -m pytest -n 2 --dist loadfile $(PYTEST_ARGS)

bench: dev
	$(PY) bench/localorg_bench.py
	$(PY) bench/diff_bench.py

clean:
	rm -rf $(VENV) .pytest_cache .console-data
