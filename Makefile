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

.PHONY: demo test serve data bench lint chromium postgis pdf-libs install install-dev clean

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

# plotly.js for the charts: the small cartesian bundle (npm, MIT, the version of the plotly package's
# own bundle), fetched once and checked; it is not committed (a 1.5 MB vendored file).
PLOTLY_VERSION := 4.1.1
PLOTLY_BUNDLE := dashboard/static/plotly-cartesian-$(PLOTLY_VERSION).min.js
PLOTLY_SHA256 := 79542150855a52c567260e3137095dbe2b744e6d702a5cabe67da246942fba7a

$(PLOTLY_BUNDLE):
	@echo "Fetching plotly.js $(PLOTLY_VERSION) (cartesian bundle, npm registry) for the dashboard's charts…"
	@tmp=$$(mktemp -d) && cd "$$tmp" && \
	  npm pack --silent plotly.js-cartesian-dist-min@$(PLOTLY_VERSION) >/dev/null && \
	  tar -xzf plotly.js-cartesian-dist-min-$(PLOTLY_VERSION).tgz package/plotly-cartesian.min.js && \
	  echo "$(PLOTLY_SHA256)  package/plotly-cartesian.min.js" | sha256sum -c --quiet && \
	  mkdir -p "$(CURDIR)/dashboard/static" && mv package/plotly-cartesian.min.js "$(CURDIR)/$@"; \
	  rc=$$?; rm -rf "$$tmp"; exit $$rc

install: $(VENV)/.installed $(PLOTLY_BUNDLE)
install-dev: $(VENV)/.installed-dev $(PLOTLY_BUNDLE)

chromium:
	@command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || { \
	  echo "Installing Debian's Chromium for the browser tests…"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends chromium >/dev/null; }

# WeasyPrint (the PDF reports) lays text out with Debian's Pango and needs a font.
pdf-libs:
	@ldconfig -p | grep -q libpangoft2-1.0 && fc-list 2>/dev/null | grep -qi dejavu || { \
	  echo "Installing Pango and DejaVu fonts for the PDF reports…"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends \
	    libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core fontconfig >/dev/null; }

data: install
	$(PY) -m pipelines build --territory all $(OFFLINE) $(if $(MIRROR),--mirror $(MIRROR),)

serve: install pdf-libs
	@echo "Cartopolis : http://$(HOST):$(PORT)"
	$(VENV)/bin/gunicorn -c gunicorn.conf.py --bind $(HOST):$(PORT) dashboard.app:server

# PostgreSQL + PostGIS from Debian for the PostGIS store tests and bench (the tests start their own
# temporary cluster on 127.0.0.1; Debian's own cluster is never started here).
postgis:
	@{ ls /usr/lib/postgresql/*/bin/initdb && ls /usr/share/postgresql/*/extension/postgis.control; } >/dev/null 2>&1 || { \
	  echo "Installing Debian's PostgreSQL and PostGIS for the store tests…"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends postgresql >/dev/null && \
	  major=$$(ls /usr/lib/postgresql | sort -n | tail -1) && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends \
	    postgresql-$$major-postgis-3 >/dev/null; }

test: install-dev chromium postgis pdf-libs
	$(PY) -m pytest

bench: install-dev postgis
	@for script in bench/bench_*.py; do [ -e "$$script" ] || continue; echo "== $$script"; $(PY) "$$script" || exit 1; done

lint: install-dev
	$(VENV)/bin/ruff check pipelines dashboard tests bench
	$(VENV)/bin/ruff format --check pipelines dashboard tests bench

clean:
	rm -rf geodata/layers geodata/cache
