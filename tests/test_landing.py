"""The landing page (issue 7, point 5): the article in the brand's look, with Highwire, Dublin Core and
schema.org metadata that parse back to the crosswalk's values, and links to every output."""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from archiver.citation import CSL_STYLES, cite_as, full_title, person_name
from archiver.convert import load_assets
from archiver.record import Author, Record, load
from archiver.style import load_style
from archiver.writers import FORMATS, RenderContext

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples" / "records"


@pytest.fixture(scope="module")
def records() -> dict[str, Record]:
    return {name: load(SAMPLES / f"{name}.json") for name in ("CO23081", "CO24017", "CO24102")}


def page(record: Record, brand: str = "rsis") -> bytes:
    assets, _ = load_assets(record, SAMPLES)
    return FORMATS["html"].renderer()(record, RenderContext(style=load_style(brand), assets=assets))


def parse(data: bytes):
    from lxml import html

    return html.document_fromstring(data.decode("utf-8"))


def meta(doc, name: str) -> list[str]:
    return [m.get("content") for m in doc.iter("meta") if m.get("name") == name]


@pytest.mark.parametrize("name", ["CO23081", "CO24017", "CO24102"])
def test_highwire_tags_parse_back(records, name):
    record = records[name]
    doc = parse(page(record))
    assert meta(doc, "citation_title") == [full_title(record)]
    assert meta(doc, "citation_author") == [person_name(a).inverted() for a in record.authors]
    assert meta(doc, "citation_publication_date") == [record.published.replace("-", "/")]
    assert meta(doc, "citation_technical_report_institution") == [record.publisher.name]
    assert meta(doc, "citation_technical_report_number") == [record.series.number]
    pdf = (record.links and record.links.pdf) or (FORMATS["pdf"].output_name(record) if "pdf" in FORMATS else None)
    assert meta(doc, "citation_pdf_url") == ([pdf] if pdf else [])


def test_highwire_author_institutions_follow_their_author(records):
    doc = parse(page(records["CO24017"]))
    tags = [(m.get("name"), m.get("content")) for m in doc.iter("meta")
            if m.get("name") in ("citation_author", "citation_author_institution")]
    assert tags == [
        ("citation_author", "Öztürk, Şahin"),
        ("citation_author_institution", "Centre for Non-Traditional Security Studies, S. Rajaratnam School of International Studies"),
        ("citation_author", "Nguyễn, Thị Minh"),
        ("citation_author_institution", "Institute for Mekong Studies, Hanoi"),
    ]
    assert meta(doc, "citation_pdf_url") == ["https://www.example.org/commentaries/co24017.pdf"]
    assert meta(doc, "citation_doi") == ["10.5555/co24017"]


def test_dublin_core_meta_equals_the_oai_dc_record(records):
    from lxml import etree

    from archiver.writers import dublincore

    record = records["CO24017"]
    doc = parse(page(record))
    in_page = [(m.get("name")[3:], m.get("content")) for m in doc.iter("meta") if (m.get("name") or "").startswith("DC.")]
    oai = etree.fromstring(dublincore.render(record, RenderContext(style=load_style("rsis"))))
    in_record = [(e.tag.split("}")[1], e.text) for e in oai]
    assert in_page == in_record
    assert [link.get("href") for link in doc.iter("link") if link.get("rel") == "schema.DC"] \
        == ["http://purl.org/dc/elements/1.1/"]


def test_schema_org_json_ld(records):
    record = records["CO24102"]
    doc = parse(page(record))
    [script] = [s for s in doc.iter("script") if s.get("type") == "application/ld+json"]
    data = json.loads(script.text)
    assert data["@context"] == "https://schema.org" and data["@type"] == "Report"
    assert data["reportNumber"] == "102/2024"
    assert data["isPartOf"] == {"@type": "CreativeWorkSeries", "name": "RSIS Commentary"}
    assert [(a["@type"], a["name"], a.get("familyName"), a.get("givenName")) for a in data["author"]] == [
        ("Person", "李显龙", "李", "显龙"), ("Person", "Pieter van der Berg", "van der Berg", "Pieter"),
        ("Person", "Kōji Satō", "Satō", "Kōji"), ("Organization", "Coastal Cities Working Group", None, None)]
    assert data["datePublished"] == "2024-06-12"


