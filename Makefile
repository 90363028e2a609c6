# Cartopolis — every target creates .venv when missing and installs what it needs.
# `make demo`  : install, build every territory (offline from the mirror when present), serve on 127.0.0.1:8050
# `make test`  : install (with test tools and Debian's Chromium), run the whole test suite

SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8050
MIRROR ?= $(or $(GEODATA_MIRROR),$(wildcard ../shared/geodata/raw))
OFFLINE := $(if $(MIRROR),--offline,)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test serve data bench lint chromium install install-dev clean

demo: data serve

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(VENV)/.installed: requirements.txt | $(PY)
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

chromium:
	@command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || { \
	  echo "Installing Debian's Chromium for the browser tests…"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends chromium >/dev/null; }

data: install
	$(PY) -m pipelines build --territory all $(OFFLINE) $(if $(MIRROR),--mirror $(MIRROR),)

serve: install
	@echo "Cartopolis : http://$(HOST):$(PORT)"
	$(VENV)/bin/gunicorn -c gunicorn.conf.py --bind $(HOST):$(PORT) dashboard.app:server

test: install-dev chromium
	$(PY) -m pytest

bench: install-dev
	@for script in bench/bench_*.py; do [ -e "$$script" ] || continue; echo "== $$script"; $(PY) "$$script" || exit 1; done

lint: install-dev
	$(VENV)/bin/ruff check pipelines dashboard tests bench
	$(VENV)/bin/ruff format --check pipelines dashboard tests bench

clean:
	rm -rf geodata/layers geodata/cache
