"""`archiver deposit`: the SWORD v2 client end to end against the test server in sword_server.py
(127.0.0.1): the profile's IRIs and headers, clean-up of a failed deposit, deposit records, every
HTTP failure (exit 8), and the promise that credentials never appear. The hostile answers of issue
19 (deadlines, bounds, redaction) are in test_sword_hostile.py; the real server in
test_sword_swh.py."""

from __future__ import annotations

import base64
import json
import io
import socket
import zipfile

import pytest
from click.testing import CliRunner
from lxml import etree

from archiver.cli import main
from archiver.deposit.secrets import Credentials
from archiver.deposit.sword import SwordClient
from archiver.deposit import deposit_records
from archiver.deposit.sword_packages import METS_DSPACE_SIP, SIMPLE_ZIP, Package
from archiver.errors import DepositError
from sword_server import ServerConfig, SwordServer

IDS = ("CO23081", "CO24017", "CO24102")
COLLECTION = "RSIS Commentaries"


@pytest.fixture(scope="module")
def packages(converted, tmp_path_factory):
    root = tmp_path_factory.mktemp("packages")
    runner = CliRunner()
    for fmt, dest in (("mets", root / "mets"), ("saf", root / "saf")):
        result = runner.invoke(main, ["package", *(str(converted / i) for i in IDS), "--format", fmt,
                                      "-o", str(dest)], env={"SOURCE_DATE_EPOCH": "1700000000"})
        assert result.exit_code == 0, result.output
    return root


@pytest.fixture(autouse=True)
def state_dir(tmp_path, monkeypatch):
    """Deposit records go to a fresh folder per test, never to the user's own state folder."""
    folder = tmp_path / "deposit-records"
    monkeypatch.setenv("ARCHIVER_STATE_DIR", str(folder))
    return folder


def deposit(server: SwordServer, *args: str, user=None, password=None, extra_env=None, url=None):
    env = {"ARCHIVER_SWORD_USER": server.config.user if user is None else user,
           "ARCHIVER_SWORD_PASSWORD": server.config.password if password is None else password,
           "NETRC": "/nonexistent", **(extra_env or {})}
    result = CliRunner().invoke(main, ["deposit", *args, "--sword", url or server.service_url, "--timeout", "10"],
                                env=env)
    secret = server.config.password
    token = base64.b64encode(f"{server.config.user}:{secret}".encode()).decode()
    for text in (result.output, str(result.exception or "")):
        assert secret not in text and token not in text, "credentials leaked into the output"
    return result


def test_mets_package_deposit_end_to_end(packages):
    with SwordServer() as server:
        result = deposit(server, str(packages / "mets" / "CO24017"), "--collection", COLLECTION)
        assert result.exit_code == 0, result.output
        (dep,) = server.deposits.values()
        assert dep.collection == "commentaries" and dep.completed and not dep.in_progress
        (filename, packaging, data) = dep.packages[0]
        assert (filename, packaging) == ("CO24017.zip", METS_DSPACE_SIP)
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        assert "mets.xml" in names and "images/CO24017-fig1.png" in names
        # One binary deposit, complete at once (profile 6.3.1): nothing to clean up if it fails.
        methods = [(m, p, h.get("in-progress")) for m, p, h in server.requests]
        assert methods == [("GET", "/sword2/servicedocument", None),
                           ("POST", "/sword2/collection/commentaries", "false"),
                           ("GET", "/sword2/statement/d1.atom", None)]
        upload = server.requests[1][2]
        assert upload["packaging"] == METS_DSPACE_SIP and upload["slug"] == "CO24017"
        assert upload["content-disposition"] == "attachment; filename=CO24017.zip"
        assert "Edit-IRI http://127.0.0.1" in result.output and "state archived" in result.output


