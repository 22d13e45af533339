# The two set-up commands: `make pdf` builds every content/*.md into dist/, `make test` runs
# the suite. Both create .venv/ and install the project into it first.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: pdf html check test lint golden bench clean fonts

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	$(BIN)/python -m factsheet.locale
	touch $(STAMP)

# The Noto fonts (Debian fonts-noto-core, fonts-noto-cjk) copied into templates/fonts/noto/,
# and the print profile's CMYK ICC profile (Debian libgs-common) into templates/press/, once;
# while a package is missing, every make tries again (and says which is missing).
NOTO := templates/fonts/noto/.installed

$(NOTO): $(STAMP)
	-$(BIN)/python -m factsheet.fonts templates && $(BIN)/python -m factsheet.press templates && touch $@

fonts: $(NOTO)

pdf: fonts
	$(BIN)/python build.py pdf

html: fonts
	$(BIN)/python build.py html

check: fonts
	$(BIN)/python build.py check

# On every core (pytest-xdist): the suite is long enough to want it.
test: fonts
	$(BIN)/python -m pytest -n auto

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check factsheet tests build.py bench
	$(BIN)/mypy

golden: $(STAMP)
	FACTSHEET_UPDATE_GOLDEN=1 $(BIN)/python -m pytest -p no:xdist tests/test_golden.py

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf dist .pytest_cache .hypothesis tests/.failures build *.egg-info bench/.work