def test_cite_as_in_every_style(records):
    import html

    record = records["CO24017"]
    doc = parse(page(record))
    for style in CSL_STYLES:
        [element] = [e for e in doc.iter() if e.get("data-style") == style]
        assert " ".join(element.text_content().split()) == " ".join(html.unescape(cite_as(record, style)).split())


def test_links_to_every_output_and_the_figure(records):
    record = records["CO24017"]
    doc = parse(page(record))
    hrefs = {a.get("href") for a in doc.iter("a")}
    expected = {fmt.output_name(record) for fmt in FORMATS.values()
                if fmt.name != "html" and not fmt.unmet(record, load_style("rsis"))}
    assert expected <= hrefs
    assert {"CO24017.json", "images/CO24017-fig1.png", "CO24017.bib", "CO24017.ris"} <= hrefs
    assert "CO24017.crossref.xml" not in hrefs  # the rsis brand has no Crossref depositor
    [img] = list(doc.iter("img"))
    assert img.get("src") == "images/CO24017-fig1.png" and img.get("alt").startswith("Bar chart")


def test_missing_image_is_not_linked(records):
    doc = parse(page(records["CO24102"]))
    assert list(doc.iter("img")) == []
    assert "not available" in doc.text_content()


def test_body_nodes_and_notes(records):
    doc = parse(page(records["CO24017"]))
    for tag in ("section", "h2", "ol", "ul", "blockquote", "figure", "figcaption", "table", "thead", "em", "strong"):
        assert list(doc.iter(tag)), tag
    refs = [a.get("href") for a in doc.iter("a") if a.get("role") == "doc-noteref"]
    notes = {li.get("id") for li in doc.iter("li") if (li.get("id") or "").startswith("note-")}
    assert refs and {r[1:] for r in refs} <= notes
    assert [a.text for a in doc.iter("a") if a.get("role") == "doc-noteref"] == ["1", "ii"]


def test_hostile_text_is_escaped(records):
    record = dataclasses.replace(
        records["CO23081"], title='</title><script>alert(1)</script>', abstract="</script><b>x</b>",
        authors=[Author(name='"><img src=x onerror=alert(1)>')])
    data = page(record)
    doc = parse(data)
    scripts = [s for s in doc.iter("script")]
    assert [s.get("type") for s in scripts] == ["application/ld+json"]
    assert json.loads(scripts[0].text)["abstract"] == "</script><b>x</b>"
    assert list(doc.iter("img")) == [] and list(doc.iter("b")) == []
    assert doc.findtext(".//title") == '</title><script>alert(1)</script>'


def test_javascript_links_are_dropped(records):
    from archiver.record import Body, Link, Paragraph

    record = dataclasses.replace(records["CO23081"], body=Body(blocks=[Paragraph(content=[
        Link(url="javascript:alert(1)", content=["click"]), " and ", Link(url="https://example.org/", content=["ok"])])]))
    doc = parse(page(record))
    assert [a.get("href") for a in doc.iter("a") if a.text in ("click", "ok")] == ["https://example.org/"]


def test_brand_css_and_colours(records):
    rsis = page(records["CO23081"], "rsis").decode("utf-8")
    neutral = page(records["CO23081"], "default").decode("utf-8")
    assert "a { color: #7A1F2B; }" in rsis and "a { color: #2F3E4E; }" in neutral
    assert "{{" not in rsis and "{{" not in neutral
    assert '"Noto Serif"' in rsis and '"Noto Serif"' not in neutral