def test_saf_batch_deposits_each_item_with_atom_metadata_then_its_zip(packages):
    with SwordServer() as server:
        result = deposit(server, str(packages / "saf" / "saf"), "--collection", COLLECTION)
        assert result.exit_code == 0, result.output
        assert len(server.deposits) == 3 and all(d.completed for d in server.deposits.values())
        dep = next(d for d in server.deposits.values() if b"CO24017" in d.entry)
        entry = etree.fromstring(dep.entry)
        dc = "{http://purl.org/dc/terms/}"
        assert entry.findtext(f"{dc}title") == "Water, Trade and Trust: Why the Mekong Needs a Data Compact"
        assert [e.text for e in entry.iter(f"{dc}creator")] == ["Öztürk, Şahin", "Nguyễn, Thị Minh"]
        assert entry.findtext(f"{dc}issued") == "2024-02-05"
        (filename, packaging, data) = dep.packages[0]
        assert packaging == SIMPLE_ZIP
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        assert "CO24017.pdf" in names and not names & {"contents", "dublin_core.xml", "metadata_dcterms.xml"}
        posts = [(p, h.get("in-progress"), h.get("content-type"), h.get("content-length"))
                 for m, p, h in server.requests if m == "POST"]
        assert posts[:3] == [("/sword2/collection/commentaries", "true", "application/atom+xml;type=entry",
                              str(len(server.deposits["d1"].entry))),
                             ("/sword2/edit-media/d1", "true", "application/zip",
                              str(len(server.deposits["d1"].packages[0][2]))),
                             ("/sword2/se/d1", "false", None, "0")]


def test_an_output_folder_deposits_as_simple_zip_and_content_md5_is_sent(converted):
    import hashlib
    with SwordServer() as server:
        result = deposit(server, str(converted / "CO23081"), "--collection", COLLECTION)
        assert result.exit_code == 0, result.output
        upload = next(h for m, p, h in server.requests if p.startswith("/sword2/edit-media/"))
        (dep,) = server.deposits.values()
        assert upload["content-md5"] == hashlib.md5(dep.packages[0][2]).hexdigest()
        assert upload["packaging"] == SIMPLE_ZIP
        assert upload["content-disposition"] == "attachment; filename=CO23081.zip"


def test_credentials_from_netrc(packages, tmp_path):
    with SwordServer() as server:
        netrc = tmp_path / "netrc"
        netrc.write_text(f"machine 127.0.0.1 login {server.config.user} password {server.config.password}\n")
        netrc.chmod(0o600)
        env = {"ARCHIVER_SWORD_USER": None, "ARCHIVER_SWORD_PASSWORD": None, "NETRC": str(netrc)}
        result = CliRunner().invoke(main, ["deposit", str(packages / "mets" / "CO23081"), "--sword",
                                           server.service_url, "--collection", COLLECTION], env=env)
        assert result.exit_code == 0, result.output
        assert server.config.password not in result.output


def test_wrong_password_is_a_clear_401(packages):
    with SwordServer() as server:
        result = deposit(server, str(packages / "mets" / "CO24017"), password="wrong-guess-123")
        assert result.exit_code == 8
        assert "HTTP 401" in result.output and "ARCHIVER_SWORD_USER" in result.output
        assert "wrong-guess-123" not in result.output and not server.deposits


def test_no_credentials_at_all_is_a_401(packages):
    with SwordServer() as server:
        result = CliRunner().invoke(main, ["deposit", str(packages / "mets" / "CO24017"), "--sword",
                                           server.service_url], env={"ARCHIVER_SWORD_USER": None,
                                                                     "ARCHIVER_SWORD_PASSWORD": None,
                                                                     "NETRC": "/nonexistent"})
        assert result.exit_code == 8 and "HTTP 401" in result.output
        assert "authorization" not in server.requests[0][2]


def test_wrong_collection_names_the_ones_offered(packages):
    with SwordServer() as server:
        result = deposit(server, str(packages / "mets" / "CO24017"), "--collection", "Theses")
        assert result.exit_code == 8
        assert "no collection 'Theses'" in result.output and "'RSIS Commentaries'" in result.output
        assert [m for m, *_ in server.requests] == ["GET"]


def test_several_collections_need_a_choice(packages):
    with SwordServer() as server:
        result = deposit(server, str(packages / "mets" / "CO24017"))
        assert result.exit_code == 8 and "--collection" in result.output


def test_forbidden_collection_is_a_clear_403(packages):
    with SwordServer() as server:
        result = deposit(server, str(packages / "mets" / "CO24017"), "--collection", "Restricted Theses")
        assert result.exit_code == 8
        assert "HTTP 403" in result.output and "TargetOwnerUnknown" in result.output


def test_damaged_upload_is_a_clear_412(packages):
    with SwordServer(ServerConfig(damage_uploads=True)) as server:
        result = deposit(server, str(packages / "mets" / "CO24017"), "--collection", COLLECTION)
        assert result.exit_code == 8
        assert "HTTP 412" in result.output and "ErrorChecksumMismatch" in result.output
        assert not server.deposits


