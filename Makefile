# Privacy Desk — `make run` starts everything locally, `make test` runs the whole suite.
# Both work on a fresh clone with only Python 3.11 and make.

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test bench lint format clean schema

$(STAMP): requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $(STAMP)

run: $(STAMP)
	$(PY) -m lib run

test: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports
	$(PY) -m pytest $(PYTEST_ARGS)

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
