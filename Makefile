# Privacy Desk — `make run` starts everything locally, `make test` runs the whole suite.
# Both work on a fresh clone with only Python 3.11 and make.

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
OIDC := tests/e2e/oidc
OIDC_INSTALLED := $(OIDC)/node_modules/.package-lock.json

.PHONY: run test bench lint format clean schema i18n-extract i18n-update i18n-compile i18n-init

$(STAMP): requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $(STAMP)

run: $(STAMP) i18n-compile
	$(PY) -m lib run

test: $(STAMP) i18n-compile $(OIDC_INSTALLED)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports
	$(PY) -m mypy
	$(PY) -m pytest $(PYTEST_ARGS)

# The OpenID Connect provider the sign-in browser tests start (tests/e2e/oidc, npm oidc-provider,
# pinned by its lockfile); installed again only when the lockfile changes. Without npm the sign-in
# browser tests are skipped with that reason; with CI=true npm is required.
$(OIDC_INSTALLED): $(OIDC)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix $(OIDC) --no-audit --no-fund --loglevel=error && touch $@; \
	elif [ "$$CI" = "true" ]; then \
		echo "error: npm is required in CI for the sign-in browser tests ($(OIDC))" >&2; exit 1; \
	else \
		echo "npm not found: the sign-in browser tests (tests/e2e/test_sign_in_*.py) will be skipped"; \
	fi

# The benchmark suite (docs/BENCHMARKS.md); e.g. make bench BENCH_ARGS="--requests 10000".
bench: $(STAMP)
	$(PY) -m lib bench $(BENCH_ARGS)

# Refresh the vendored Shopify Admin GraphQL schema (lib/store/schema/SOURCE.md). Needs npm;
# `make test` does not. A new package version also needs its line in SOURCE.md changed by hand.
SCHEMA_PACKAGE := @shopify/dev-mcp@1.16.0
SCHEMA_FILE := admin_2026-10.json.gz
schema:
	@command -v npm >/dev/null || { echo "make schema needs npm"; exit 1; }
	tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	(cd "$$tmp" && npm pack --silent $(SCHEMA_PACKAGE) >/dev/null && \
	 tar xzf *.tgz package/dist/data/$(SCHEMA_FILE)) && \
	cp "$$tmp/package/dist/data/$(SCHEMA_FILE)" lib/store/schema/$(SCHEMA_FILE) && \
	sum=$$(sha256sum lib/store/schema/$(SCHEMA_FILE) | cut -d' ' -f1) && \
	sed -i -e "s/^| sha256 | .*/| sha256 | $$sum |/" \
	       -e "s/^| fetched | .*/| fetched | $$(date -u +%F) |/" lib/store/schema/SOURCE.md

lint: $(STAMP)
	$(PY) -m ruff check .

format: $(STAMP)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

# Customer-facing translations (docs/LANGUAGES.md): lib/locale/<lang>/LC_MESSAGES/messages.po.
LOCALES := lib/locale
BABEL := $(VENV)/bin/pybabel

i18n-extract: $(STAMP)
	$(BABEL) extract -F babel.cfg -o $(LOCALES)/messages.pot --no-location --sort-output \
		--project "Privacy Desk" -c "Translators:" .

i18n-update: i18n-extract
	$(BABEL) update -i $(LOCALES)/messages.pot -d $(LOCALES) --ignore-obsolete

i18n-compile: $(STAMP)
	$(BABEL) compile -d $(LOCALES) --statistics

# A new language: make i18n-init LANG=ar, then translate lib/locale/ar/LC_MESSAGES/messages.po.
i18n-init: i18n-extract
	$(BABEL) init -i $(LOCALES)/messages.pot -d $(LOCALES) -l $(LANG)
