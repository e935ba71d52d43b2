"""The DataCite writer without the `datacite` package at run time (issue 21.3): its XML is byte for byte
what the package's own serialiser (`schema45.tostring`) writes for the same DataCite JSON, and its
compiled check accepts and rejects what the package's validator does. The package stays the oracle,
imported here only."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

import strategies
from archiver.record import Links, load, validate
from archiver.writers import datacite

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted((ROOT / "samples" / "records").glob("*.json"))


def with_doi(record, doi="10.5555/test.1"):
    return dataclasses.replace(record, links=dataclasses.replace(record.links or Links(), doi=doi))


def same_as_datacites_own(record) -> None:
    from datacite import schema45

    data = datacite.to_datacite(record)
    assert schema45.validate(data) and datacite._rejection(data) is None
    assert datacite.to_xml(data) == schema45.tostring(data).encode("utf-8")


@pytest.mark.parametrize("path", SAMPLES, ids=lambda path: path.stem)
def test_the_xml_of_each_sample_is_datacites_own(path):
    same_as_datacites_own(with_doi(load(path)))


def test_the_xml_of_any_record_is_datacites_own():
    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(data=strategies.records(), doi=strategies.doi)
    def check(data, doi):
        same_as_datacites_own(with_doi(validate(data), doi))

    check()


@pytest.mark.parametrize("breakage", [
    lambda data: data.pop("creators"),
    lambda data: data["types"].update(resourceTypeGeneral="Commentary"),
    lambda data: data.update(doi="not-a-doi"),
    lambda data: data.update(publicationYear=2023),
    lambda data: data["titles"].append({"title": "x", "titleType": "Nickname"}),
])
def test_the_compiled_check_rejects_what_datacites_validator_rejects(breakage):
    from datacite import schema45

    data = datacite.to_datacite(load(ROOT / "samples" / "records" / "CO24017.json"))
    breakage(data)
    assert not schema45.validate(data)
    assert datacite._rejection(data)  # every problem, named by the thorough validator


def test_the_writer_imports_neither_the_datacite_package_nor_a_network_client():
    code = ("import sys\n"
            "from archiver.record import load\nfrom archiver.style import load_style\n"
            "from archiver.writers import RenderContext\n"
            f"RenderContext(style=load_style('default')).output(load({str(SAMPLES[1])!r}), 'datacite')\n"
            "print(sorted(m for m in ('datacite', 'requests', 'urllib3', 'idutils', 'jsonschema', 'jsonresolver')\n"
            "             if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
