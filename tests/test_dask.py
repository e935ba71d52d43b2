"""Dask as the engine of `archiver build` (issue 20 point 1): the same outputs as the built-in pool,
byte for byte (with `--check`, the same verdicts, state and thumbnails too); the parent alone keeps
the manifest, so an unchanged rerun on the pool rebuilds nothing, and shards built on Dask and on the
pool make one build; a SIGKILLed Dask build leaves no worker alive and resumes; a lost worker's record
is retried, never failed; a record that kills two workers fails with the reason, and the others are
built, on a local cluster and on a remote scheduler (reached by address or scheduler file) alike; a
worker with another archiver or brand fails every record with the reason. Local clusters of worker
processes stand in for a real cluster."""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from archiver.cli import main
from archiver.writers import FORMATS

pytest.importorskip("distributed")

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples" / "records"


def build(*args: str) -> tuple[int, str, dict]:
    result = CliRunner().invoke(main, ["build", *args], catch_exceptions=False)
    out = Path(args[args.index("-o") + 1])
    report = json.loads((out / "report.json").read_text(encoding="utf-8")) if (out / "report.json").exists() else {}
    return result.exit_code, result.output, report


def digests(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.name.startswith((".", "report"))}


def sources(tmp_path: Path, count: int) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    shutil.copytree(SAMPLES / "images", src / "images")
    samples = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(SAMPLES.glob("*.json"))]
    for index in range(count):
        data = dict(samples[index % len(samples)], identifier=f"CO8{index:05d}")
        (src / f"{data['identifier']}.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return src


@pytest.mark.slow
def test_dask_outputs_equal_the_pools_byte_for_byte_and_the_manifest_is_shared(tmp_path):
    src = sources(tmp_path, 6)
    code, output, report = build(str(src), "-o", str(tmp_path / "dask"), "--scheduler", "local:2", "--style", "rsis")
    assert code == 0, output
    assert report["counts"] == {"built": 6, "unchanged": 0, "failed": 0}
    assert "Dask workers" in output
    code, output, _ = build(str(src), "-o", str(tmp_path / "pool"), "--jobs", "2", "--style", "rsis")
    assert code == 0, output
    dask_files, pool_files = digests(tmp_path / "dask"), digests(tmp_path / "pool")
    assert any(name.endswith(".pdf") for name in dask_files) and any(name.endswith(".epub") for name in dask_files)
    assert dask_files == pool_files
    # the parent wrote the manifest: a rerun on the built-in pool finds everything current
    code, _, report = build(str(src), "-o", str(tmp_path / "dask"), "--jobs", "1", "--style", "rsis")
    assert code == 0 and report["counts"]["unchanged"] == 6


@pytest.fixture
def crashing_format():
    """The stand-in format, registered here for the run (workers register it on importing it) and
    unregistered after, so that no other test's "every format" includes it."""
    from dask_formats import CRASHING

    FORMATS[CRASHING.name] = CRASHING
    yield
    FORMATS.pop(CRASHING.name, None)


@pytest.mark.slow
def test_a_lost_worker_is_retried_and_a_record_that_kills_two_workers_fails(tmp_path, monkeypatch, crashing_format):
    src = sources(tmp_path, 6)
    monkeypatch.setenv("DASK_POISON", "CO800004")
    monkeypatch.setenv("DASK_KILL_ONCE", "CO800001")
    monkeypatch.setenv("DASK_KILL_ONCE_MARKER", str(tmp_path / "killed-once"))
    code, output, report = build(str(src), "-o", str(tmp_path / "out"), "--scheduler", "local:2",
                                 "--to", "crashing")
    assert (tmp_path / "killed-once").exists()  # a worker really died under CO800001
    status = {r["identifier"] or Path(r["source"]).stem: r["status"] for r in report["records"]}
    assert status == {f"CO80000{i}": "failed" if i == 4 else "built" for i in range(6)}, output
    failed = next(r for r in report["records"] if r["status"] == "failed")
    assert "died" in failed["errors"][0]["message"] and code != 0
    assert (tmp_path / "out" / "CO800001" / "CO800001.crashing").read_text() == "CRASHY CO800001\n"


def test_scheduler_options_are_checked(tmp_path):
    src = sources(tmp_path, 1)
    code, output, _ = build(str(src), "-o", str(tmp_path / "a"), "--scheduler", "local:0", "--to", "bibtex")
    assert code == 2 and "local:N" in output
    code, output, _ = build(str(src), "-o", str(tmp_path / "b"), "--scheduler", "local:2", "--jobs", "2",
                            "--to", "bibtex")
    assert code == 2 and "exclude each other" in output
    code, output, _ = build(str(src), "-o", str(tmp_path / "c"), "--scheduler", "tcp://127.0.0.1:9",
                            "--to", "bibtex")
    assert code == 2 and "cannot reach the Dask scheduler" in output
    code, output, _ = build(str(src), "-o", str(tmp_path / "d"), "--scheduler", str(tmp_path / "none.json"),
                            "--to", "bibtex")
    assert code == 2 and "cannot read the scheduler file" in output
    for text, said in (('{"no address": 1}', "/address: the scheduler file names no address"),
                       ("[1, 2]", "not a scheduler file"), ("{", "not a scheduler file")):
        (tmp_path / "bad.json").write_text(text)
        code, output, _ = build(str(src), "-o", str(tmp_path / "e"), "--scheduler", str(tmp_path / "bad.json"),
                                "--to", "bibtex")
        assert code == 2 and said in output and "bad.json" in output, output


def state_records(out: Path) -> dict[str, dict]:
    from archiver.buildstate import BuildState

    state = BuildState(out, "", readonly=True, others=False)
    try:
        return {key: state.entry_here(key)["records"] for key in state.keys()}
    finally:
        state.close()


@pytest.mark.slow
def test_check_on_a_remote_scheduler_gives_the_pools_verdicts_thumbnails_and_bytes(tmp_path):
    """`build --check` through `--scheduler tcp://...` (an in-process LocalCluster's scheduler, as a
    cluster's would be): the verdicts land in the state, report.json and report.html exactly as the
    built-in pool puts them, and every file, thumbnails included, is byte-identical."""
    from distributed import LocalCluster

    src = sources(tmp_path, 2)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        assert cluster.scheduler_address.startswith("tcp://")
        code, output, dask_report = build(str(src), "-o", str(tmp_path / "dask"), "--to", "jats,epub,pdf", "--check",
                                          "--scheduler", cluster.scheduler_address)
    assert code == 0, output
    code, output, pool_report = build(str(src), "-o", str(tmp_path / "pool"), "--to", "jats,epub,pdf", "--check",
                                      "--jobs", "2")
    assert code == 0, output
    assert dask_report["checked"] is True and len(dask_report["records"]) == 2
    for record in dask_report["records"]:
        assert sorted(name.rsplit(".", 1)[1] for name in record["checks"]) == ["epub", "pdf", "xml"]
        assert all(v["verdict"] == "pass" for found in record["checks"].values() for v in found), record["checks"]
        assert record["thumbnail"] == f".thumbnails/{record['identifier']}.png"
    assert (tmp_path / "dask" / "report.json").read_bytes() == (tmp_path / "pool" / "report.json").read_bytes()
    assert state_records(tmp_path / "dask") == state_records(tmp_path / "pool")
    pages = [(tmp_path / name / "report.html").read_text(encoding="utf-8").replace(str(tmp_path / name), "OUT")
             for name in ("dask", "pool")]
    assert pages[0] == pages[1] and pages[0].count('data-verdict="pass"') == 8
    dask_files, pool_files = digests(tmp_path / "dask"), digests(tmp_path / "pool")
    assert sum(name.startswith(".thumbnails/") for name in dask_files) == 2
    assert dask_files == pool_files


@pytest.mark.slow
def test_shards_on_dask_and_on_the_pool_make_one_build(tmp_path):
    import socket
    import warnings

    src = sources(tmp_path, 8)
    out = tmp_path / "out"
    taken = socket.socket()
    with contextlib.suppress(OSError):  # another cluster's port 8787 (if no one else holds it already)
        taken.bind(("", 8787))
        taken.listen()
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        code, output, _ = build(str(src), "-o", str(out), "--to", "bibtex", "--shard", "1/2", "--scheduler", "local:1")
    taken.close()
    assert code == 0, output
    assert not [w for w in said if "already in use" in str(w.message)], "a warning a nightly job would mail"
    assert (out / ".archiver-state-1-of-2.sqlite").is_file() and not (out / "report.json").exists()
    first = json.loads((out / "report-1-of-2.json").read_text(encoding="utf-8"))
    result = CliRunner().invoke(main, ["build", str(src), "-o", str(out), "--to", "bibtex", "--shard", "2/2",
                                       "--jobs", "1"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    second = json.loads((out / "report-2-of-2.json").read_text(encoding="utf-8"))
    assert first["counts"]["built"] + second["counts"]["built"] == 8 and 0 < first["counts"]["built"] < 8
    code, _, merged = build(str(src), "-o", str(out), "--to", "bibtex", "--jobs", "1")
    assert code == 0 and merged["counts"] == {"built": 0, "unchanged": 8, "failed": 0}
    code, _, _ = build(str(src), "-o", str(tmp_path / "pool"), "--to", "bibtex", "--jobs", "1")
    assert digests(out) == digests(tmp_path / "pool")


# guarded: the cluster's worker processes are spawned, and import the main module again
DRIVER = """\
import sys
sys.path.insert(0, {tests!r})
from archiver.writers import FORMATS
from test_build import FAKE
FORMATS["fake"] = FAKE
if __name__ == "__main__":
    from archiver.cli import main
    main(["build", *sys.argv[1:]], prog_name="archiver")
"""


@pytest.mark.slow
def test_a_sigkilled_dask_build_leaves_its_workers_dead_claims_only_complete_files_and_resumes(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    from test_build import make_records

    src, out = tmp_path / "src", tmp_path / "out"
    identifiers = make_records(src, 30)
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER.format(tests=str(Path(__file__).parent)), encoding="utf-8")
    env = {**os.environ, "FAKE_DELAY": "0.3", "PYTHONPATH": str(ROOT)}
    env.pop("FAKE_LOG", None)
    proc = subprocess.Popen([sys.executable, str(driver), str(src), "-o", str(out), "--to", "fake",
                             "--scheduler", "local:2"], cwd=ROOT, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(state_records(out) if (out / ".archiver-state.sqlite").exists() else {}) < 2:
        time.sleep(0.05)
    group = [int(pid) for pid in os.popen(f"pgrep -g {proc.pid}").read().split()]
    assert len(group) >= 3, group  # the build and at least its two worker processes
    proc.kill()  # the parent only: the cluster's worker processes must not outlive it
    proc.wait()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() for pid in group if pid != proc.pid):
        time.sleep(0.2)
    alive = [pid for pid in group if pid != proc.pid and Path(f"/proc/{pid}").exists()
             and "zombie" not in Path(f"/proc/{pid}/status").read_text()]
    if alive:
        os.killpg(proc.pid, signal.SIGKILL)
    assert alive == [], "Dask worker processes outlived the killed build"
    claimed = {}
    for records in state_records(out).values():
        for identifier, record in records.items():
            for name, digest in record["outputs"].items():
                assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest, f"claims an incomplete {name}"
            claimed[identifier] = record
    assert 0 < len(claimed) < 30, "killed mid-run"
    env.pop("FAKE_DELAY")
    rerun = subprocess.run([sys.executable, str(driver), str(src), "-o", str(out), "--to", "fake", "--jobs", "2"],
                           cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert {r["identifier"]: r["status"] for r in report["records"]} == \
        {i: "unchanged" if i in claimed else "built" for i in identifiers}
    assert not list(out.rglob("*.part"))


@pytest.mark.parametrize("version, style_sha256, said", [
    ("0.0.0-elsewhere", None, "this Dask worker runs archiver 0.0.0-elsewhere"),
    (None, "0" * 64, "this Dask worker's style 'default' differs from the build's"),
])
def test_a_worker_with_another_archiver_or_brand_fails_every_record_with_the_reason(
        tmp_path, monkeypatch, version, style_sha256, said):
    """The worker plugin's set-up, in this process (as a worker runs it): a worker whose archiver or
    brand is not the build's builds nothing, and says why on every record."""
    import dataclasses

    from archiver import __version__, batch, buildworker
    from archiver.daskengine import BuildSetup
    from archiver.writers import resolve

    for name in ("_settings", "_style", "_broken_format"):  # the worker's globals, restored after
        monkeypatch.setattr(buildworker, name, getattr(buildworker, name))
    src = sources(tmp_path, 1)
    plan = batch.plan(batch.discover([str(src)], tmp_path / "out"), tmp_path / "out", resolve("bibtex"), "default",
                      strict=False, write=lambda path, data: None)
    BuildSetup(plan.settings, __version__).setup()
    assert buildworker.build_source(plan.todo[0])[1][0].status == "built"  # the same archiver and brand
    if version:  # the worker runs another archiver than the parent that sent the plugin
        monkeypatch.setattr("archiver.daskengine.__version__", version)
    settings = dataclasses.replace(plan.settings, style_sha256=style_sha256) if style_sha256 else plan.settings
    monkeypatch.setattr(buildworker, "_style", None)  # a fresh worker process
    BuildSetup(settings, __version__).setup()
    fingerprint, outcomes, entries = buildworker.build_source(plan.todo[0])
    assert fingerprint is None and entries == {} and outcomes[0].status == "failed"
    error = outcomes[0].errors[0]
    assert said in error["message"] and "same archiver version and styles on every worker" in error["hint"]


@pytest.mark.slow
def test_on_a_remote_scheduler_a_poison_record_fails_after_two_worker_deaths(tmp_path, monkeypatch, crashing_format):
    """A scheduler with Dask's default allowed-failures (3) would let a poison record kill four
    workers, and archiver's retry four more: the build sets it to 0 for the run, and gives it back."""
    from distributed import Client, LocalCluster

    src = sources(tmp_path, 4)
    monkeypatch.setenv("DASK_POISON", "CO800002")
    monkeypatch.setenv("DASK_DEATHS", str(tmp_path / "deaths"))
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        # reached through a scheduler file, as a Slurm job shares the address
        (tmp_path / "scheduler.json").write_text(json.dumps({"address": cluster.scheduler_address}))
        code, output, report = build(str(src), "-o", str(tmp_path / "out"), "--to", "crashing",
                                     "--scheduler", str(tmp_path / "scheduler.json"))
        with Client(cluster) as client:
            assert client.run_on_scheduler(lambda dask_scheduler: dask_scheduler.allowed_failures) == 3
    assert len((tmp_path / "deaths").read_text().split()) == 2
    status = {r["identifier"] or Path(r["source"]).stem: r["status"] for r in report["records"]}
    assert status == {f"CO80000{i}": "failed" if i == 2 else "built" for i in range(4)}, output
    failed = next(r for r in report["records"] if r["status"] == "failed")
    assert "died twice" in failed["errors"][0]["message"] and code == 1


@pytest.mark.slow
def test_the_engine_gives_work_to_workers_that_join_after_the_start(tmp_path, monkeypatch, crashing_format):
    """A window made for fewer workers than the cluster has by now (Slurm jobs that left the queue
    after the build started) is widened: the sources run side by side on all of them."""
    from distributed import LocalCluster

    from archiver import batch, daskengine
    from archiver.cli.common import write_unsynced
    from archiver.writers import resolve

    monkeypatch.setattr(daskengine, "WORKERS_CHECK_INTERVAL", 0.0)
    monkeypatch.setenv("DASK_RENDERS", str(tmp_path / "renders"))
    monkeypatch.setenv("DASK_SLEEP", "1.5")
    src, out = sources(tmp_path, 6), tmp_path / "out"
    plan = batch.plan(batch.discover([str(src)], out), out, resolve("crashing"), "default", strict=False,
                      write=write_unsynced)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster, \
            daskengine.DaskEngine(cluster.scheduler_address) as engine:
        engine.start(plan.settings)
        results = list(engine(plan.settings, list(reversed(plan.todo)), 1, 1))  # planned for one at a time
    assert len(results) == 6 and all(outcomes[0].status == "built" for _, (_, outcomes, _) in results)
    runs = sorted((float(start), float(end), pid) for pid, start, end in
                  (line.split() for line in (tmp_path / "renders").read_text().splitlines()))
    side_by_side = sum(1 for (_, end, _), (start, _, _) in zip(runs, runs[1:]) if start < end)
    assert len({pid for _, _, pid in runs}) == 2 and side_by_side >= 2, runs
