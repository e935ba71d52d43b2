"""`archiver deposit` against an independently written SWORD 2.0 server: Software Heritage's
swh-deposit (tests/swh_deposit.py starts it once per session on 127.0.0.1 and stops it after).
Every package kind it accepts (SimpleZip: SAF items, bags, output folders) is deposited, and what
it stored is read back through its own API; then the failures: wrong password, wrong collection,
oversized, the server stopped mid-deposit, each with nothing left behind."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import tarfile
import time
import zipfile

import pytest
from click.testing import CliRunner
from lxml import etree

import swh_deposit
from archiver.cli import main
from archiver.deposit import sword as sword_module
from archiver.deposit.secrets import Credentials
from archiver.deposit.sword import SwordClient
from archiver.deposit.sword_packages import prepare
from archiver.errors import DepositError

IDS = ("CO23081", "CO24017", "CO24102")
DC = "{http://purl.org/dc/terms/}"
SD = "{https://www.softwareheritage.org/schema/2018/deposit}"


@pytest.fixture(scope="module")
def swh():
    reason = swh_deposit.missing()
    if reason:
        pytest.fail(reason)
    started = time.monotonic()
    server = swh_deposit.SwhDeposit().start()
    print(f"\nswh-deposit: database and server up in {time.monotonic() - started:.1f} s")
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def state_dir(tmp_path, monkeypatch):
    folder = tmp_path / "deposit-records"
    monkeypatch.setenv("ARCHIVER_STATE_DIR", str(folder))
    return folder


@pytest.fixture(scope="module")
def packages(converted, tmp_path_factory):
    root = tmp_path_factory.mktemp("swh-packages")
    runner = CliRunner()
    # One item per record and collection: the SAF batch holds two records, the bag the third.
    for fmt, ids, dest in (("saf", IDS[::2], root / "saf"), ("bagit", IDS[1:2], root / "bagit"),
                           ("mets", IDS, root / "mets")):
        result = runner.invoke(main, ["package", *(str(converted / i) for i in ids), "--format", fmt,
                                      "-o", str(dest)])
        assert result.exit_code == 0, result.output
    return root


def run(swh, *args: str, password: str = swh_deposit.PASSWORD):
    result = CliRunner().invoke(main, ["deposit", *args, "--sword", swh.service_url, "--timeout", "60",
                                       "--format", "json"],
                                env={"ARCHIVER_SWORD_USER": swh_deposit.USER, "ARCHIVER_SWORD_PASSWORD": password,
                                     "NETRC": "/nonexistent"})
    for text in (result.output, result.stderr):
        # `sword` is the password and a word of SWORD's own URLs: hidden as a value, kept in URLs.
        assert "password sword" not in text and "Basic YXJjaGl2ZXI6c3dvcmQ=" not in text
    return result


def deposit_id(edit_iri: str) -> str:
    # swh-deposit's Edit-IRI: <base>/1/<collection>/<id>/atom/
    return edit_iri.rstrip("/").split("/")[-2]


def partial(swh) -> list[dict]:
    return [d for d in swh.deposits() if d["status"] == "partial"]


def test_every_simplezip_kind_is_deposited_and_stored_as_sent(swh, packages, converted):
    paths = [packages / "saf" / "saf", packages / "bagit" / "CO24017"]
    result = run(swh, *map(str, paths))
    assert result.exit_code == 0, result.output
    results = json.loads(result.stdout)["results"]
    # An output folder of a record deposited already: --again makes it a new item (for swh-deposit,
    # a new version of the same origin).
    again = run(swh, str(converted / "CO23081"), "--again")
    assert again.exit_code == 0, again.output
    results += json.loads(again.stdout)["results"]
    paths.append(converted / "CO23081")
    assert [r["status"] for r in results] == ["ok"] * 4
    sent = {f"{path} ({p.name})": p for path in paths for p in prepare(path)}
    origins = [d["origin_url"] for d in swh.deposits()]
    assert origins.count(f"{swh_deposit.PROVIDER}CO23081") == 2
    client = SwordClient(swh.service_url, Credentials(swh_deposit.USER, swh_deposit.PASSWORD), timeout=60)
    for entry in results:
        assert entry["deposit"] == "deposited" and entry["states"] == ["deposited"]
        ident = deposit_id(entry["edit_iri"])
        # Its status API (the status IRI of the receipt): complete, under the package's name.
        status = etree.fromstring(client.request("GET", entry["state_iri"]).body)
        assert status.findtext(f"{SD}deposit_status") == "deposited"
        assert status.findtext(f"{SD}deposit_external_id") == sent[entry["source"]].name
        stored = json.loads(swh.private(f"{ident}/meta/"))
        package = sent[entry["source"]]
        # The server's own record: the Slug as its external id, the Atom entry as sent.
        assert stored["origin"]["url"] == f"{swh_deposit.PROVIDER}{package.name}"
        assert stored["raw_metadata"].encode() == package.entry
        title = etree.fromstring(package.entry).findtext(f"{DC}title")
        assert title and title in stored["raw_metadata"]
        # The archive as the server hands it to its loader: every file of the zip, byte for byte.
        with tarfile.open(fileobj=io.BytesIO(swh.private(f"{ident}/raw/"))) as tar:
            held = {m.name.removeprefix("./"): hashlib.sha256(tar.extractfile(m).read()).hexdigest()
                    for m in tar.getmembers() if m.isfile()}
        with zipfile.ZipFile(io.BytesIO(package.data)) as archive:
            expected = {n: hashlib.sha256(archive.read(n)).hexdigest() for n in archive.namelist()
                        if not n.endswith("/")}
        assert held == expected
    assert not partial(swh)


def test_a_rerun_sends_nothing_and_the_server_holds_no_duplicate(swh, converted):
    first = run(swh, str(converted / "CO24102"))
    assert first.exit_code == 0, first.output
    count = len(swh.deposits())
    rerun = run(swh, str(converted / "CO24102"))
    assert rerun.exit_code == 0 and json.loads(rerun.stdout)["results"][0]["deposit"] == "already deposited"
    assert len(swh.deposits()) == count


def test_mets_is_refused_before_sending_as_the_server_takes_only_simplezip(swh, packages):
    count = len(swh.deposits())
    result = run(swh, str(packages / "mets" / "CO24017"))
    assert result.exit_code == 8 and "does not accept http://purl.org/net/sword/package/METSDSpaceSIP" in result.output
    assert len(swh.deposits()) == count


def test_wrong_password_is_a_401_with_nothing_deposited(swh, converted):
    count = len(swh.deposits())
    result = run(swh, str(converted / "CO23081"), password="swordfish")
    assert result.exit_code == 8 and "HTTP 401" in result.output and "Invalid username/password" in result.output
    assert "swordfish" not in result.output and len(swh.deposits()) == count


def test_wrong_collection_is_refused_by_the_client_and_by_the_server(swh, converted):
    count = len(swh.deposits())
    result = run(swh, str(converted / "CO23081"), "--collection", "Theses")
    assert result.exit_code == 8 and "no collection 'Theses'" in result.output
    assert "'archiver Software Collection'" in result.output
    # A collection of another account, posted to directly: the server's 403.
    client = SwordClient(swh.service_url, Credentials(swh_deposit.USER, swh_deposit.PASSWORD), timeout=60)
    client.service_document()
    (package,) = prepare(converted / "CO23081")
    with pytest.raises(DepositError) as caught:
        client.post_entry(f"{swh.base}/1/{swh_deposit.OTHER_COLLECTION}/", package.entry, True, package.name)
    assert "HTTP 403" in str(caught.value) and "cannot access collection other" in str(caught.value)
    assert len(swh.deposits()) == count


def test_oversized_is_the_server_413_with_both_figures_and_nothing_left(swh, converted, tmp_path):
    folder = tmp_path / "CO23081"
    shutil.copytree(converted / "CO23081", folder)
    (folder / "CO23081-data.bin").write_bytes(hashlib.shake_256(b"incompressible").digest(2_500_000))
    result = run(swh, str(folder))
    assert result.exit_code == 8, result.output
    assert "HTTP 413" in result.output and f"maxUploadSize {swh_deposit.MAX_UPLOAD:,}" in result.output
    assert f"servers such as swh-deposit mean {swh_deposit.MAX_UPLOAD:,} bytes" in result.output
    assert "the incomplete deposit was removed" in result.output
    assert not partial(swh)


def test_the_server_stopped_mid_deposit_leaves_a_named_container_that_the_rerun_removes(
        swh, converted, monkeypatch, state_dir):
    real = SwordClient.post_package

    def stop_then_send(self, iri, package, in_progress, create):
        swh.stop_server()  # after the Atom entry made the container, before the package
        return real(self, iri, package, in_progress, create)
    try:
        with monkeypatch.context() as patch:
            patch.setattr(sword_module.SwordClient, "post_package", stop_then_send)
            result = run(swh, str(converted / "CO24017"))
    finally:
        swh.start_server()
    assert result.exit_code == 8 and "cannot reach the server" in result.output, result.output
    (left,) = partial(swh)
    assert f"the incomplete deposit is left at {swh.base}/1/{swh_deposit.COLLECTION}/{left['id']}/atom/" \
        in result.output
    rerun = run(swh, str(converted / "CO24017"))
    assert rerun.exit_code == 0, rerun.output
    assert "removed the incomplete deposit an earlier attempt left" in rerun.output, rerun.output
    assert not partial(swh)
