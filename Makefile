# Tsunagu: the README's two commands are `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DATA_DIR ?= instance
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install demo test test-integration bench lint fix serve clean

install: $(STAMP)

$(STAMP): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

## Fresh clone -> every sample dataset read, normalized, validated and converted, reports written.
demo: install
	$(BIN)/tsunagu validate datasets/ --out $(DATA_DIR)/reports
	$(BIN)/tsunagu convert datasets/ --out $(DATA_DIR)/published
	@echo "Reports: $(DATA_DIR)/reports/  Outputs: $(DATA_DIR)/published/  (make serve to browse them)"

test: install
	$(BIN)/python -m pytest -n auto -m "not ckan and not browser and not postgres" tests

## Needs CKAN_URL + CKAN_API_TOKEN(_FILE) (../shared/ckan-local/up.sh) and TSUNAGU_TEST_PG_URL.
test-integration: install
	$(BIN)/python -m pytest -m "ckan or postgres" tests

bench: install
	$(BIN)/python -m bench

lint: install
	$(BIN)/ruff check tsunagu tests bench
	$(BIN)/ruff format --check tsunagu tests bench

fix: install
	$(BIN)/ruff check --fix tsunagu tests bench
	$(BIN)/ruff format tsunagu tests bench

serve: install
	$(BIN)/tsunagu serve --host $(HOST) --port $(PORT) --data-dir $(DATA_DIR)

clean:
	rm -rf $(DATA_DIR) build dist *.egg-info .pytest_cache .ruff_cache
