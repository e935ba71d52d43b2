# The two-command promise: `make demo` and `make test` each set up everything on a fresh machine.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
ARCHIVER := $(VENV)/bin/archiver
OUT ?= out
# Reproducible outputs: dates not in the record come from here, never from the clock.
export SOURCE_DATE_EPOCH ?= 1700000000

.PHONY: setup demo test golden clean

setup:
	@bash scripts/setup.sh

demo: setup
	$(ARCHIVER) ingest samples/sources -o $(OUT)/records
	$(ARCHIVER) validate $(OUT)/records samples/records
	$(ARCHIVER) convert $(OUT)/records/*.json samples/records/*.json -o $(OUT)
	@echo "demo: outputs are in $(OUT)/"

test: setup
	$(PY) -m pytest

# Regenerate golden files from the current code; review `git diff tests/` before committing.
golden: setup
	$(PY) -m pytest --update-golden

clean:
	rm -rf $(OUT) build .pytest_cache .hypothesis

# Speed of the page readers (issue 3 point 8): ms per commentary, in-process.
.PHONY: bench-ingest
bench-ingest: setup
	$(PY) bench/bench_ingest.py
