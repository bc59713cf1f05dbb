# Tsunagu: the README's two commands are `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DATA_DIR ?= instance
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install demo test test-integration bench bench-peers lint fix serve clean

install: $(STAMP)

$(STAMP): setup.cfg pyproject.toml package.json package-lock.json
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	npm ci --no-audit --no-fund --loglevel=error
	$(BIN)/python tools/vendor_assets.py
	touch $(STAMP)

## Fresh clone -> every sample dataset read, normalized, validated, converted and published to
## the embedded catalogue (exit 1 = some dataset blocked, as the documented sample is), the
## EBPM indicators published as a dataset of their own, then served.
demo: install
	$(BIN)/tsunagu --data-dir $(DATA_DIR) publish datasets/; test $$? -le 1
	$(BIN)/tsunagu --data-dir $(DATA_DIR) report --publish
	$(BIN)/tsunagu --data-dir $(DATA_DIR) serve --host $(HOST) --port $(PORT)

test: install
	$(BIN)/python -m pytest -n auto -m "not ckan and not postgres and not contract and not packaging" tests

## The schemathesis contract run (marker contract) needs nothing outside.
## Needs CKAN_URL + CKAN_API_TOKEN(_FILE) (../shared/ckan-local/up.sh) and TSUNAGU_TEST_PG_URL.
test-integration: install
	$(BIN)/python -m pytest -m "ckan or postgres or contract or packaging" tests

bench: install
	$(BIN)/python -m bench

## Ours against pygeoapi, Datasette and the real CKAN of ../shared/ckan-local, side by side on
## the same data (never part of `make test`). The peers are pip-installed into build/peers/.
bench-peers: install
	$(BIN)/python -m bench.peers

lint: install
	$(BIN)/ruff check tsunagu tests bench
	$(BIN)/ruff format --check tsunagu tests bench
	$(BIN)/mypy tsunagu

fix: install
	$(BIN)/ruff check --fix tsunagu tests bench
	$(BIN)/ruff format tsunagu tests bench

serve: install
	$(BIN)/tsunagu --data-dir $(DATA_DIR) serve --host $(HOST) --port $(PORT)

clean:
	rm -rf $(DATA_DIR) build dist *.egg-info .pytest_cache .ruff_cache
