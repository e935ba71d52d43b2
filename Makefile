# The two-command promise: `make demo` and `make test` each set up everything on a fresh machine.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
ARCHIVER := $(VENV)/bin/archiver
OUT ?= out
# Reproducible outputs: dates not in the record come from here, never from the clock.
export SOURCE_DATE_EPOCH ?= 1700000000

# Sample records that have no source to ingest (samples/README.md); CO23081 comes from its saved page.
INVENTED_SAMPLES := samples/records/CO24017.json samples/records/CO24102.json

.PHONY: setup demo test golden clean package build bench
.PHONY: fuzz citeproc-expected

setup:
	@bash scripts/setup.sh

demo: setup
	$(ARCHIVER) ingest samples/sources -o $(OUT)/records
	$(ARCHIVER) ingest samples/collection/pages -o $(OUT)/records --collection samples/collection/ebb.yaml
	$(ARCHIVER) validate $(OUT)/records samples/records
	$(ARCHIVER) convert $(OUT)/records $(INVENTED_SAMPLES) -o $(OUT) --style rsis
	@echo "demo: outputs are in $(OUT)/"

test: setup
	$(PY) -m pytest

# Package the output folders of `make demo` (OUT/<id>/ holding <id>.json) in every package format,
# then check their fixity. OCFL adds a version only when a record's files changed.
PKG ?= $(OUT)/packages
package: setup
	@folders=$$(for d in $(OUT)/*/; do d=$${d%/}; [ -f "$$d/$${d##*/}.json" ] && echo "$$d"; done); \
	if [ -z "$$folders" ]; then echo "package: no output folders in $(OUT)/ (run make demo first)" >&2; exit 2; fi; \
	set -e; \
	$(ARCHIVER) package $$folders --to saf -o $(PKG); \
	$(ARCHIVER) package $$folders --to bagit -o $(PKG)/bagit; \
	$(ARCHIVER) package $$folders --to mets -o $(PKG)/mets; \
	$(ARCHIVER) package $$folders --to ocfl -o $(PKG)/ocfl; \
	$(ARCHIVER) verify $(PKG)/saf $(PKG)/saf.zip $(PKG)/bagit/* $(PKG)/mets/* $(PKG)/ocfl

# Regenerate golden files from the current code; review `git diff tests/` before committing.
golden: setup
	$(PY) -m pytest --update-golden

# Every source in SOURCES to OUT, in parallel and incrementally; CI shards with SHARD=K/N.
SOURCES ?= samples/records
JOBS ?=
SHARD ?=
build: setup
	$(ARCHIVER) build $(SOURCES) -o $(OUT) $(if $(JOBS),--jobs $(JOBS)) $(if $(SHARD),--shard $(SHARD))

# Every speed target, measured (never asserted in tests): start-up and validation, page ingest, the
# JATS, EPUB and PDF/A writers per commentary, then 1,000 generated commentaries to every format, a
# no-change rerun, and pandoc on 20 of them.
bench: setup
	$(PY) bench/bench_start.py
	$(PY) bench/bench_record.py
	$(PY) bench/bench_ingest.py
	$(PY) bench/bench_jats.py
	$(PY) bench/bench_epub.py
	$(PY) bench/bench_pdf.py --style rsis
	$(PY) bench/bench_build.py
	$(PY) bench/bench_hostile.py
	$(PY) bench/bench_dask.py
	$(PY) bench/bench_scale.py
	$(PY) bench/bench_scale.py --sizes 100000
	$(PY) bench/bench_scale.py --formats all --sizes 1000,10000
	$(PY) bench/bench_scale.py --formats all --sizes 1000 --check

clean:
	rm -rf $(OUT) build .pytest_cache .hypothesis

# The fuzz suite with a larger budget than `make test` gives it (tests/test_fuzz.py): hostile sources of
# every kind, asserting no exit 1, bounded time and memory, nothing outside OUT, no partial output.
FUZZ_EXAMPLES ?= 300
fuzz: setup
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) FUZZ_RANDOM=1 $(PY) -m pytest tests/test_fuzz.py -q

# The citations citeproc-js (the CSL reference processor) gives for the corpus of scripts/citeproc/corpus.py,
# stored in tests/data/citeproc/expected.json for tests/test_citeproc_reference.py; needs Node and npm.
# Run after changing the corpus, csl/ or the record -> CSL mapping; review `git diff tests/data/citeproc`.
citeproc-expected: setup
	@bash scripts/citeproc/expected.sh
