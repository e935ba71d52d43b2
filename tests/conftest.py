"""Shared test fixtures: paths, sample records, golden-file comparison with an explicit update switch."""

from __future__ import annotations

import difflib
import json
import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples" / "records"
CASES = Path(__file__).resolve().parent / "cases"

# Reproducible outputs in every test: no date from the clock.
os.environ.setdefault("SOURCE_DATE_EPOCH", "1700000000")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite golden files from the current output (review `git diff tests/` after)")


@pytest.fixture
def golden(request: pytest.FixtureRequest):
    """golden(path, text): compare text with the golden file, or rewrite it under --update-golden."""
    update = request.config.getoption("--update-golden")

    def check(path: Path, actual: str) -> None:
        if update:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(actual, encoding="utf-8")
            return
        if not path.exists():
            pytest.fail(f"golden file {path} is missing; create it with `make golden` and review it")
        expected = path.read_text(encoding="utf-8")
        if actual != expected:
            diff = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True),
                                                str(path), "actual"))
            pytest.fail(f"output differs from golden file {path} (run `make golden` if intended):\n{diff}")

    return check


@pytest.fixture(scope="session")
def sample_paths() -> list[Path]:
    return sorted(SAMPLES.glob("*.json"))


@pytest.fixture(scope="session")
def sample_data(sample_paths) -> dict[str, dict]:
    return {path.stem: json.loads(path.read_text(encoding="utf-8")) for path in sample_paths}


@pytest.fixture(scope="session")
def converted(tmp_path_factory) -> Path:
    """OUT/ as `archiver convert` writes it for the three samples, every format."""
    from click.testing import CliRunner
    from archiver.cli import main
    # The default brand plus a (test) Crossref depositor, so that every format is written.
    brand = tmp_path_factory.mktemp("brand") / "default"
    shutil.copytree(ROOT / "styles" / "default", brand)
    data = json.loads((brand / "style.json").read_text(encoding="utf-8"))
    data["crossref"] = {"depositor": "Archiver Test Depositor", "email": "deposits@example.org"}
    (brand / "style.json").write_text(json.dumps(data), encoding="utf-8")
    out = tmp_path_factory.mktemp("converted") / "out"
    result = CliRunner().invoke(main, ["convert", *map(str, sorted(SAMPLES.glob("*.json"))), "-o", str(out),
                                       "--style", str(brand)])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture
def out_copy(converted, tmp_path) -> Path:
    """A private copy of the converted outputs, free to be changed by one test."""
    target = tmp_path / "out"
    shutil.copytree(converted, target)
    return target


@pytest.fixture(scope="session")
def crossref_schema():
    """Crossref's own 5.5.0 deposit XSD (XSD 1.1, from the commonmeta-py wheel that `make setup`
    extracts): built once per session (about 8 s); lxml cannot load it, xmlschema can."""
    import xmlschema

    folder = ROOT / "vendor" / "commonmeta-py-0.312" / "crossref"
    if not (folder / "crossref5.5.0.xsd").is_file():
        pytest.fail(f"{folder / 'crossref5.5.0.xsd'} is missing: run scripts/setup.sh")
    mathml = folder / "standard-modules" / "mathml3" / "mathml3.xsd"
    return xmlschema.XMLSchema11(str(folder / "crossref5.5.0.xsd"), allow="local",
                                 locations=[("http://www.w3.org/1998/Math/MathML", str(mathml))])
