# The two set-up commands: `make pdf` builds every content/*.md into dist/, `make test` runs
# the suite. Both create .venv/ and install the project into it first.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: pdf html check test lint golden bench clean fonts lock

# Every Python dependency is pinned, with its hashes, in requirements/: build.txt for building
# (and the build backend, so the project itself installs from the lock), test.txt adds the test
# and lint tools. Refresh both after a change of dependencies: `make lock`. The project itself
# installs with -qq: setuptools prints a notice on every editable install, whatever the project.
$(STAMP): pyproject.toml requirements/build.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes --no-deps -r requirements/build.txt
	$(BIN)/pip install -qq --no-deps --no-build-isolation -e .
	$(BIN)/python -m factsheet.locale
	touch $(STAMP)

# The Nu Html Checker (npm vnu-jar, run with the machine's Java) checks the web version.
VNU_VERSION := 26.9.27

$(TEST_STAMP): $(STAMP) requirements/test.txt
	$(BIN)/pip install --quiet --require-hashes --no-deps -r requirements/test.txt
	npm install --silent --no-audit --no-fund --prefix $(VENV)/npm vnu-jar@$(VNU_VERSION)
	touch $(TEST_STAMP)

PIP_COMPILE := pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links
lock:
	$(PYTHON) -m venv .lock-venv && .lock-venv/bin/pip install --quiet pip-tools
	.lock-venv/bin/$(PIP_COMPILE) --output-file requirements/build.txt \
		pyproject.toml requirements/backend.in
	.lock-venv/bin/$(PIP_COMPILE) --extra test --constraint requirements/build.txt \
		--output-file requirements/test.txt pyproject.toml requirements/backend.in
	rm -rf .lock-venv

# The Noto fonts (Debian fonts-noto-core, fonts-noto-cjk) copied into templates/fonts/noto/,
# and the print profile's CMYK ICC profile (Debian libgs-common) into templates/press/, once;
# while a package is missing, every make tries again (and says which is missing).
NOTO := templates/fonts/noto/.installed

$(NOTO): $(STAMP)
	-$(BIN)/python -m factsheet.fonts templates && $(BIN)/python -m factsheet.press templates && touch $@

fonts: $(NOTO)

# The package's bytecode, compiled again when a module changes. Where the environment sets
# PYTHONDONTWRITEBYTECODE (as container images often do), Python would otherwise compile every
# module changed since the install in every process it starts: 30-80 ms of each build.
COMPILED := $(VENV)/.compiled

$(COMPILED): $(STAMP) $(shell find factsheet -name '*.py')
	$(BIN)/python -m compileall -q factsheet
	touch $@

pdf: fonts $(COMPILED)
	$(BIN)/python build.py pdf

html: fonts $(COMPILED)
	$(BIN)/python build.py html

check: fonts $(COMPILED)
	$(BIN)/python build.py check

# On every core (pytest-xdist): the suite is long enough to want it.
test: fonts $(COMPILED) $(TEST_STAMP)
	$(BIN)/python -m pytest -n auto

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check factsheet tests build.py bench
	$(BIN)/mypy

golden: fonts $(TEST_STAMP)
	FACTSHEET_UPDATE_GOLDEN=1 $(BIN)/python -m pytest -p no:xdist tests/test_golden.py

bench: fonts $(COMPILED)
	$(BIN)/python bench/run.py

clean:
	rm -rf dist .pytest_cache .hypothesis tests/.failures build *.egg-info bench/.work bench/.work-md2pdf bench/.work-baseline
