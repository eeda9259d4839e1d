# Two entry points: `make run` and `make test`. Both install this package (editable) into
# .venv, and install it again whenever pyproject.toml changes.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
# XDG: the user's own launcher entries and icons (no root needed).
XDG_DATA_HOME ?= $(HOME)/.local/share

.PHONY: run test lint format bench clean install-desktop uninstall-desktop

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade "pip>=25.1"

# The app with video support (PyAV): a checkout's app reads every file type the README lists.
$(VENV)/.runtime: pyproject.toml | $(PY)
	$(PIP) install -q -e '.[video]'
	touch $@

$(VENV)/.dev: pyproject.toml | $(PY)
	$(PIP) install -q -e '.[dev]'
	touch $(VENV)/.runtime $@

run: $(VENV)/.runtime
	$(VENV)/bin/photosearch

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

test: $(VENV)/.dev lint
	sh scripts/install-system-deps.sh
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

format: $(VENV)/.dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# The app in the desktop's launcher, running this checkout's .venv.
install-desktop: $(VENV)/.runtime
	install -Dm644 resources/photosearch.svg \
		$(XDG_DATA_HOME)/icons/hicolor/scalable/apps/photosearch.svg
	mkdir -p $(XDG_DATA_HOME)/applications
	sed 's|^Exec=photosearch-gui|Exec=$(abspath $(VENV))/bin/photosearch-gui|' \
		resources/photosearch.desktop > $(XDG_DATA_HOME)/applications/photosearch.desktop
	command -v update-desktop-database >/dev/null && update-desktop-database -q $(XDG_DATA_HOME)/applications || true

uninstall-desktop:
	rm -f $(XDG_DATA_HOME)/applications/photosearch.desktop \
		$(XDG_DATA_HOME)/icons/hicolor/scalable/apps/photosearch.svg

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache build *.egg-info