def test_unknown_colour_in_html_css_is_a_clear_usage_error(tmp_path):
    from click.testing import CliRunner

    from archiver.cli import main

    brand = tmp_path / "odd"
    shutil.copytree(ROOT / "styles" / "default", brand)
    (brand / "html.css").write_text("a { color: {{purple}}; }", encoding="utf-8")
    result = CliRunner().invoke(main, ["convert", str(SAMPLES / "CO23081.json"), "-o", str(tmp_path / "out"),
                                       "--to", "html", "--style", str(brand)])
    assert result.exit_code == 2, result.output
    assert "html.css names an unknown colour {{purple}}" in result.output
    assert "Traceback" not in result.output


def test_brand_without_html_css_is_a_clear_error(records, tmp_path):
    from archiver.errors import UsageError

    (tmp_path / "style.json").write_text((ROOT / "styles" / "default" / "style.json").read_text(encoding="utf-8"),
                                         encoding="utf-8")
    with pytest.raises(UsageError, match="has no html.css"):
        FORMATS["html"].renderer()(records["CO23081"], RenderContext(style=load_style(str(tmp_path))))


def test_partial_date_prints_only_what_is_known(records):
    doc = parse(page(dataclasses.replace(records["CO23081"], published="2024-06")))
    assert meta(doc, "citation_publication_date") == ["2024/06"]
    assert doc.find(".//time").text == "June 2024"


# Rendering in a real browser -----------------------------------------------------------------------

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["CO24017", "CO24102"])
def test_renders_in_headless_chromium(records, tmp_path, name):
    """Chromium loads the page offline, keeps the metadata in its DOM and paints it. The screenshots
    (tests/.artifacts is not kept; see tmp_path) were looked at when this test was written."""
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("chromium is not installed: run scripts/setup.sh")
    from archiver.cli.common import write_atomic
    from archiver.convert import convert

    record = records[name]
    assets, _ = load_assets(record, SAMPLES)
    for file_name, data in convert(record, [FORMATS["html"]], load_style("rsis"), assets)[0].items():
        write_atomic(tmp_path / file_name, data)
    url = (tmp_path / "index.html").as_uri()
    profile = ["--user-data-dir=" + str(tmp_path / "profile")]
    dom = subprocess.run([chromium, *CHROMIUM_FLAGS, *profile, "--dump-dom", url], capture_output=True,
                         timeout=120, check=True).stdout.decode("utf-8")
    rendered = parse(dom.encode("utf-8"))
    assert meta(rendered, "citation_title") == [full_title(record)]
    assert rendered.findtext(".//h1") == record.title
    shot = tmp_path / "page.png"
    subprocess.run([chromium, *CHROMIUM_FLAGS, *profile, "--window-size=1000,1600", f"--screenshot={shot}", url],
                   capture_output=True, timeout=120, check=True)
    png = shot.read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 20_000  # a blank page compresses to a few KB


# node type -> XPath that finds its rendering in the landing page
NODE_XPATHS = {
    "section": "//article//section", "paragraph": "//article//p", "list": "//article//ol | //article//ul",
    "quote": "//article//blockquote", "figure": "//article//figure[figcaption]", "table": "//article//table[thead]",
    "emphasis": "//article//em", "strong": "//article//strong", "superscript": "//article//sup[not(@class)]",
    "subscript": "//article//sub", "link": "//article//a[starts-with(@href, 'http')]", "code": "//article//code",
    "note_ref": "//article//a[@role='doc-noteref']", "text": "//article//p[text()]",
}


def test_every_node_type_is_rendered(records):
    from archiver.record import NODE_TYPES

    assert set(NODE_XPATHS) == set(NODE_TYPES), "a node type was added to the schema: map it here"
    found = set()
    for record in records.values():
        doc = parse(page(record))
        found |= {name for name, xpath in NODE_XPATHS.items() if doc.xpath(xpath)}
    assert found == set(NODE_TYPES)
