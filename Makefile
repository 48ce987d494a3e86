# The two commands a new user needs (see README):
#   make run    set up .venv, run every chapter in quick mode, build the site
#   make test   set up .venv, lint, run the tests once per Keras backend, check that every
#               chapter agrees across the backends, build and browse the site
# The Keras passes run every chapter in quick mode (tests/test_chapters.py) and record each
# run in .cache/parity/parity.json; test-parity checks those rows (bands, agreement, one row
# per backend at this commit); the site build then shows them in each page's box.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
BACKENDS := tensorflow jax torch
BACKEND ?= $(or $(KERAS_BACKEND),tensorflow)
STAMP := $(VENV)/.installed
# pytest exits 5 when a selection has no tests; that is not a failure here.
PYTEST = $(BIN)/python -m pytest
ok5 = || [ $$? -eq 5 ]
# Backend log silencing is set in one place, mlfoundations.backend.QUIET_ENV, and applied
# by mlf, the docs hooks and the test conftest.
export NO_MKDOCS_2_WARNING ?= 1

.PHONY: run test lint test-reference test-keras test-parity test-site docs serve bench parity venv assets constraints clean

venv: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found; install Python >= 3.10"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[all]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	@touch $@

assets: node_modules/.package-lock.json

node_modules/.package-lock.json: package.json package-lock.json
	@command -v npm >/dev/null || { echo "error: npm not found; install Node.js (the site serves its own KaTeX copy from npm)"; exit 2; }
	npm ci --no-audit --no-fund --loglevel=error

run: venv
	$(BIN)/mlf run all --quick --backend $(BACKEND)
	$(MAKE) --no-print-directory docs
	@echo
	@echo "Results: runs/$(BACKEND)/<chapter>/ (figures, results.json, output.txt)"
	@echo "Site:    site/index.html (make serve to browse it at http://127.0.0.1:8000/mlfoundations/)"

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test-reference: venv
	$(PYTEST) -m "not keras and not site" $(ok5)

test-keras: venv
	@for b in $(BACKENDS); do \
	  echo "=== Keras tests on $$b"; \
	  KERAS_BACKEND=$$b $(PYTEST) -m "keras" || [ $$? -eq 5 ] || exit 1; \
	done
	@echo "=== float64 Keras tests on jax (JAX_ENABLE_X64=1)"
	JAX_ENABLE_X64=1 KERAS_BACKEND=jax $(PYTEST) -m "keras and float64" $(ok5)

test-parity: venv
	$(BIN)/python -m mlfoundations.book.parity check --require $(BACKENDS)

test-site: venv assets
	KERAS_BACKEND=$(BACKEND) $(PYTEST) -m "site" $(ok5)

# Order matters: the Keras passes write the parity rows that test-parity and the site read.
test: lint test-reference test-keras test-parity test-site

# Every chapter in quick mode on every backend, by hand (what the Keras passes record in CI).
parity: venv
	$(BIN)/mlf run all --quick --backend all

docs: venv assets
	KERAS_BACKEND=$(BACKEND) $(BIN)/mkdocs build --strict

serve: venv assets
	KERAS_BACKEND=$(BACKEND) $(BIN)/mkdocs serve --dev-addr 127.0.0.1:8000 --watch chapters --watch mlfoundations

bench: venv
	$(BIN)/mlf bench --backend all

constraints: venv
	{ head -2 constraints.txt; $(BIN)/python -m pip freeze --exclude-editable | sed 's/+cpu$$//'; } > constraints.new && mv constraints.new constraints.txt

clean:
	rm -rf site .cache runs
