# Two entry points: `make run` and `make test`. Everything they need is installed here.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip

.PHONY: run test lint format bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade "pip>=25.1"

$(VENV)/.runtime: pyproject.toml | $(PY)
	$(PIP) install -q --group runtime
	touch $@

$(VENV)/.dev: pyproject.toml | $(PY)
	$(PIP) install -q --group dev
	touch $(VENV)/.runtime $@

run: $(VENV)/.runtime
	$(PY) main.py

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

test: $(VENV)/.dev lint
	sh scripts/install-system-deps.sh
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

format: $(VENV)/.dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
