# Two commands: `make run` (console on the demo org) and `make test` (every test).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
PY     := $(VENV)/bin/python
PORT   ?= 8501
# Where the console listens: this machine only. HOST=0.0.0.0 exposes it to the network (README: Security).
HOST   ?= 127.0.0.1

.PHONY: run test venv dev demo bench clean

$(VENV)/.installed: requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] >= (3, 11), "Python 3.11+ is required"'
	@echo "Setting up $(VENV) with the console's Python packages (first time: a few minutes)..."
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --progress-bar on -r requirements.txt
	@echo "Installing the console itself into $(VENV) (editable), so core imports from any directory..."
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	@echo "Installing the test tools into $(VENV)..."
	$(PY) -m pip install --progress-bar on -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed
dev: $(VENV)/.installed-dev

## Start the demo org (if it is not running) and the console on http://localhost:$(PORT) (PORT=8600 make run).
run: venv
	@case "$(HOST)" in 127.*|localhost|::1) ;; *) echo "Serving on $(HOST): anyone who can reach it may use the console. Set roles first (README: Security).";; esac
	@echo "Starting the demo org (a local Salesforce org; first start takes a few seconds)..."
	$(PY) -m core demo start
	@echo "Console: open http://localhost:$(PORT) in your browser. Ctrl-C stops it (the demo org keeps running;"
	@echo "         '$(PY) -m core demo stop' stops it)."
	$(PY) -m streamlit run app.py --server.address $(HOST) --server.port $(PORT) --server.headless true

## Set up and run every test: lint (ruff), the rooms' import contracts, unit, org (localorg over HTTPS),
## app (AppTest), browser (Chromium).
test: dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache
	$(PY) -m pytest -n 2 --dist loadfile $(PYTEST_ARGS)

bench: dev
	$(PY) bench/localorg_bench.py
	$(PY) bench/diff_bench.py
	$(PY) bench/snapshot_bench.py
	$(PY) bench/logs_bench.py
	$(PY) bench/apply_bench.py
	$(PY) bench/preview_bench.py

clean:
	rm -rf $(VENV) .pytest_cache .console-data *.egg-info
