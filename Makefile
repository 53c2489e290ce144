# The commands people type. `make run` and `make test` set everything up first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Wheels this machine built (llama.cpp compiles from source): kept outside the checkout, reused by
# every later install, as pip keeps its own cache.
WHEELS ?= $(HOME)/.cache/handoff/wheels
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install system-deps system-deps-run run test test-fast lint typecheck eval bench demo clean lock

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	# CPU PyTorch first, so nothing later resolves a CUDA build.
	$(BIN)/python -m pip install -q torch==2.13.0
	scripts/build-wheels $(BIN)/python $(WHEELS)
	$(BIN)/python -m pip install -q --find-links $(WHEELS) -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# System packages (ffmpeg for running; speech synthesizers, sox and Chromium for the suite).
system-deps-run:
	scripts/system-deps run

system-deps:
	scripts/system-deps test

demo: install
	$(BIN)/handoff demo --if-empty

run: system-deps-run demo
	$(BIN)/handoff serve --host $(HOST) --port $(PORT)

test: system-deps install
	$(BIN)/python -m pytest

test-fast: system-deps install
	$(BIN)/python -m pytest -m "not slow and not browser"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

eval: install
	$(BIN)/handoff eval extraction
	$(BIN)/handoff eval qa
	$(BIN)/handoff eval asr

bench: install
	$(BIN)/handoff eval bench
	$(BIN)/handoff eval bench_app

lock:
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^torch' > constraints.txt.new && mv constraints.txt.new constraints.txt

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache build *.egg-info
