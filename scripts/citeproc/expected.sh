#!/usr/bin/env bash
# `make citeproc-expected`: renders the citation corpus (scripts/citeproc/corpus.py) with citeproc-js,
# the CSL reference processor, into tests/data/citeproc/expected.json, which tests/test_citeproc_reference.py
# compares archiver's citations with. Run by hand when the corpus, the CSL files (csl/) or the mapping of
# records to CSL items change; never at test time, and `make setup` does not need Node for it.
# citeproc-js is installed from the npm registry into vendor/citeproc-js, pinned by package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/../.."
target=vendor/citeproc-js
if [ ! -f "$target/node_modules/citeproc/package.json" ] || ! cmp -s scripts/citeproc/package-lock.json "$target/package-lock.json"; then
    echo "citeproc-expected: installing citeproc (pinned by scripts/citeproc/package-lock.json) from the npm registry"
    rm -rf "$target.tmp"
    mkdir -p "$target.tmp"
    cp scripts/citeproc/package.json scripts/citeproc/package-lock.json "$target.tmp/"
    (cd "$target.tmp" && npm ci --silent --no-audit --no-fund --ignore-scripts >/dev/null)
    rm -rf "$target"
    mv "$target.tmp" "$target"
fi
mkdir -p tests/data/citeproc
corpus=$(mktemp)
trap 'rm -f "$corpus"' EXIT
.venv/bin/python scripts/citeproc/corpus.py > "$corpus"
NODE_PATH="$target/node_modules" node scripts/citeproc/render.js csl < "$corpus" > tests/data/citeproc/expected.json.tmp
mv tests/data/citeproc/expected.json.tmp tests/data/citeproc/expected.json
echo "citeproc-expected: wrote tests/data/citeproc/expected.json"