def test_too_large_is_a_clear_413(packages):
    with SwordServer(ServerConfig(max_upload=1000)) as server:
        result = deposit(server, str(packages / "mets" / "CO24017"), "--collection", COLLECTION)
        assert result.exit_code == 8
        assert "HTTP 413" in result.output and "MaxUploadSizeExceeded" in result.output


def test_advertised_max_upload_size_is_checked_before_sending(packages):
    with SwordServer(ServerConfig(advertise_max_kb=1)) as server:
        result = deposit(server, str(packages / "mets" / "CO24017"), "--collection", COLLECTION)
        assert result.exit_code == 8 and "maxUploadSize of 1 kB" in result.output
        assert [m for m, *_ in server.requests] == ["GET"]


def test_max_upload_size_is_read_as_kb_and_the_413_names_both_figures(packages):
    """The profile says kB; real servers advertise bytes, so 2000 'kB' lets a 1.5 MB package through
    the check and the server's 413 (it means 2000 bytes) is the real answer, with both figures."""
    with SwordServer(ServerConfig(advertise_max_kb=2000, max_upload=2000)) as server:
        result = deposit(server, str(packages / "mets" / "CO24017"), "--collection", COLLECTION)
        assert result.exit_code == 8, result.output
        size = len(server.requests[1][2]) and int(server.requests[1][2]["content-length"])
        assert "HTTP 413" in result.output and f"the package is {size:,} bytes" in result.output
        assert "maxUploadSize 2,000" in result.output and "2,048,000 bytes" in result.output
        assert not server.deposits


def test_unaccepted_packaging_is_a_clear_415():
    with SwordServer() as server:
        client = SwordClient(server.service_url, Credentials(server.config.user, server.config.password))
        iri = client.choose(client.service_document(), COLLECTION).href
        with pytest.raises(DepositError) as caught:
            client.post_package(iri, Package("x", b"PK\x05\x06" + b"\0" * 18, "x.zip", "http://example.org/Unknown",
                                             None), in_progress=False, create=True)
        assert caught.value.exit_code == 8
        assert "HTTP 415" in str(caught.value) and "ErrorContent" in str(caught.value)


def test_bad_request_is_a_clear_400():
    with SwordServer() as server:
        client = SwordClient(server.service_url, Credentials(server.config.user, server.config.password))
        with pytest.raises(DepositError) as caught:
            client.request("POST", f"{server.base}/sword2/collection/commentaries", b"x",
                           {"Content-Type": "application/zip"})
        assert "HTTP 400" in str(caught.value) and "In-Progress" in str(caught.value)


def test_server_down_is_a_clear_error(packages):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = CliRunner().invoke(main, ["deposit", str(packages / "mets" / "CO24017"), "--sword",
                                       f"http://127.0.0.1:{port}/sword2/servicedocument"],
                                env={"ARCHIVER_SWORD_USER": "u", "ARCHIVER_SWORD_PASSWORD": "secret-pw-9"})
    assert result.exit_code == 8
    assert "cannot reach the server" in result.output and "refused" in result.output.lower()
    assert "secret-pw-9" not in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/sd", "127.0.0.1/sd"])
def test_non_http_schemes_are_refused(packages, url):
    result = CliRunner().invoke(main, ["deposit", str(packages / "mets" / "CO24017"), "--sword", url])
    assert result.exit_code == 8 and "refusing" in result.output


def test_credentials_in_the_url_are_refused(packages):
    result = CliRunner().invoke(main, ["deposit", str(packages / "mets" / "CO24017"), "--sword",
                                       "http://user:hunter2-pw@127.0.0.1:9/sd"])
    assert result.exit_code == 8 and "hunter2-pw" not in result.output


def test_a_server_echoing_credentials_is_redacted(packages):
    with SwordServer(ServerConfig(echo_credentials=True)) as server:
        result = deposit(server, str(packages / "mets" / "CO24017"), "--collection", "Restricted Theses")
        assert result.exit_code == 8 and "***" in result.output


def test_links_to_another_host_are_refused(packages):
    with SwordServer(ServerConfig(foreign_links=True)) as server:
        result = deposit(server, str(packages / "mets" / "CO24017"), "--collection", COLLECTION)
        assert result.exit_code == 8 and "another site" in result.output
        assert all(p.startswith("/sword2/") for _m, p, _h in server.requests)


def test_a_batch_keeps_going_and_exits_8_at_the_end(packages, tmp_path):
    broken = tmp_path / "CO99999"
    broken.mkdir()
    with SwordServer() as server:
        result = deposit(server, str(broken), str(packages / "mets" / "CO24017"), "--collection", COLLECTION)
        assert result.exit_code == 8
        assert "holds no record CO99999.json" in result.output
        assert len(server.deposits) == 1 and "1 ok, 1 failed" in result.output


