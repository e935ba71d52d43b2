"""Normalisation rules shared by every reader: dates, names, author bylines and text."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archiver.normalize import clean_text, parse_date, split_authors, split_name


@pytest.mark.parametrize("text", [
    "31 May 2023", "2023-05-31", "31/05/2023", "May 31, 2023", "31st May 2023", "31 May, 2023",
    "Wednesday, 31 May 2023", "31.05.2023", "2023/05/31", "05/31/2023", "2023-05-31T09:30:00+08:00",
    "  31\u00a0May\u00a02023 ", "31 MAY 2023",
])
def test_common_date_forms_become_iso(text):
    assert parse_date(text) == ("2023-05-31", False)


@pytest.mark.parametrize("text,expected", [
    ("May 2023", "2023-05"), ("2023-05", "2023-05"), ("2023", "2023"), ("Sept 2024", "2024-09"), ("2023-5", "2023-05"),
    ("2024/06", "2024-06"),
])
def test_missing_day_or_month_is_left_out_and_flagged(text, expected):
    # Never an invented day or month; the flag lets a reader prefer a full date where it has several.
    assert parse_date(text) == (expected, True)


def test_numeric_dates_are_day_first_unless_impossible():
    assert parse_date("03/05/2023") == ("2023-05-03", False)
    assert parse_date("05/13/2023") == ("2023-05-13", False)


@pytest.mark.parametrize("text", ["31/02/2023", "yesterday", "31 Maj 2023", "", "2023-13-01", "13/13/2023"])
def test_unreadable_dates_raise_a_message_with_the_way_out(text):
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        parse_date(text)


def test_byline_with_and_gives_three_authors():
    assert split_authors("Alan Chong, Barbara Lim and Chen Wei") == [
        {"name": "Alan Chong", "given": "Alan", "family": "Chong"},
        {"name": "Barbara Lim", "given": "Barbara", "family": "Lim"},
        {"name": "Chen Wei", "given": "Chen", "family": "Wei"},
    ]


@pytest.mark.parametrize("text", ["A. Chong & B. Lim", "A. Chong; B. Lim", "A. Chong and B. Lim"])
def test_byline_separators(text):
    assert [a["family"] for a in split_authors(text)] == ["Chong", "Lim"]


def test_name_comma_affiliation():
    assert split_authors("Raffaello Pantucci, S. Rajaratnam School of International Studies") == [{
        "name": "Raffaello Pantucci", "given": "Raffaello", "family": "Pantucci",
        "affiliations": [{"name": "S. Rajaratnam School of International Studies"}]}]


def test_semicolons_separate_authors_with_affiliations():
    assert split_authors("Jan de Vries, Leiden University; Ana Lim, RSIS") == [
        {"name": "Jan de Vries", "given": "Jan", "family": "de Vries", "affiliations": [{"name": "Leiden University"}]},
        {"name": "Ana Lim", "given": "Ana", "family": "Lim", "affiliations": [{"name": "RSIS"}]},
    ]


def test_family_comma_given():
    assert split_authors("Pantucci, Raffaello") == [{"name": "Raffaello Pantucci", "given": "Raffaello",
                                                     "family": "Pantucci"}]


@pytest.mark.parametrize("name,given,family", [
    ("Ludwig van Beethoven", "Ludwig", "van Beethoven"),
    ("Anna van der Berg", "Anna", "van der Berg"),
    ("Maria de la Cruz", "Maria", "de la Cruz"),
    ("Siti binti Abdullah", "Siti", "binti Abdullah"),
])
def test_particles_belong_to_the_family_name(name, given, family):
    assert split_name(name) == {"name": name, "given": given, "family": family}


def test_single_name_is_not_split():
    assert split_name("Sukarno") == {"name": "Sukarno"}
    assert split_authors("Sukarno") == [{"name": "Sukarno"}]


@pytest.mark.parametrize("name,family,given", [("李显龙", "李", "显龙"), ("欧阳修", "欧阳", "修"), ("王伟", "王", "伟")])
def test_chinese_names_are_family_first(name, family, given):
    assert split_name(name) == {"name": name, "given": given, "family": family, "name_order": "family-first"}


@pytest.mark.parametrize("name,family,given", [
    ("Nguyễn Thị Minh", "Nguyễn", "Thị Minh"), ("Trần Văn Hùng", "Trần", "Văn Hùng"),
    ("Nguyen Thi Minh", "Nguyen", "Thi Minh"),
])
def test_vietnamese_names_are_family_first(name, family, given):
    assert split_name(name) == {"name": name, "given": given, "family": family, "name_order": "family-first"}


def test_vietnamese_family_name_last_in_an_english_byline_stays_given_first():
    assert split_name("Minh Nguyen") == {"name": "Minh Nguyen", "given": "Minh", "family": "Nguyen"}


def test_honorific_is_not_a_given_name():
    assert split_name("Dr. Alan Chong")["given"] == "Alan"


def test_empty_byline_is_an_error():
    with pytest.raises(ValueError, match="empty"):
        split_authors("  ")


def test_clean_text_nfc_whitespace_and_quotes():
    decomposed = "Nguye\u0302\u0303n"  # e + combining circumflex + combining tilde
    assert clean_text(f"  {decomposed}\u00a0 said\t\u201cyes\u201d \u2014 \u2018twice\u2019\n") == \
        "Nguyễn said \u201cyes\u201d \u2014 \u2018twice\u2019"
    assert clean_text("a\x00b\x1fc\ufeff") == "abc"
    assert clean_text("one\r\n  two  \n", keep_newlines=True) == "one\ntwo"


SPACE_CHARS = " \t\u00a0\u2002\u2003\u2009\u200a\u202f\u205f\u3000"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(list(SPACE_CHARS + "ab\n\u2028")), max_size=60))
def test_every_run_of_white_space_becomes_one_space(text):
    # The rule stated plainly (one pattern, slow); clean_text folds in two fast passes and must agree.
    expected = re.sub(f"[{SPACE_CHARS}]+", " ", text.replace("\n", " ")).strip()
    assert clean_text(text) == expected
    lines = "\n".join(line.strip() for line in re.sub(f"[{SPACE_CHARS}]+", " ", text).split("\n")).strip()
    assert clean_text(text, keep_newlines=True) == lines
