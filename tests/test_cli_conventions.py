"""What users expect of any command-line tool (issue 20 point 3) and the build's report page (point 2):
the report page's content, its filters and its painting in headless Chromium, and a page of 10,000
records (size, Chromium's CPU, load and filter time, pictures made only near the view), `--dry-run`,
`-q`/`-v` in every command, `build --format json`, every option of every command from `archiver.toml`
and `ARCHIVER_*` variables in that order under the command line, shell completion of option values,
`--to` replacing the old `--format` of `package` and `cite`, the ETA, `build --check`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import html as lxml_html

from archiver import buildreport
from archiver.cli import COMMANDS, main

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples" / "records"
ARCHIVER = Path(sys.executable).parent / "archiver"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def batch_sources(tmp_path) -> Path:
    """The three samples (one of them without its figure image: a W003 warning) and one bad record."""
    src = tmp_path / "src"
    src.mkdir()
    for path in SAMPLES.glob("*.json"):
        shutil.copy(path, src / path.name)
    bad = json.loads((SAMPLES / "CO24102.json").read_text(encoding="utf-8"))
    bad.update(identifier="BAD01", published="2024-02-30", title="<script>alert(1)</script>")
    (src / "BAD01.json").write_text(json.dumps(bad), encoding="utf-8")
    return src


def test_hostile_names_in_the_report_page_are_text(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "<img src=x onerror=alert(1)>.json").write_text("{not json")
    out = tmp_path / "out"
    assert run("build", str(src), "-o", str(out), "--to", "bibtex")[0] == 5
    doc = lxml_html.fromstring((out / "report.html").read_bytes())
    assert not doc.xpath("//img") and "<img src=x onerror=alert(1)>.json" in doc.text_content()


def built(batch_sources: Path, tmp_path: Path, *extra: str) -> tuple[Path, dict]:
    out = tmp_path / "out"
    code, _, stderr = run("build", str(batch_sources), "-o", str(out), "--to", "jats,bibtex", "--jobs", "1",
                          *extra)
    assert code == 5, stderr  # the bad record's exit status, after the others were built
    return out, json.loads((out / "report.json").read_text(encoding="utf-8"))


# The report page ---------------------------------------------------------------------------------

def test_report_page_holds_every_record_with_its_problems_and_outputs(batch_sources, tmp_path):
    out, report = built(batch_sources, tmp_path)
    page = (out / "report.html").read_text(encoding="utf-8")
    doc = lxml_html.fromstring(page)
    rows = doc.xpath('//table[@id="records"]/tbody/tr')
    assert len(rows) == len(report["records"]) == 4
    # failed first, then warned, then the rest
    assert [row.get("data-status") for row in rows][0] == "failed"
    assert rows[1].get("data-warned") == "1" and rows[2].get("data-warned") == "0"
    summary = {li.text_content().split(" ", 1)[1]: int(li.findtext("b")) for li in doc.xpath('//ul[@class="summary"]/li')}
    assert summary == {"records": 4, "built": 3, "unchanged": 0, "failed": 1, "with warnings": 1}
    failed = rows[0].text_content()
    assert "/published" in failed and "hint:" in failed and "BAD01.json" in failed
    assert "(exit 5: invalid record (schema or cross-reference problems))" in failed
    assert doc.xpath("count(//script)") == 1 and "alert(1)" not in "".join(doc.xpath("//script/text()"))
    warned = rows[1]
    assert "W003" in warned.text_content()
    hint = warned.xpath('.//li[@class="warning"]/span[@class="hint"]')[0].text_content()
    assert hint == "(W003: a figure's image is missing or cannot be decoded; caption and credit kept)"
    for record in report["records"]:
        for name, digest in record["outputs"].items():
            cells = doc.xpath(f'//a[@href="{name}"]/ancestor::tr[1]/td')
            assert cells, name
            assert cells[2].text_content() == digest
            size = (out / name).stat().st_size
            assert cells[1].text_content() == buildreport._size(size)
    # self-contained: no external stylesheet, script, image or font
    assert not doc.xpath("//link | //img | //script[@src] | //iframe")
    assert "http://" not in page and "https://" not in page


def test_report_page_is_the_same_for_the_same_report(batch_sources, tmp_path):
    out, report = built(batch_sources, tmp_path)
    records = sorted(report["records"], key=lambda r: (r["status"] != "failed", not r["warnings"], r["source"]))
    summary = {**report["counts"], "warned": sum(1 for r in records if r["warnings"])}
    head = {key: value for key, value in report.items() if key != "records"}
    again = "".join(buildreport.render(head, summary, records, lambda name: (out / name).stat().st_size,
                                       f"Build report: {out}"))
    assert again == (out / "report.html").read_text(encoding="utf-8")


def test_a_shard_gets_its_own_report_page(batch_sources, tmp_path):
    out = tmp_path / "out"
    run("build", str(batch_sources), "-o", str(out), "--to", "bibtex", "--shard", "1/2")
    assert (out / "report-1-of-2.html").is_file() and not (out / "report.html").exists()
    assert "shard 1/2" in (out / "report-1-of-2.html").read_text(encoding="utf-8")


def chromium(*arguments: str, profile: Path) -> bytes:
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("chromium is not installed: run scripts/setup.sh")
    return subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *arguments],
                          capture_output=True, timeout=300, check=True).stdout


def chromium_dom(page: Path, fragment: str, profile: Path, *flags: str) -> lxml_html.HtmlElement:
    return lxml_html.fromstring(chromium(*flags, "--dump-dom", page.as_uri() + fragment, profile=profile))


def screenshot(page: Path, fragment: str, profile: Path):
    """The page as Chromium paints it in a 1200 x 900 window, as RGB pixels."""
    from PIL import Image

    shot = profile.parent / f"{profile.name}.png"
    chromium("--window-size=1200,900", "--hide-scrollbars", f"--screenshot={shot}", page.as_uri() + fragment,
             profile=profile)
    with Image.open(shot) as image:
        return image.convert("RGB")


#: a page beside the report that opens it in a frame and writes into its own body what the report's
#: page did: its load time (ms from its navigation), the time a change of filter takes with the layout
#: it forces, the rows (all, shown, shown and failed), and once the pictures near the view have loaded
#: (polled), their widths
PROBE = """<!DOCTYPE html><html><body><iframe id="f" src="{page}" width="1200" height="900"></iframe><script>
var f=document.getElementById('f'),b=document.body.dataset;
f.addEventListener('load',function(){{var w=f.contentWindow,d=w.document,t=w.performance.getEntriesByType('navigation')[0];
b.load=Math.round(t.loadEventStart);b.shown=d.getElementById('shown').textContent;
var s=performance.now();w.location.hash='{then}';w.dispatchEvent(new HashChangeEvent('hashchange'));d.body.offsetHeight;
b.filter=Math.round(performance.now()-s);b.shownAfter=d.getElementById('shown').textContent;
b.rows=d.querySelectorAll('#records>tbody>tr').length;b.visible=d.querySelectorAll('#records>tbody>tr:not([hidden])').length;
b.visibleFailed=d.querySelectorAll('#records>tbody>tr[data-status=failed]:not([hidden])').length;
var tries=0;(function poll(){{var made=d.querySelectorAll('#records img.thumb'),done=[].filter.call(made,function(i){{return i.complete;}});
if((made.length&&done.length===made.length)||tries++>100){{b.pictures=made.length;
b.widths=[].map.call(done,function(i){{return i.naturalWidth;}}).join(',');}}else setTimeout(poll,100);}})();}});
</script></body></html>"""


def probe(folder: Path, page: str, then: str, profile: Path, *flags: str) -> dict[str, str]:
    (folder / "probe.html").write_text(PROBE.format(page=page, then=then), encoding="utf-8")
    return dict(chromium_dom(folder / "probe.html", "", profile, "--allow-file-access-from-files", *flags).body.attrib)


def visible(doc: lxml_html.HtmlElement) -> list[str]:
    return [row.get("data-status") + ("+w" if row.get("data-warned") == "1" else "")
            for row in doc.xpath('//table[@id="records"]/tbody/tr[not(@hidden)]')]


RED, GREEN = (0xa4, 0, 0), (0x1a, 0x6b, 0x1a)  # the colours of "failed" and "built"


def painted(image) -> set[tuple[int, int, int]]:
    return {colour for _, colour in image.getcolors(1 << 24)}


@pytest.mark.slow
def test_report_page_filters_work_and_paint_in_chromium(batch_sources, tmp_path):
    out, _ = built(batch_sources, tmp_path)
    page = out / "report.html"
    assert visible(chromium_dom(page, "#failed", tmp_path / "p1")) == ["failed"]
    assert visible(chromium_dom(page, "#warned", tmp_path / "p2")) == ["built+w"]
    everything = chromium_dom(page, "", tmp_path / "p3")
    assert len(visible(everything)) == 4 and everything.get_element_by_id("shown").text == "4"
    assert everything.body.get("data-filter") == "all"
    # painted: the summary at the top; under #failed the red of a failure and no green of a built
    # record, under #warned the reverse; the rows end well within the window when one shows
    failed, warned = screenshot(page, "#failed", tmp_path / "s1"), screenshot(page, "#warned", tmp_path / "s2")
    colours = [painted(shot) for shot in (failed, warned)]
    assert RED in colours[0] and GREEN not in colours[0], "the failed row is painted, no other"
    assert GREEN in colours[1] and RED not in colours[1], "the warned row is painted, no other"
    for shot in (failed, warned):
        summary = shot.crop((0, 0, 1200, 180))
        assert len(painted(summary)) > 20, "the summary at the top is painted"
        assert painted(shot.crop((0, 600, 1200, 900))) == {(255, 255, 255)}, "one row, then nothing"


def synthetic_report(count: int) -> tuple[dict, dict[str, int]]:
    """A report of `count` records shaped like a real build's: 12 outputs each, 1 % failed, 5 % warned,
    a thumbnail for each built record."""
    names = ["json", "xml", "epub", "pdf", "csl.json", "bib", "ris", "dc.xml", "datacite.xml", "crossref.xml"]
    records, sizes = [], {}
    for index in range(count):
        identifier = f"CO9{index:05d}"
        record = {"source": f"records/{identifier}.json", "identifier": identifier, "status": "built",
                  "outputs": {}, "warnings": [], "errors": [], "thumbnail": f".thumbnails/{identifier}.png"}
        for name in [f"{identifier}.{suffix}" for suffix in names] + ["index.html", "images/fig1.png"]:
            record["outputs"][f"{identifier}/{name}"] = f"{index:064x}"
            sizes[f"{identifier}/{name}"] = 1000 + index
        if index % 100 == 0:
            record.update(status="failed", outputs={}, exit_code=5,
                          errors=[{"message": "bad date", "pointer": "/published", "hint": "give a real date"}])
            del record["thumbnail"]
        elif index % 20 == 0:
            record["warnings"] = [{"code": "W003", "message": "image missing", "pointer": "/body/0"}]
        records.append(record)
    counts = {"built": sum(r["status"] == "built" for r in records), "unchanged": 0,
              "failed": sum(r["status"] == "failed" for r in records)}
    return {"archiver_version": "test", "style": "rsis", "formats": names, "counts": counts,
            "records": records}, sizes


@pytest.mark.slow
def test_a_report_page_of_10000_records_stays_small_opens_fast_and_filters_in_chromium(tmp_path):
    import io
    import resource

    from PIL import Image

    report, sizes = synthetic_report(10_000)
    page = tmp_path / "report.html"
    records = sorted(report.pop("records"), key=lambda r: (r["status"] != "failed", not r["warnings"]))
    summary = {**report["counts"], "warned": sum(1 for r in records if r["warnings"])}
    with page.open("w", encoding="utf-8") as handle:  # piece by piece, as the build writes it
        handle.writelines(buildreport.render(report, summary, records, sizes.get, "Build report: big"))
    (tmp_path / ".thumbnails").mkdir()
    picture = io.BytesIO()
    Image.new("P", (160, 226), 1).save(picture, "PNG")
    for record in records:
        if "thumbnail" in record:
            (tmp_path / record["thumbnail"]).write_bytes(picture.getvalue())
    # about 2.2 KB a record: twelve outputs with their SHA-256 each, in a collapsed <details>, and a picture
    assert page.stat().st_size < 2_300 * 10_000
    # the rows are counted in Chromium, not parsed here: lxml's tree of 10,000 rows weighs some 400 MB,
    # which each process this one forks later would report as its own peak (ru_maxrss survives exec)
    del records, sizes
    # opening it: Chromium's CPU (start-up included) and the page's own load time, then a change of
    # filter over the 10,000 rows; 10,000 <img loading="lazy"> took about 8 s of CPU here
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    opened = probe(tmp_path, "report.html#all", "failed", tmp_path / "p2")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    print(f"10,000 records: {page.stat().st_size} bytes, Chromium CPU {cpu:.2f} s, load {opened['data-load']} ms, "
          f"filter {opened['data-filter']} ms")
    assert opened["data-shown"] == "10000" and opened["data-shown-after"] == "100"
    assert (opened["data-rows"], opened["data-visible"], opened["data-visible-failed"]) == ("10000", "100", "100")
    assert cpu < 5, f"Chromium spent {cpu:.1f} s of CPU opening the page"
    assert int(opened["data-load"]) < 60_000 and int(opened["data-filter"]) < 10_000
    # only the pictures near the view are made and loaded: those of the first warned rows
    shown = probe(tmp_path, "report.html#warned", "warned", tmp_path / "p3", "--virtual-time-budget=30000")
    assert 0 < int(shown["data-pictures"]) < 100 and set(shown["data-widths"].split(",")) == {"160"}


# build --format json and --dry-run ----------------------------------------------------------------

def test_build_format_json_prints_the_report(batch_sources, tmp_path):
    out = tmp_path / "out"
    code, stdout, stderr = run("build", str(batch_sources), "-o", str(out), "--to", "bibtex", "--format", "json")
    assert code == 5
    assert json.loads(stdout) == json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert "error:" not in stderr  # JSON mode: the problems are in the JSON, not repeated as text


def test_build_dry_run_writes_nothing_and_says_what_it_would_build(batch_sources, tmp_path):
    out = tmp_path / "out"
    code, stdout, _ = run("build", str(batch_sources), "-o", str(out), "--to", "bibtex", "--dry-run")
    assert code == 0 and not out.exists()
    assert sorted(line.split(": ", 1)[1] for line in stdout.splitlines() if line.startswith("would build")) == \
        sorted(str(p) for p in batch_sources.glob("*.json"))
    run("build", str(batch_sources), "-o", str(out), "--to", "bibtex")
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    code, stdout, _ = run("build", str(batch_sources), "-o", str(out), "--to", "bibtex", "--dry-run",
                          "--format", "json")
    plan = json.loads(stdout)
    assert plan["dry_run"] and plan["build"] == [str(batch_sources / "BAD01.json")]  # a failed source is retried
    assert len(plan["unchanged"]) == 3
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*")} == before


def test_build_status_lists_what_the_state_holds(batch_sources, tmp_path):
    out = tmp_path / "out"
    run("build", str(batch_sources), "-o", str(out), "--to", "bibtex")
    code, stdout, stderr = run("build", "-o", str(out), "--status", "--format", "json")
    held = json.loads(stdout)["records"]
    assert code == 0 and sorted(r["identifier"] for r in held) == ["CO23081", "CO24017", "CO24102"]  # not BAD01
    assert all(r["outputs"] == 2 for r in held if r["identifier"] != "CO24017")  # .json and .bib
    code, stdout, stderr = run("build", "-o", str(out), "--status")
    assert code == 0 and "3 record(s) from 3 source(s)" in stderr and "CO23081" in stdout
    assert run("build", "-o", str(out))[0] == 2  # no sources and no --status


def test_convert_and_package_dry_runs_write_nothing(tmp_path):
    out = tmp_path / "out"
    code, stdout, _ = run("convert", str(SAMPLES / "CO23081.json"), "-o", str(out), "--to", "jats,bib", "--dry-run")
    assert code == 0 and not out.exists()
    assert stdout.splitlines() == [f"would write: {out.resolve() / 'CO23081' / name}"
                                   for name in ("CO23081.bib", "CO23081.json", "CO23081.xml")]
    assert run("convert", str(SAMPLES / "CO23081.json"), "-o", str(out), "--to", "jats")[0] == 0
    pkg = tmp_path / "pkg"
    for kind, expected in [("bagit", f"{pkg.resolve() / 'CO23081'}/"), ("saf", f"{pkg.resolve() / 'saf'}/"),
                           ("ocfl", f"{pkg.resolve()}/"), ("mets", f"{pkg.resolve() / 'CO23081'}/")]:
        code, stdout, _ = run("package", str(out / "CO23081"), "--to", kind, "-o", str(pkg), "--dry-run")
        assert code == 0 and stdout.splitlines()[0] == f"would write: {expected}", (kind, stdout)
        assert not pkg.exists()


# -q and -v ---------------------------------------------------------------------------------------

def test_quiet_and_verbose(batch_sources, tmp_path):
    out = tmp_path / "out"
    code, stdout, stderr = run("build", str(batch_sources), "-o", str(out), "--to", "bibtex", "-q")
    assert code == 5 and stdout == "" and "W003" not in stderr and "error:" in stderr
    code, stdout, stderr = run("build", str(batch_sources), "-o", str(out), "--to", "bibtex", "-v")
    assert sorted(line.split(":")[0] for line in stderr.splitlines() if line.endswith(".json)")) == \
        ["failed", "unchanged", "unchanged", "unchanged"]
    code, _, stderr = run("validate", str(SAMPLES), "-v")
    assert code == 0 and stderr.count("ok: ") == 3
    code, _, stderr = run("validate", str(SAMPLES), "-q")
    assert code == 0 and stderr == ""
    assert run("validate", str(SAMPLES), "-q", "-v")[0] == 2


def test_quiet_leaves_errors_only_in_every_command(tmp_path, monkeypatch):
    """-q: nothing but errors and the command's product (a citation, a JSON report); without it each
    of these says something."""
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from sword_server import SwordServer
    from test_ingest_warc import build as warc

    monkeypatch.setenv("ARCHIVER_STATE_DIR", str(tmp_path / "deposit-records"))
    crawl = tmp_path / "crawl.warc.gz"
    crawl.write_bytes(warc())
    (tmp_path / "c.yaml").write_text("publisher: {name: Water Institute}\nlanguage: en\n", encoding="utf-8")
    record = str(SAMPLES / "CO23081.json")
    assert run("convert", record, "-o", str(tmp_path / "out"), "--to", "jats")[0] == 0
    folder = str(tmp_path / "out" / "CO23081")
    with SwordServer() as server:
        sword = {"ARCHIVER_SWORD_USER": server.config.user, "ARCHIVER_SWORD_PASSWORD": server.config.password,
                 "NETRC": "/nonexistent"}
        invocations = [
            (["ingest", str(crawl), "-o", str(tmp_path / "records"), "--collection", str(tmp_path / "c.yaml")], None),
            (["convert", record, "-o", str(tmp_path / "dry"), "--to", "jats", "--dry-run"], None),
            (["convert", record, "-o", str(tmp_path / "out2"), "--to", "jats"], None),
            (["package", folder, "--format", "bagit", "-o", str(tmp_path / "bags")], None),
            (["package", folder, "--to", "saf", "-o", str(tmp_path / "saf"), "--dry-run"], None),
            (["verify", str(tmp_path / "bags" / "CO23081")], None),
            (["deposit", str(tmp_path / "bags" / "CO23081"), "--sword", server.service_url, "--timeout", "10",
              "--collection", "RSIS Commentaries"], sword),  # then -q: "already deposited", unsaid
            (["deposit", str(tmp_path / "bags" / "CO23081"), "--sword", server.service_url, "--timeout", "10",
              "--collection", "RSIS Commentaries", "--again"], sword),  # -q: "deposited", unsaid
        ]
        for arguments, env in invocations:
            loud_code, loud_out, loud_err = run(*arguments, env=env)
            assert loud_code == 0 and (loud_out or loud_err), (arguments, loud_err)
            if arguments[0] in ("package", "ingest") and not arguments[-1] == "--dry-run":
                shutil.rmtree(Path(arguments[arguments.index("-o") + 1]))
            code, stdout, stderr = run(*arguments, "-q", env=env)
            assert (code, stdout, stderr) == (0, "", ""), arguments
    code, stdout, stderr = run("cite", record, "--format", "apa", "-q")
    assert code == 0 and stderr == "" and stdout == run("cite", record, "--to", "apa")[1]


# Configuration file and environment ---------------------------------------------------------------

def test_options_come_from_the_command_line_then_the_environment_then_archiver_toml(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    record = str(SAMPLES / "CO23081.json")
    (tmp_path / "archiver.toml").write_text('[convert]\nto = ["jats", "bibtex"]\nstyle = "rsis"\n')
    assert run("convert", record, "-o", "a")[0] == 0
    assert sorted(p.name for p in (tmp_path / "a" / "CO23081").iterdir()) == \
        ["CO23081.bib", "CO23081.json", "CO23081.xml"]
    assert run("convert", record, "-o", "b", env={"ARCHIVER_CONVERT_TO": "ris"})[0] == 0
    assert sorted(p.name for p in (tmp_path / "b" / "CO23081").iterdir()) == ["CO23081.json", "CO23081.ris"]
    assert run("convert", record, "-o", "c", "--to", "csl-json", env={"ARCHIVER_CONVERT_TO": "ris"})[0] == 0
    assert sorted(p.name for p in (tmp_path / "c" / "CO23081").iterdir()) == ["CO23081.csl.json", "CO23081.json"]
    other = tmp_path / "other.toml"
    other.write_text('[convert]\nto = "dc"\n')
    assert run("--config", str(other), "convert", record, "-o", "d")[0] == 0
    assert sorted(p.name for p in (tmp_path / "d" / "CO23081").iterdir()) == ["CO23081.dc.xml", "CO23081.json"]


def layer_values(param) -> tuple:
    """Two different values an option takes (for the file, the environment and the command line)."""
    import click

    if param.is_flag:
        return True, False
    if param.count:
        return 1, 2
    if isinstance(param.type, click.Choice):
        return param.type.choices[0], param.type.choices[1]
    if isinstance(param.type, (click.types.IntParamType, click.types.FloatParamType)):
        return 2, 3
    return "a", "b"


@pytest.mark.parametrize("command_name", sorted(COMMANDS))
def test_every_option_of_every_command_takes_the_line_then_the_environment_then_the_file(
        command_name, tmp_path, monkeypatch):
    """For each option of each command, by its long name in all three places: a value in archiver.toml
    is used; ARCHIVER_<COMMAND>_<OPTION> overrides it; the command line overrides both."""
    import click
    from click.core import ParameterSource

    from archiver.cli.options import command_defaults, environment_variable

    monkeypatch.chdir(tmp_path)
    command = main.get_command(click.Context(main), command_name)
    options = [p for p in command.params if isinstance(p, click.Option)]
    assert {"quiet", "verbose"} <= {p.name for p in options}
    for param in options:
        long_name = next(opt[2:] for opt in param.opts if opt.startswith("--"))
        first, second = layer_values(param)
        (tmp_path / "archiver.toml").write_text(f"[{command_name}]\n{long_name} = {json.dumps(first)}\n")
        defaults = command_defaults(None, command_name, command, COMMANDS)
        line = [f"--{long_name}"] if param.is_flag or param.count else [f"--{long_name}", str(first)]
        variable = environment_variable(command_name, long_name)
        for environment, arguments, source, value in [
                (None, [], ParameterSource.DEFAULT_MAP, first),
                (second, [], ParameterSource.ENVIRONMENT, second),
                (second, line, ParameterSource.COMMANDLINE, first)]:
            if environment is None:
                monkeypatch.delenv(variable, raising=False)
            else:
                monkeypatch.setenv(variable, "0" if environment is False else str(environment))
            ctx = command.make_context(command_name, list(arguments), default_map=defaults, resilient_parsing=True)
            where = (command_name, long_name, variable, source)
            assert ctx.get_parameter_source(param.name) == source, where
            if param.expose_value:
                assert ctx.params[param.name] == param.type_cast_value(ctx, value), where
        monkeypatch.delenv(variable, raising=False)


def test_a_report_format_from_the_environment_and_quiet_from_the_file_reach_a_real_build(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "archiver.toml").write_text('[build]\nto = "bibtex"\nquiet = true\n')
    code, stdout, stderr = run("build", str(SAMPLES / "CO23081.json"), "-o", "out",
                               env={"ARCHIVER_BUILD_FORMAT": "json"})
    assert code == 0 and json.loads(stdout)["formats"] == ["bibtex"] and stderr == ""
    code, stdout, stderr = run("build", str(SAMPLES / "CO23081.json"), "-o", "out", env={"ARCHIVER_BUILD_FORMAT": ""})
    assert code == 0 and stdout == ""  # quiet: no summary table
    other = tmp_path / "elsewhere.toml"
    other.write_text('[build]\nto = "ris"\n')
    code, stdout, _ = run("build", str(SAMPLES / "CO23081.json"), "-o", "out2", env={"ARCHIVER_CONFIG": str(other)})
    assert code == 0 and sorted(p.name for p in (tmp_path / "out2" / "CO23081").iterdir()) == ["CO23081.json", "CO23081.ris"]


def test_archiver_version_in_the_environment_is_no_version_option():
    """ARCHIVER_VERSION (a pipeline pinning what it installs) is no `--version`."""
    code, stdout, stderr = run("formats", env={"ARCHIVER_VERSION": "0.1.0"})
    assert code == 0 and stdout.startswith("jats ") and "version" not in stdout + stderr
    assert run("formats", env={"ARCHIVER_VERSION": "1"})[1].startswith("jats ")
    assert run("--version")[1].startswith("archiver, version ")


@pytest.mark.parametrize("text, where", [
    ('[convert]\ntoo = "jats"\n', "/convert/too"),
    ('[convrt]\nto = "jats"\n', "/convrt"),
    ('convert = 3\n', "/convert"),
    ('[convert\n', "not a TOML file"),
])
def test_a_wrong_configuration_file_is_a_usage_error_naming_the_place(tmp_path, monkeypatch, text, where):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "archiver.toml").write_text(text)
    code, _, stderr = run("convert", str(SAMPLES / "CO23081.json"), "-o", "out")
    assert code == 2 and "archiver.toml" in stderr and where in stderr, stderr
    assert not (tmp_path / "out").exists()


def test_a_missing_config_named_explicitly_is_a_usage_error(tmp_path):
    code, _, stderr = run("--config", str(tmp_path / "nope.toml"), "validate", str(SAMPLES))
    assert code == 2 and "nope.toml" in stderr


# Shell completion --------------------------------------------------------------------------------

def complete(words: str) -> list[str]:
    env = {**os.environ, "COMP_WORDS": words, "COMP_CWORD": str(len(words.split()) - 1),
           "_ARCHIVER_COMPLETE": "bash_complete"}
    result = subprocess.run([str(ARCHIVER)], env=env, capture_output=True, text=True, timeout=60)
    return [line.split(",", 1)[1] for line in result.stdout.splitlines()]  # "plain,VALUE"


def test_completion_script_and_values():
    code, stdout, _ = run("completion", "bash")
    assert code == 0 and "_ARCHIVER_COMPLETE=bash_complete" in stdout
    assert "jats,epub" in complete("archiver convert r.json --to jats,ep")
    assert {"jats", "jats4"} & set(complete("archiver build r --to ja")) == {"jats"}
    assert "rsis" in complete("archiver build r --style rs")
    assert complete("archiver build r --shard 3/")[:2] == ["3/3", "3/4"]
    assert "completion" in complete("archiver compl")
    assert complete("archiver package out/X --to o") == ["ocfl"]  # what package makes
    assert "apa" in complete("archiver cite r.json --to ap")  # citation styles
    assert "rsis" in complete("archiver convert r.json --style rs")
    for shell, marker in (("zsh", "#compdef archiver"), ("fish", "complete --no-files --command archiver")):
        code, stdout, _ = run("completion", shell)
        assert code == 0 and marker in stdout and "_ARCHIVER_COMPLETE" in stdout, shell


# --to replaces package's and cite's --format ------------------------------------------------------

def test_old_format_spellings_still_work_with_a_notice(tmp_path):
    out = tmp_path / "out"
    assert run("convert", str(SAMPLES / "CO23081.json"), "-o", str(out), "--to", "jats")[0] == 0
    code, _, stderr = run("package", str(out / "CO23081"), "--format", "bagit", "-o", str(tmp_path / "pkg"))
    assert code == 0 and "now --to" in stderr and (tmp_path / "pkg" / "CO23081" / "bagit.txt").is_file()
    code, stdout, stderr = run("cite", str(SAMPLES / "CO23081.json"), "--format", "apa")
    assert code == 0 and "now --to" in stderr
    assert stdout == run("cite", str(SAMPLES / "CO23081.json"), "--to", "apa")[1]
    assert run("cite", str(SAMPLES / "CO23081.json"), "--to", "apa", "--format", "mla")[0] == 2
    code, _, stderr = run("package", str(out / "CO23081"), "-o", str(tmp_path / "pkg2"))
    assert code == 2 and "--to" in stderr


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_eta_follows_the_recent_rate_not_the_average_since_the_start():
    from archiver.cli.progress import Eta

    clock = FakeClock()
    eta = Eta(1000, window=60, least=8, clock=clock)
    assert eta.seconds_left() is None and eta.text() == "ETA --:--"  # nothing to go by yet
    for _ in range(300):  # 300 quick records, one every 0.1 s
        clock.now += 0.1
        eta.built()
    assert eta.seconds_left() == pytest.approx(700 * 0.1)
    for _ in range(100):  # then they slow down to one every 2 s (large PDFs, a loaded machine)
        clock.now += 2
        eta.built()
    # 600 left at 2 s each; the average since the start (230 s for 400) would say about 345 s
    assert eta.seconds_left() == pytest.approx(600 * 2)
    assert eta.text() == "ETA 20:00"


def test_eta_forgets_the_workers_start_up_and_rises_during_a_stall():
    from archiver.cli.progress import Eta

    clock = FakeClock()
    eta = Eta(100, window=10, least=4, clock=clock)
    clock.now += 30  # the workers start: the first record comes after 30 s
    eta.built()
    assert eta.seconds_left() == pytest.approx(99 * 30)
    for _ in range(20):
        clock.now += 1
        eta.built()
    assert eta.seconds_left() == pytest.approx(79 * 1)
    clock.now += 20  # nothing finishes for 20 s: the estimate grows at once, before the next record
    assert eta.seconds_left() > 79 * 2


def test_eta_takes_unchanged_records_off_the_work_without_counting_them_in_the_rate():
    from archiver.cli.progress import Eta

    clock = FakeClock()
    eta = Eta(1000, window=60, least=8, clock=clock)
    for _ in range(900):  # a rerun: 900 unchanged records are skipped in no time
        eta.skipped()
    for _ in range(10):
        clock.now += 3
        eta.built()
    # 90 left at 3 s each; counted as completions, the skipped ones would have made it about 3 s
    assert eta.seconds_left() == pytest.approx(90 * 3)
    for _ in range(90):
        clock.now += 3
        eta.built()
    assert eta.seconds_left() == 0 and eta.text() == "ETA 00:00"


def on_a_terminal(*arguments: str) -> str:
    """What `archiver ARGUMENTS` shows on standard error when that is a terminal (a pseudo-terminal)."""
    import threading

    leader, follower = os.openpty()
    shown = bytearray()

    def read() -> None:
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal's other end closed
                return
            if not chunk:
                return
            shown.extend(chunk)

    reader = threading.Thread(target=read)
    reader.start()
    env = {key: value for key, value in os.environ.items() if key != "CI"}
    subprocess.run([str(ARCHIVER), *arguments], stderr=follower, stdout=subprocess.DEVNULL, env=env, timeout=300)
    os.close(follower)
    reader.join(timeout=10)
    os.close(leader)
    return shown.decode("utf-8", "replace")


def test_the_progress_bar_shows_its_estimate_on_a_terminal_and_not_under_quiet(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for path in SAMPLES.glob("*.json"):
        shutil.copy(path, src / path.name)
    shown = on_a_terminal("build", str(src), "-o", str(tmp_path / "out"), "--to", "bibtex", "--jobs", "1")
    assert "building" in shown and "100%" in shown and "ETA 00:00" in shown, shown
    quiet = on_a_terminal("build", str(src), "-o", str(tmp_path / "again"), "--to", "bibtex", "--jobs", "1", "-q")
    assert "building" not in quiet and "ETA" not in quiet


def test_eta_text_shows_hours():
    from archiver.cli.progress import Eta

    clock = FakeClock()
    eta = Eta(10_001, clock=clock)
    clock.now += 1
    eta.built()
    assert eta.text() == "ETA 2:46:40"  # 10,000 s


# build --check and --thumbnails -------------------------------------------------------------------

CHECKED = {"xml": ["JATS 1.4 Archiving DTD"], "epub": ["EPUB 3.3 structure (OCF container, package)"],
           "pdf": ["PDF/A-3a (page-validation)", "PDF/UA-1 (page-validation)"]}


def samples_folder(tmp_path: Path, names=("CO23081", "CO24017")) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    for name in names:
        shutil.copy(SAMPLES / f"{name}.json", src)
    shutil.copytree(SAMPLES / "images", src / "images")
    return src


def verdicts_in_page(doc) -> dict[str, list[tuple[str, str]]]:
    """Output name -> [(verdict, text)] as report.html shows them."""
    found = {}
    for link in doc.xpath('//table[@class="outputs"]//a'):
        cells = link.xpath("ancestor::tr[1]/td")
        found[link.get("href")] = [(div.get("data-verdict"), div.text_content()) for div in cells[3].xpath("div")]
    return found


@pytest.mark.slow
def test_build_check_gives_each_output_its_verdicts_in_state_report_and_page_with_thumbnails(tmp_path):
    from PIL import Image

    from archiver.buildstate import BuildState

    src, out = samples_folder(tmp_path), tmp_path / "out"
    code, _, stderr = run("build", str(src), "-o", str(out), "--to", "jats,epub,pdf", "--jobs", "2", "--check")
    assert code == 0, stderr
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["checked"] is True
    doc = lxml_html.fromstring((out / "report.html").read_bytes())
    shown = verdicts_in_page(doc)
    state = BuildState(out, "", readonly=True)
    try:
        for record in report["records"]:
            identifier = record["identifier"]
            assert {name.rsplit(".", 1)[1] for name in record["checks"]} == set(CHECKED)
            for name, verdicts in record["checks"].items():
                assert [v["validator"] for v in verdicts] == CHECKED[name.rsplit(".", 1)[1]]
                assert all(v["verdict"] == "pass" and v["count"] == 0 for v in verdicts), verdicts
                assert [verdict for verdict, _ in shown[name]] == ["pass"] * len(verdicts)
                assert all(v["validator"] in text for v, (_, text) in zip(verdicts, shown[name]))
            entry = state.entry_here(record["source"])
            assert entry["records"][identifier]["checks"] == record["checks"]
            # the thumbnail: a PNG of the first page, under OUT, referred to relatively by the page
            assert record["thumbnail"] == f".thumbnails/{identifier}.png"
            with Image.open(out / record["thumbnail"]) as picture:
                assert picture.format == "PNG" and picture.width == 160 and picture.height > 200
            assert doc.xpath(f'//tr[@id="r-{identifier}"]//span[@class="thumb"]/@data-src') == [record["thumbnail"]]
            assert record["thumbnail"] not in record["outputs"]  # not an output: never packaged
    finally:
        state.close()
    summary = {li.text_content().split(" ", 1)[1]: int(li.findtext("b")) for li in doc.xpath('//ul[@class="summary"]/li')}
    assert summary["failed a check"] == 0
    # the same thumbnails, byte for byte, from a build that only asks for them; a rerun is unchanged
    again = tmp_path / "again"
    assert run("build", str(src), "-o", str(again), "--to", "jats,epub,pdf", "--jobs", "2", "--thumbnails")[0] == 0
    for picture in sorted((out / ".thumbnails").iterdir()):
        assert (again / ".thumbnails" / picture.name).read_bytes() == picture.read_bytes()
    code, _, _ = run("build", str(src), "-o", str(out), "--to", "jats,epub,pdf", "--jobs", "2", "--check")
    rerun = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert code == 0 and rerun["counts"]["unchanged"] == 2
    assert [r["checks"] for r in rerun["records"]] == [r["checks"] for r in report["records"]]
    # the page with its pictures in Chromium: the filters still work, and the pictures load
    page = chromium_dom(out / "report.html", "#all", tmp_path / "p1")
    assert len(visible(page)) == 2
    shown = probe(out, "report.html#all", "all", tmp_path / "p2", "--virtual-time-budget=30000")
    assert shown["data-pictures"] == "2" and shown["data-widths"] == "160,160"


def broken_jats(record, context):
    from archiver.writers import jats
    return jats.render(record, context).replace(b"</article>", b"<bogus/></article>")


def broken_pdf(record, context):
    import io

    import pikepdf

    from archiver.writers import pdf
    with pikepdf.open(io.BytesIO(pdf.render(record, context))) as document:
        del document.Root["/OutputIntents"]  # PDF/A wants the output intent
        buffer = io.BytesIO()
        document.save(buffer, deterministic_id=True)
    return buffer.getvalue()


def broken_epub(record, context):
    import io
    import zipfile

    from archiver.writers import epub
    book, buffer = zipfile.ZipFile(io.BytesIO(epub.render(record, context))), io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as rewritten:  # every entry deflated: `mimetype` too
        for info in book.infolist():
            rewritten.writestr(info.filename, book.read(info), compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


@pytest.mark.slow
def test_build_check_fails_broken_outputs_with_w016_and_strict_fails_the_record(tmp_path, monkeypatch):
    import dataclasses

    from archiver.writers import FORMATS

    for name, function in (("jats", "broken_jats"), ("pdf", "broken_pdf"), ("epub", "broken_epub")):
        monkeypatch.setitem(FORMATS, name, dataclasses.replace(FORMATS[name], module=__name__, function=function))
    src, out = samples_folder(tmp_path, ("CO24102",)), tmp_path / "out"
    code, stdout, stderr = run("build", str(src), "-o", str(out), "--to", "jats,epub,pdf", "--jobs", "1", "--check")
    assert code == 0, stderr  # a failed check is a warning
    assert "  failed a check       1\n" in stdout
    record = json.loads((out / "report.json").read_text(encoding="utf-8"))["records"][0]
    verdicts = {name.rsplit(".", 1)[1]: {v["validator"]: v for v in found} for name, found in record["checks"].items()}
    assert verdicts["xml"]["JATS 1.4 Archiving DTD"]["verdict"] == "fail"
    assert any("bogus" in problem for problem in verdicts["xml"]["JATS 1.4 Archiving DTD"]["problems"])
    assert verdicts["pdf"]["PDF/A-3a (page-validation)"]["verdict"] == "fail"
    assert verdicts["epub"]["EPUB 3.3 structure (OCF container, package)"]["problems"] == \
        ["`mimetype` is compressed (it must be stored)"]
    w016 = [w["message"] for w in record["warnings"] if w["code"] == "W016"]
    assert len(w016) == 3 and any("CO24102.pdf fails PDF/A-3a" in message for message in w016)
    doc = lxml_html.fromstring((out / "report.html").read_bytes())
    shown = verdicts_in_page(doc)
    assert shown["CO24102/CO24102.xml"][0][0] == "fail" and "bogus" in shown["CO24102/CO24102.xml"][0][1]
    summary = {li.text_content().split(" ", 1)[1]: int(li.findtext("b")) for li in doc.xpath('//ul[@class="summary"]/li')}
    assert summary["failed a check"] == 1 and summary["with warnings"] == 1
    assert doc.xpath('//details[@open]//div[@data-verdict="fail"]')  # a failed check is not folded away
    strict = tmp_path / "strict"
    code, _, stderr = run("build", str(src), "-o", str(strict), "--to", "jats,epub,pdf", "--jobs", "1", "--check",
                          "--strict")
    assert code == 3 and "W016" in stderr
    assert not list((strict / "CO24102").glob("CO24102.*"))  # a failed record leaves nothing behind
    assert not (strict / ".thumbnails" / "CO24102.png").exists()  # no picture of a PDF that is gone


@pytest.mark.slow
def test_thumbnails_asked_later_rebuild_only_what_lacks_them(tmp_path):
    src, out = samples_folder(tmp_path, ("CO24102",)), tmp_path / "out"

    def counts(*extra):
        code, _, stderr = run("build", str(src), "-o", str(out), "--to", "pdf,bibtex", "--jobs", "1", *extra)
        assert code == 0, stderr
        return json.loads((out / "report.json").read_text(encoding="utf-8"))["counts"]

    assert counts()["built"] == 1 and not (out / ".thumbnails").exists()
    assert counts("--thumbnails")["built"] == 1  # the entry has no thumbnail: made again
    picture = out / ".thumbnails" / "CO24102.png"
    assert picture.is_file()
    assert counts("--thumbnails")["unchanged"] == 1
    assert counts()["unchanged"] == 1  # a run that does not ask for them keeps them
    picture.unlink()
    assert counts("--thumbnails")["built"] == 1 and picture.is_file()


def test_an_output_that_stops_its_validator_fails_it(tmp_path):
    from archiver.buildchecks import check_outputs

    (tmp_path / "X").mkdir()
    (tmp_path / "X" / "X.pdf").write_bytes(b"%PDF-1.7 not really")
    (tmp_path / "X" / "X.epub").write_bytes(b"PK\x03\x04 a torn zip")
    (tmp_path / "X" / "X.xml").write_bytes(b"<article><unclosed></article>")
    checks = check_outputs(tmp_path, {"X/X.pdf": "pdf", "X/X.epub": "epub", "X/X.xml": "jats", "X/X.bib": "bibtex"})
    assert sorted(checks) == ["X/X.epub", "X/X.pdf", "X/X.xml"]  # BibTeX has no validator here
    assert all(v["verdict"] == "fail" and v["count"] >= 1 and v["problems"] for found in checks.values() for v in found)
    assert "not a zip container" in checks["X/X.epub"][0]["problems"][0]
    assert "not well-formed" in checks["X/X.xml"][0]["problems"][0]