# The profile's IRIs, whatever the server's link order -------------------------------------------

@pytest.mark.parametrize("media_first", [False, True], ids=["feed-link-first", "media-link-first"])
def test_em_iri_is_the_edit_media_link_without_a_feed_type_in_either_order(converted, media_first):
    with SwordServer(ServerConfig(media_first=media_first)) as server:
        result = deposit(server, str(converted / "CO23081"), "--collection", COLLECTION)
        assert result.exit_code == 0, result.output
        paths = [p for m, p, _h in server.requests if m == "POST"]
        assert paths == ["/sword2/collection/commentaries", "/sword2/edit-media/d1", "/sword2/se/d1"]
        assert server.deposits["d1"].completed


def test_completion_is_an_empty_post_to_the_se_iri_not_the_edit_iri(converted):
    with SwordServer() as server:
        assert deposit(server, str(converted / "CO23081"), "--collection", COLLECTION).exit_code == 0
        (completion,) = [h for m, p, h in server.requests if p == "/sword2/se/d1"]
        assert completion["in-progress"] == "false" and completion["content-length"] == "0"
        assert "content-type" not in completion
        assert not any(p.startswith("/sword2/edit/") for m, p, _h in server.requests if m == "POST")


def test_state_comes_from_the_status_iri_when_there_is_no_statement(converted):
    with SwordServer(ServerConfig(statement=False)) as server:
        result = deposit(server, str(converted / "CO23081"), "--collection", COLLECTION)
        assert result.exit_code == 0, result.output
        assert "state deposited" in result.output
        assert ("GET", "/sword2/status/d1") in [(m, p) for m, p, _h in server.requests]


def test_on_behalf_of_is_sent_on_every_request_of_a_mediated_deposit(converted):
    with SwordServer(ServerConfig(mediation=True)) as server:
        result = deposit(server, str(converted / "CO23081"), "--collection", COLLECTION, "--on-behalf-of", "jbloggs")
        assert result.exit_code == 0, result.output
        deposit_requests = server.requests[1:]
        assert deposit_requests and all(h.get("on-behalf-of") == "jbloggs" for _m, _p, h in deposit_requests)


def test_on_behalf_of_is_refused_before_sending_where_mediation_is_off(converted):
    with SwordServer() as server:
        result = deposit(server, str(converted / "CO23081"), "--collection", COLLECTION, "--on-behalf-of", "jbloggs")
        assert result.exit_code == 8 and "mediated" in result.output
        assert [m for m, *_ in server.requests] == ["GET"]


# A failed multi-step deposit cleans up after itself (profile 6.8) -------------------------------

@pytest.mark.parametrize("step", ["edit-media", "se"])
def test_a_deposit_failing_half_way_deletes_its_container(converted, step, state_dir):
    with SwordServer(ServerConfig(fail=step)) as server:
        result = deposit(server, str(converted / "CO23081"), "--collection", COLLECTION)
        assert result.exit_code == 8 and "HTTP 500" in result.output
        assert "the incomplete deposit was removed (DELETE" in result.output
        assert not server.deposits and server.deleted == ["d1"]
        assert ("DELETE", "/sword2/edit/d1") in [(m, p) for m, p, _h in server.requests]
        assert not list(state_dir.glob("*.json")) if state_dir.exists() else True


def test_a_container_the_server_will_not_delete_is_named_and_recorded(converted, state_dir):
    with SwordServer(ServerConfig(fail="se", refuse_delete=True)) as server:
        result = deposit(server, str(converted / "CO23081"), "--collection", COLLECTION)
        assert result.exit_code == 8
        assert f"the incomplete deposit is left at {server.base}/sword2/edit/d1" in result.output
        assert "ask the repository manager to delete it" in result.output
        (record,) = state_dir.glob("*.json")
        assert json.loads(record.read_text())["status"] == deposit_records.LEFT_INCOMPLETE
        server.config.fail = None
        rerun = deposit(server, str(converted / "CO23081"), "--collection", COLLECTION)
        assert rerun.exit_code == 0, rerun.output
        assert "could not be removed" in rerun.output and "ask the repository manager" in rerun.output
        assert json.loads(record.read_text())["status"] == deposit_records.DEPOSITED


# Deposit records: no duplicate on a rerun ------------------------------------------------------

