"""The corpus of records whose citations are compared with citeproc-js (tests/data/citeproc/).

The three sample records (their citation fields) and 400 records from a seeded generator: names in
every script (Latin with diacritics and particles, Cyrillic, Greek, Arabic, Hebrew, Devanagari, Thai,
Georgian, Chinese, Japanese, Korean, Vietnamese), single names and organisations as authors, 1-12
authors, dates of a year, a month or a day, any of series/number/place/subtitle/DOI/URL missing,
report numbers of several shapes, and titles with quotes, ampersands, angle brackets, apostrophes
and closing punctuation. Every record is validated against the record schema.

Writes JSON to stdout: [{"record": <record JSON>, "csl": <archiver's CSL-JSON item>}, ...], which
scripts/citeproc/render.js renders (`make citeproc-expected`). Same seed, same bytes.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

from archiver.citation import to_csl
from archiver.record import load, validate

ROOT = Path(__file__).resolve().parents[2]
SEED = 21
COUNT = 400
#: The fields a citation reads; the samples are cut down to these.
CITATION_FIELDS = ("schema_version", "identifier", "series", "title", "subtitle", "authors", "published",
                   "language", "publisher", "links")

#: (given, family, name_order) by script; None as name_order means the record does not say.
PEOPLE = {
    "latin": [("Raffaello", "Pantucci", None), ("Şahin", "Öztürk", "given-first"), ("Ólafur Ragnar", "Grímsson", None),
              ("Jean-Paul", "Sartre", None), ("Anne-Marie", "Slaughter", None), ("Chloé", "Lefèvre", None),
              ("Mary Ann", "O'Neill", None), ("Joachim", "van der Berg", None), ("María José", "de la Cruz", None),
              ("Ludwig", "von Mises", None), ("Lucia", "di Lorenzo", None), ("Siti Nurhaliza", "binti Tarudin", None),
              ("Kwame", "Nkrumah", None), ("Zoë", "McAllister-Brown", None), ("Mohammed", "Al-Rashid", None),
              ("Søren", "Kierkegaard", None), ("Małgorzata", "Szymańska", None), ("J. R. R.", "Tolkien", None),
              ("bell", "hooks", None), ("Pieter", "de Vries", None), ("Dewi", "Fortuna Anwar", None),
              ("Jean", "d'Alembert", None), ("Abu Bakr", "al-Baghdadi", None), ("Jean", "de La Fontaine", None),
              ("Jean-luc", "Picard", None), ("J.R.R.", "Tolkien", None), ("Wm.", "Smith", None),
              ("Ludwig van", "Beethoven", None), ("Mary-Kate", "Olsen", None), ("Chloé", "ÉLÉONORE", None),
              ("Vincent", "van Gogh", None), ("Hà", "Lê", None)],
    "cyrillic": [("Иван", "Петров", None), ("Анна", "Кузнецова", None), ("Олег", "Шевченко", None)],
    "greek": [("Γιώργος", "Παπαδόπουλος", None), ("Ελένη", "Καραγιάννη", None)],
    "arabic": [("محمد", "العلي", None), ("عبد الله", "الحسن", None), ("فاطمة", "الزهراء", None)],
    "hebrew": [("דוד", "כהן", None), ("רחל", "לוי", None)],
    "devanagari": [("अमित", "शर्मा", None), ("प्रिया", "पटेल", None)],
    "thai": [("สมชาย", "ใจดี", None), ("สุดา", "ศรีสุข", None)],
    "georgian": [("ნინო", "ბერიძე", None)],
    "chinese": [("显龙", "李", "family-first"), ("建国", "王", None), ("小平", "邓", "family-first")],
    "japanese": [("晋三", "安倍", "family-first"), ("さくら", "山田", None)],
    "korean": [("재인", "문", "family-first"), ("민준", "김", None)],
    "vietnamese": [("Thị Minh", "Nguyễn", "family-first"), ("Văn An", "Trần", "family-first")],
    "latin-family-first": [("Viktor", "Orbán", "family-first"), ("Xianlong", "Li", "family-first")],
}
SINGLE_NAMES = ["Sukarno", "Suharto", "محمد", "Prabowo"]
ORGANISATIONS = ["Coastal Cities Working Group", "RSIS Maritime Security Programme",
                 "World Health Organization", "Centre for Non-Traditional Security Studies (NTS Centre)",
                 "Asia-Pacific Economic Cooperation Secretariat", "UN Office for the Coordination of Humanitarian Affairs"]
TITLES = [
    "Central Asia Among Giants: Taking a Leaf from ASEAN",
    "Water, Trade and Trust",
    "why the mekong needs a data compact",
    "Is ASEAN Ready for the Next Pandemic?",
    "The \"Belt and Road\" at Ten",
    "Beyond 'Strategic Autonomy': India's Choices",
    "Trade & Security in the South China Sea",
    "Reading <i>The Art of War</i> Again",
    "Cyber Norms < Cyber Power?",
    "COVID-19 and the G20",
    "A Decade of the U.S.-China Rivalry.",
    "Indonesia's 2024 Election: What Next!",
    "Climate Finance for Small Island States",
    "The Quad, AUKUS and the Indo-Pacific",
    "Myanmar after the Coup",
    "中国的周边外交",
    "Le Québec et l'Asie",
    "Energy Transition in the Philippines: Hard Choices",
    "From Bandung to BRICS: The Non-Aligned Movement Revisited",
    "On the Use of e-Government in Vietnam",
    "The iPhone Economy and Its Discontents",
    "Terrorism Online — A New Threat?",
    "Food Security in a Warming World (Part 2)",
    "Singapore’s “Total Defence” at Forty",
    "the state of the union in southeast asia",
    "War and peace: an essay on the balance of power",
    "'Single' and \"double\" quotes",
    "He said \"it's 'fine'\" today",
    "States' rights and federal power",
    "Rock 'n' roll diplomacy",
    "What the Region Is Thinking Of",
    "between us and them: a study",
    "Vis-à-vis Europe",
    "e-commerce and m-payments in ASEAN",
    "A/B testing in public policy",
    "COVID–19 and the WHO’s role",
    "Why 'now'? the case for reform",
    "Taylor & Francis and the Open Access Debate",
    "Five Years On — and After",
]
SUBTITLES = ["Lessons for a Landlocked Region", "A Reappraisal", "Why It Matters",
             "What Policymakers Should Know", "the view from Jakarta", "Part I: Origins?"]
SERIES = ["RSIS Commentary", "IDSS Paper", "Policy Report", "NTS Insight", "Commentary", "Working papers on \"Asia\"",
          "policy briefs"]
NUMBERS = ["081/2023", "001/2000", "12", "CO24017", "No. 5", "2024-03", "17a", "Vol. 3", "12-14", "3, 4", "1 & 2",
           "12 and 13", "iv", "XII", "12/3", "A/12", "12.3", "CO-24017", "p. 5", "no. 5", "12b-c", "2023/1-2",
           "#12", "12 (2020)", "WP 12", "3,4", "12 - 14", "12–14", "A12-A14"]
PUBLISHERS = [("S. Rajaratnam School of International Studies", "Singapore"),
              ("Institute of Defence and Strategic Studies", "Singapore"),
              ("Lowy Institute", "Sydney"), ("Chatham House", "London"),
              ("Brookings Institution", None), ("Carnegie Endowment for International Peace", "Washington, DC"),
              ("Taylor & Francis", "Abingdon"), ("Institut d'études politiques", "Paris")]
LANGUAGES = ["en"] * 8 + ["en-SG", "en-GB", "fr", "zh-Hans", "de"]


def person(rng: random.Random) -> dict:
    """One person author of a randomly chosen script (Latin most often, as in the series)."""
    script = rng.choice(["latin"] * 6 + [s for s in PEOPLE if s != "latin"])
    given, family, order = rng.choice(PEOPLE[script])
    family_first = order == "family-first" or script in ("chinese", "japanese", "korean")
    spacer = "" if script in ("chinese", "japanese") else " "
    name = f"{family}{spacer}{given}" if family_first else f"{given} {family}"
    author = {"name": name, "given": given, "family": family}
    if order:
        author["name_order"] = order
    return author


def author(rng: random.Random) -> dict:
    roll = rng.random()
    if roll < 0.08:
        return {"name": rng.choice(ORGANISATIONS), "kind": "organization"}
    if roll < 0.12:
        single = rng.choice(SINGLE_NAMES)
        return rng.choice([{"name": single}, {"name": single, "given": single}, {"name": single, "family": single}])
    return person(rng)


def published(rng: random.Random) -> str:
    year = rng.randint(1998, 2026)
    shape = rng.random()
    if shape < 0.15:
        return str(year)
    if shape < 0.3:
        return f"{year}-{rng.randint(1, 12):02d}"
    return f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def generated(rng: random.Random, index: int) -> dict:
    count = rng.choice([1] * 10 + [2] * 8 + [3] * 5 + [4, 4, 5, 6, 7, 8, 9, 10, 11, 12])
    record: dict = {
        "schema_version": "1.1",
        "identifier": f"GEN{index:04d}",
        "title": rng.choice(TITLES),
        "authors": [author(rng) for _ in range(count)],
        "published": published(rng),
        "language": rng.choice(LANGUAGES),
    }
    if rng.random() < 0.3:
        record["subtitle"] = rng.choice(SUBTITLES)
    name, place = rng.choice(PUBLISHERS)
    record["publisher"] = {"name": name, **({"place": place} if place and rng.random() < 0.85 else {})}
    if rng.random() < 0.85:
        series = {"name": rng.choice(SERIES)}
        if rng.random() < 0.85:
            series["number"] = rng.choice(NUMBERS)
        if rng.random() < 0.2:
            series["issn"] = "2382-6134"
        record["series"] = series
    links = {}
    if rng.random() < 0.5:
        links["doi"] = f"10.{rng.randint(1000, 99999)}/{rng.choice(['co', 'rsis.', 'x-'])}{rng.randint(1, 99999)}"
    roll = rng.random()
    if roll < 0.5:
        links["source"] = f"https://www.example.org/commentaries/{index}/"
    elif roll < 0.7:
        links["handle"] = f"10356/{rng.randint(1, 999999)}"
    if links:
        record["links"] = links
    return record


def corpus() -> list[dict]:
    records = []
    for path in sorted((ROOT / "samples" / "records").glob("*.json")):
        data = load(path).to_json()
        records.append({k: data[k] for k in CITATION_FIELDS if k in data})
    rng = random.Random(SEED)
    records += [generated(rng, i) for i in range(COUNT)]
    out = []
    for data in records:
        record = validate(data, data["identifier"])
        out.append({"record": data, "csl": to_csl(record)})
    return out


if __name__ == "__main__":
    json.dump(corpus(), sys.stdout, ensure_ascii=False, indent=1, sort_keys=True)
    sys.stdout.write("\n")
