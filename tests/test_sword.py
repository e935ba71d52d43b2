"""`archiver deposit`: the SWORD v2 client end to end against the test server in sword_server.py
(127.0.0.1), including every HTTP failure (exit 8) and the promise that credentials never appear."""

from __future__ import annotations

import base64
import io
import socket
import zipfile

import pytest
from click.testing import CliRunner
from lxml import etree

from archiver.cli import main
from archiver.deposit.sword import METS_DSPACE_SIP, SIMPLE_ZIP, SwordClient, Credentials
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
        methods = [(m, p, h.get("in-progress")) for m, p, h in server.requests]
        assert methods == [("GET", "/sword2/servicedocument", None),
                           ("POST", "/sword2/collection/commentaries", "true"),
                           ("POST", "/sword2/edit/d1", "false"),
                           ("GET", "/sword2/statement/d1", None)]
        completion = server.requests[2][2]
        assert completion.get("content-length") == "0"
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
        posts = [(p, h.get("in-progress"), h.get("content-type")) for m, p, h in server.requests if m == "POST"]
        assert posts[:3] == [("/sword2/collection/commentaries", "true", "application/atom+xml;type=entry"),
                             ("/sword2/edit-media/d1", "true", "application/zip"),
                             ("/sword2/edit/d1", "false", None)]


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


def test_unaccepted_packaging_is_a_clear_415():
    with SwordServer() as server:
        client = SwordClient(server.service_url, Credentials(server.config.user, server.config.password))
        iri = client.choose(client.service_document(), COLLECTION).href
        with pytest.raises(DepositError) as caught:
            client.post_package(iri, b"PK\x05\x06" + b"\0" * 18, "x.zip", "http://example.org/Unknown", True)
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