def test_a_rerun_says_already_deposited_and_sends_nothing(packages, state_dir):
    with SwordServer() as server:
        first = deposit(server, str(packages / "saf" / "saf"), "--collection", COLLECTION)
        assert first.exit_code == 0, first.output
        records = sorted(state_dir.glob("*.json"))
        assert len(records) == 3
        entry = json.loads(records[0].read_text())
        assert entry["status"] == "deposited" and entry["collection_iri"].endswith("/collection/commentaries")
        assert entry["edit_iri"].startswith(server.base + "/sword2/edit/") and entry["states"] == ["archived"]
        before = len(server.requests)
        rerun = deposit(server, str(packages / "saf" / "saf"), "--collection", COLLECTION)
        assert rerun.exit_code == 0, rerun.output
        assert rerun.output.count("already deposited") == 3 and "W017" not in rerun.output
        assert [m for m, *_ in server.requests[before:]] == ["GET"] and len(server.deposits) == 3
        again = deposit(server, str(packages / "saf" / "saf"), "--collection", COLLECTION, "--again")
        assert again.exit_code == 0 and len(server.deposits) == 6


def test_a_changed_package_is_not_sent_again_but_warned_about(converted, tmp_path):
    import shutil
    folder = tmp_path / "CO23081"
    shutil.copytree(converted / "CO23081", folder)
    with SwordServer() as server:
        assert deposit(server, str(folder), "--collection", COLLECTION).exit_code == 0
        (folder / "CO23081.txt").write_text("a corrected text\n")
        rerun = deposit(server, str(folder), "--collection", COLLECTION)
        assert rerun.exit_code == 0 and "W017" in rerun.output and len(server.deposits) == 1
        strict = deposit(server, str(folder), "--collection", COLLECTION, "--format", "json")
        assert json.loads(strict.stdout)["results"][0]["warnings"][0]["code"] == "W017"


def test_the_same_package_into_another_collection_is_a_new_deposit(packages):
    with SwordServer(ServerConfig(collections={"a": ("A", True), "b": ("B", True)})) as server:
        assert deposit(server, str(packages / "mets" / "CO24017"), "--collection", "A").exit_code == 0
        assert deposit(server, str(packages / "mets" / "CO24017"), "--collection", "B").exit_code == 0
        assert sorted(d.collection for d in server.deposits.values()) == ["a", "b"]


def test_an_unwritable_state_folder_is_a_usage_error_before_anything_is_sent(packages, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the state folder should be\n")
    with SwordServer() as server:
        result = deposit(server, str(packages / "mets" / "CO24017"), "--collection", COLLECTION,
                         "--state", str(blocker / "records"))
        assert result.exit_code == 2 and "cannot write deposit records to" in result.output
        assert "--state" in result.output and not server.requests


def test_a_garbled_receipt_after_creation_still_removes_the_container(converted):
    with SwordServer(ServerConfig(garbled_receipt=True)) as server:
        result = deposit(server, str(converted / "CO23081"), "--collection", COLLECTION)
        assert result.exit_code == 8 and "malformed deposit receipt" in result.output
        assert "the incomplete deposit was removed (DELETE" in result.output
        assert not server.deposits and server.deleted == ["d1"]


def test_a_garbled_receipt_for_a_one_step_deposit_names_where_the_item_may_be(packages):
    with SwordServer(ServerConfig(garbled_receipt=True)) as server:
        result = deposit(server, str(packages / "mets" / "CO24017"), "--collection", COLLECTION)
        assert result.exit_code == 8 and "malformed deposit receipt" in result.output
        assert f"may have made the item all the same, at {server.base}/sword2/edit/d1" in result.output


def test_a_statement_that_cannot_be_read_leaves_the_deposit_made_and_says_why(converted):
    with SwordServer(ServerConfig(broken_statement=True)) as server:
        result = deposit(server, str(converted / "CO23081"), "--collection", COLLECTION, "--format", "json")
        assert result.exit_code == 0, result.output
        (entry,) = json.loads(result.stdout)["results"]
        assert entry["deposit"] == "deposited" and server.deposits["d1"].completed
        assert "HTTP 500" in entry["state_error"] and entry["states"] == []
        assert [s.split(" to ")[0] for s in entry["steps"]] == ["POST metadata", "POST package",
                                                                "POST In-Progress: false"]
        text = deposit(server, str(converted / "CO23081"), "--collection", COLLECTION, "--again")
        assert "state unknown (GET " in text.output and "HTTP 500" in text.output
