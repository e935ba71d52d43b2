"""The PDF's schema 1.1 back matter (record 1.1: `acknowledgements`, `references`, `author_notes`; issue
15 point 2): printed after the body in the landing page's order and tagged for a screen reader, the
reference list as L/LI/Lbl/LBody with a BibEntry in each LBody, each added DOI or URL a Link with
/Contents, the acknowledgements and author notes each a Sect led by an H2.

The order and text of every part are compared with the record by `pdftree.check_tree` (here, in
tests/test_pdfua.py for every sample in every brand, and on generated records); page-validation (ua1,
3a) and pdfua judge CO24102, the sample with all three parts, in tests/test_pdfua.py.
"""

from __future__ import annotations

from pathlib import Path

import pikepdf
import pytest
from hypothesis import given, settings, strategies as st

from archiver.convert import load_assets
from archiver.record import Link, load, walk_inlines
from archiver.style import load_style
from archiver.writers import RenderContext
from archiver.writers import pdf as pdf_writer

from pdftree import check_tree, elements_here
from strategies import records, supplied_images
from test_pdfua import GENERATED, check_generated

RECORDS = Path(__file__).resolve().parent.parent / "samples" / "records"


@pytest.fixture(scope="module", params=["rsis", "default"])
def co24102(request, tmp_path_factory):
    record = load(RECORDS / "CO24102.json")
    assets, _ = load_assets(record, RECORDS)
    path = tmp_path_factory.mktemp("back") / f"CO24102-{request.param}.pdf"
    path.write_bytes(pdf_writer.render(record, RenderContext(style=load_style(request.param), assets=assets)))
    return record, assets, path


def _role(element) -> str:
    return str(element.S)[1:]


def _links(element):
    for kid in elements_here(element):
        if _role(kid) == "Link":
            yield kid
        yield from _links(kid)


def _annotations(link):
    kids = link.K if isinstance(link.K, pikepdf.Array) else [link.K]
    return [kid.Obj for kid in kids if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == pikepdf.Name.OBJR]


def _back(pdf) -> list[tuple[list[str], list[pikepdf.Dictionary]]]:
    """The document's Sects (synopsis, body sections, back matter), each as (the roles of its kids,
    its kids)."""
    document = pdf.Root.StructTreeRoot.K
    return [([_role(kid) for kid in elements_here(sect)], list(elements_here(sect)))
            for sect in elements_here(document) if _role(sect) == "Sect"]


def test_the_reference_list_is_a_list_of_bibliography_entries_with_live_tagged_links(co24102):
    record, _, path = co24102
    with pikepdf.open(path) as pdf:
        lists = [kids for roles, kids in _back(pdf) if roles == ["H2", "L"]]
        assert len(lists) == 1
        items = list(elements_here(lists[0][1]))
        assert len(items) == len(record.references) == 3
        assert lists[0][1].A.ListNumbering == pikepdf.Name.Disc
        for item, reference in zip(items, record.references):
            assert _role(item) == "LI" and [_role(kid) for kid in elements_here(item)] == ["Lbl", "LBody"]
            [body] = [kid for kid in elements_here(item) if _role(kid) == "LBody"]
            [entry] = list(elements_here(body))
            assert _role(entry) == "BibEntry"
            links = list(_links(entry))
            contents = [str(annot.Contents) for link in links for annot in _annotations(link)]
            assert all(contents) and len(contents) == len(links)
            # the added DOI or URL is a Link whose annotation says where it goes
            for url in reference.links_to_add():
                assert url in contents
            shown = [node.url for node in _inline_links(reference.citation)]
            assert len(links) == len(shown) + len(reference.links_to_add())
    assert [reference.links_to_add() for reference in record.references] == [
        [], ["https://doi.org/10.5555/jcf.2023.045"], ["https://www.example.org/sponge-cities-compared/"]]


def _inline_links(nodes):
    return [node for node in walk_inlines(nodes) if isinstance(node, Link)]


def test_acknowledgements_and_author_notes_are_sections_with_a_heading_and_paragraphs(co24102):
    record, _, path = co24102
    with pikepdf.open(path) as pdf:
        back = _back(pdf)
        roles = [roles for roles, _ in back]
        # after the synopsis and the body's sections: Acknowledgements, Notes, References, Author notes,
        # Cite as, rights
        assert roles[-6:] == [["H2", "P"], ["H2", "Note"], ["H2", "L"], ["H2", "P", "P", "P"], ["H2", "P"],
                              ["P"] * 3]
        # the author note naming 李显龙 says so in its language (a Span with /Lang zh)
        third = back[-3][1][3]
        assert [str(kid.Lang) for kid in elements_here(third) if _role(kid) == "Span"] == ["zh"]
    assert len(record.acknowledgements) == 1 and len(record.author_notes) == 3


def test_the_outline_and_the_printed_headings_name_the_back_matter(co24102):
    _, _, path = co24102
    with pikepdf.open(path) as pdf:
        with pdf.open_outline() as outline:
            titles = [item.title for item in outline.root]
    assert titles[-5:] == ["Acknowledgements", "Notes", "References", "Author notes", "Cite as"]


def test_the_structural_comparison_bites_on_a_lost_reference(co24102, tmp_path):
    record, assets, path = co24102
    check_tree(record, assets, path)
    broken = tmp_path / "lost-reference.pdf"
    with pikepdf.open(path) as pdf:
        [(_, kids)] = [entry for entry in _back(pdf) if entry[0] == ["H2", "L"]]
        references = kids[1]
        references.K = pikepdf.Array(list(references.K)[:1] + list(references.K)[2:])  # the second goes
        pdf.save(broken)
    with pytest.raises(AssertionError):
        check_tree(record, assets, broken)


@pytest.mark.parametrize("kids,lost", [(["H2", "P"], 1), (["H2", "P", "P", "P"], 2)],
                         ids=["an acknowledgement paragraph", "an author note"])
def test_the_structural_comparison_bites_on_a_lost_acknowledgement_or_author_note(co24102, tmp_path, kids, lost):
    record, assets, path = co24102
    broken = tmp_path / "lost.pdf"
    with pikepdf.open(path) as pdf:
        # Acknowledgements (the sixth Sect from the end), Author notes (the third)
        roles, found = _back(pdf)[-6 if lost == 1 else -3]
        assert roles == kids
        sect = found[0].P
        sect.K = pikepdf.Array([kid for number, kid in enumerate(sect.K) if number != lost])
        pdf.save(broken)
    with pytest.raises(AssertionError):
        check_tree(record, assets, broken)


@settings(GENERATED, max_examples=8)
@given(records(images=supplied_images, back_matter=True), st.sampled_from(["rsis", "default"]))
def test_generated_records_with_back_matter_are_pdfua_and_pdfa_3a_with_it_in_their_tree(data, brand):
    check_generated(data, brand)
