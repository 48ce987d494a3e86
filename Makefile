# The two commands a new user needs (see README):
#   make run    set up .venv, run every chapter in quick mode, build the site
#   make test   set up .venv, lint, run the tests once per Keras backend, build and browse the site
SHELL := /bin/bash
PYTHON ?= python3
BACKENDS := tensorflow jax torch
BACKEND ?= $(or $(KERAS_BACKEND),tensorflow)

# CPU or GPU builds of the backends. DEVICE=auto (the default) takes the GPU builds when
# `nvidia-smi -L` lists a GPU; DEVICE=cpu or DEVICE=gpu overrides. The CPU set is one
# virtualenv (.venv) with all three backends; the GPU set is one virtualenv per backend
# (.venv-gpu-<backend>), as Keras advises: the backends' CUDA wheels differ (TensorFlow and
# JAX take CUDA 12, PyTorch's PyPI wheel CUDA 13), and a process that imports two of them on
# one GPU lets JAX preallocate most of the memory the other backend needs.
DEVICE ?= auto
GPU_COUNT := $(shell nvidia-smi -L 2>/dev/null | grep -c '^GPU ')
ifeq ($(DEVICE),auto)
  DEVICE_USED := $(if $(filter-out 0,$(GPU_COUNT)),gpu,cpu)
  DEVICE_WHY := $(if $(filter-out 0,$(GPU_COUNT)),nvidia-smi lists $(GPU_COUNT) GPU(s),no GPU listed by nvidia-smi)
else ifneq ($(filter $(DEVICE),cpu gpu),)
  DEVICE_USED := $(DEVICE)
  DEVICE_WHY := DEVICE=$(DEVICE)
else
  $(error DEVICE must be auto, cpu or gpu; got '$(DEVICE)')
endif
ifeq ($(DEVICE_USED),gpu)
  venv_of = .venv-gpu-$(1)
  STAMPS := $(foreach b,$(BACKENDS),.venv-gpu-$(b)/.installed)
  # float32 tolerances in the tests assume IEEE float32 matmuls: TF32 (Ampere and later)
  # keeps 10 mantissa bits, about 1e-3 relative. Turn it off for every backend.
  export NVIDIA_TF32_OVERRIDE ?= 0
else
  venv_of = .venv
  STAMPS := .venv/.installed
endif
VENV := $(call venv_of,$(BACKEND))
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
ifeq ($(filter venv-plan constraints constraints-gpu,$(MAKECMDGOALS)),)
  $(info Device: $(DEVICE_USED) ($(DEVICE_WHY)); virtualenv for $(BACKEND): $(VENV))
endif
# pytest exits 5 when a selection has no tests; that is not a failure here.
PYTEST = $(BIN)/python -m pytest
ok5 = || [ $$? -eq 5 ]
# Backend log silencing is set in one place, mlfoundations.backend.QUIET_ENV, and applied
# by mlf, the docs hooks and the test conftest.
export NO_MKDOCS_2_WARNING ?= 1

comma := ,
, := $(comma)

.PHONY: venv-plan constraints-gpu run test lint test-reference test-keras test-site docs serve bench venv assets constraints clean

venv: $(STAMPS)

define make_venv
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found; install Python >= 3.10"; exit 2; }
	$(PYTHON) -m venv $(1)
	$(1)/bin/python -m pip install --quiet --upgrade pip
	$(1)/bin/python -m pip install --quiet -c $(2) -e ".[$(3)]"
	$(1)/bin/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	@touch $(1)/.installed
endef

.venv/.installed: pyproject.toml constraints.txt
	$(call make_venv,.venv,constraints.txt,all)

.venv-gpu-%/.installed: pyproject.toml constraints-gpu.txt
	$(call make_venv,.venv-gpu-$*,constraints-gpu.txt,$*-gpu$(,)text$(,)docs$(,)dev)

# What `make venv` would install on this machine, without installing it.
venv-plan:
	@echo "Device: $(DEVICE_USED) ($(DEVICE_WHY))"
	@for b in $(BACKENDS); do \
	  if [ $(DEVICE_USED) = gpu ]; then \
	    echo "$$b: .venv-gpu-$$b <- pip install -c constraints-gpu.txt -e '.[$$b-gpu,text,docs,dev]'"; \
	  else \
	    echo "$$b: .venv <- pip install -c constraints.txt -e '.[all]'"; \
	  fi; \
	done

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

# On GPU the torch virtualenv runs these: the float64 peer tests against torch.nn need torch.
test-reference: venv
	$(call venv_of,torch)/bin/python -m pytest -m "not keras and not site" $(ok5)

test-keras: venv
	@for b in $(BACKENDS); do \
	  bin=$$([ $(DEVICE_USED) = gpu ] && echo .venv-gpu-$$b/bin || echo .venv/bin); \
	  echo "=== Keras tests on $$b ($(DEVICE_USED), $$bin)"; \
	  KERAS_BACKEND=$$b $$bin/python -m pytest -m "keras" || [ $$? -eq 5 ] || exit 1; \
	done
	@echo "=== float64 Keras tests on jax (JAX_ENABLE_X64=1)"
	JAX_ENABLE_X64=1 KERAS_BACKEND=jax $(call venv_of,jax)/bin/python -m pytest -m "keras and float64" $(ok5)

test-site: venv assets
	KERAS_BACKEND=$(BACKEND) $(PYTEST) -m "site" $(ok5)

test: lint test-reference test-keras test-site

docs: venv assets
	KERAS_BACKEND=$(BACKEND) $(BIN)/mkdocs build --strict

serve: venv assets
	KERAS_BACKEND=$(BACKEND) $(BIN)/mkdocs serve --dev-addr 127.0.0.1:8000 --watch chapters --watch mlfoundations

bench: venv
	@for b in $(BACKENDS); do \
	  bin=$$([ $(DEVICE_USED) = gpu ] && echo .venv-gpu-$$b/bin || echo .venv/bin); \
	  $$bin/mlf bench --backend $$b || exit 1; \
	done

constraints: venv
	{ head -2 constraints.txt; $(BIN)/python -m pip freeze --exclude-editable | sed 's/+cpu$$//'; } > constraints.new && mv constraints.new constraints.txt

# Resolve the GPU set with pip's dry run (downloads metadata only) and pin it.
constraints-gpu:
	$(PYTHON) tools/constraints_gpu.py

clean:
	rm -rf site .cache runs
