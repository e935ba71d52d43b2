"""`archiver deposit` against hostile servers (issue 19): one deadline for the whole request, bounded
answers, malformed HTTP as a clean exit 8, a bad --timeout as a usage error, and secrets redacted
from everything a server sends back, by value and in their URL-encoded, base64 and folded forms,
never as part of another word."""

from __future__ import annotations

import base64
import re
import time
import urllib.parse

import pytest
from click.testing import CliRunner

from archiver.cli import main
from archiver.deposit.secrets import Credentials, Redactor
from sword_server import ScriptedServer, ServerConfig, SwordServer

SERVICE = "/sword/servicedocument"


@pytest.fixture(autouse=True)
def state_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("ARCHIVER_STATE_DIR", str(tmp_path / "deposit-records"))


def run(url: str, *args: str, password: str = "sword", user: str = "depositor"):
    return CliRunner().invoke(main, ["deposit", *args, "--sword", url],
                              env={"ARCHIVER_SWORD_USER": user, "ARCHIVER_SWORD_PASSWORD": password,
                                   "NETRC": "/nonexistent"})


def service_document(base: str, titles=("RSIS Commentaries",)) -> bytes:
    collections = "".join(f'<collection href="{base}/sword/collection/{i}"><atom:title>{t}</atom:title>'
                          "<accept>application/zip</accept></collection>" for i, t in enumerate(titles))
    return (f'<?xml version="1.0"?><service xmlns="http://www.w3.org/2007/app" '
            f'xmlns:atom="http://www.w3.org/2005/Atom" xmlns:sword="http://purl.org/net/sword/terms/">'
            f"<sword:version>2.0</sword:version><workspace>{collections}</workspace></service>").encode()


def answer(conn, status: str, body: bytes, content_type="application/xml", extra: str = "") -> None:
    conn.sendall(f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
                 f"Connection: close\r\n{extra}\r\n".encode("latin-1") + body)


def words_outside_public_urls(text: str, secret: str, public_prefixes: tuple[str, ...]) -> list[str]:
    """Occurrences of `secret` as a whole word, once the URLs it is allowed in are taken out."""
    text = text.replace("error: --sword:", "error:")  # the option's own name
    for prefix in public_prefixes:
        text = re.sub(re.escape(prefix) + r"[^\s'\"]*", " ", text)
    return re.findall(rf"(?<!\w){re.escape(secret)}(?!\w)", text)


# --timeout ------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["-1", "0", "nan", "inf", "-inf", "soon"])
def test_a_timeout_that_is_not_a_positive_number_is_a_usage_error(packages_dir, value):
    result = CliRunner().invoke(main, ["deposit", str(packages_dir), "--sword", "http://127.0.0.1:9/sd",
                                       "--timeout", value])
    assert result.exit_code == 2 and "--timeout" in result.output and "Traceback" not in result.output


@pytest.fixture(scope="module")
def packages_dir(converted):
    return converted / "CO23081"


# One deadline for the whole request ----------------------------------------------------------

def slow(where: str):
    def reply(conn, _head, stopped):
        body = service_document("http://127.0.0.1")
        head = f"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: {len(body)}\r\n\r\n".encode()
        data = (head + body) if where == "headers" else head + body[:1]
        start = 0 if where == "headers" else len(data)
        if where == "body":
            conn.sendall(data)
            data = body[1:]
            start = 0
        for i in range(start, len(data)):
            if stopped.wait(1.0):
                return
            conn.sendall(data[i:i + 1])
    return reply


@pytest.mark.parametrize("where", ["headers", "body"])
def test_a_server_sending_one_byte_a_second_is_cut_off_at_the_deadline(packages_dir, where):
    with ScriptedServer(slow(where)) as server:
        started = time.monotonic()
        result = run(server.base + SERVICE, str(packages_dir), "--timeout", "3")
        elapsed = time.monotonic() - started
    assert result.exit_code == 8, result.output
    assert "no complete answer within 3 s" in result.output
    assert elapsed < 6, f"the 3 s deadline took {elapsed:.1f} s"


def test_a_server_that_takes_the_package_and_never_answers_is_cut_off(converted):
    def reply(conn, head, stopped):
        if head.startswith("GET"):
            return answer(conn, "200 OK", service_document(f"http://{conn.getsockname()[0]}:"
                                                           f"{conn.getsockname()[1]}"))
        stopped.wait(30)  # never answers
    big = converted / "CO23081"
    with ScriptedServer(reply) as server:
        started = time.monotonic()
        result = run(server.base + SERVICE, str(big), "--timeout", "2")
        elapsed = time.monotonic() - started
    assert result.exit_code == 8 and "no complete answer within 2 s" in result.output, result.output
    assert elapsed < 8


# Bounded answers and malformed HTTP -----------------------------------------------------------

def test_a_server_announcing_5_gb_is_refused_before_reading(packages_dir):
    def reply(conn, _head, stopped):
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: 5000000000\r\n\r\n")
        try:
            for _ in range(1000):  # offer 64 MB; the client must not take it
                conn.sendall(b"<" * 65536)
        except OSError:
            pass
    with ScriptedServer(reply) as server:
        result = run(server.base + SERVICE, str(packages_dir), "--timeout", "10")
    assert result.exit_code == 8 and "announces an answer of 5,000,000,000 bytes" in result.output
    assert "Traceback" not in result.output


def test_an_endless_answer_without_a_length_stops_at_the_configured_bound(packages_dir, monkeypatch):
    monkeypatch.setenv("ARCHIVER_MAX_RESPONSE_BYTES", "256KiB")

    def reply(conn, _head, stopped):
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nConnection: close\r\n\r\n")
        try:
            while not stopped.is_set():
                conn.sendall(b"<a>" * 20000)
        except OSError:
            pass
    with ScriptedServer(reply) as server:
        result = run(server.base + SERVICE, str(packages_dir), "--timeout", "10")
    assert result.exit_code == 8 and "longer than the 262,144 bytes archiver reads" in result.output


def test_ten_thousand_headers_are_a_clean_exit_8(packages_dir):
    def reply(conn, _head, stopped):
        conn.sendall(b"HTTP/1.1 200 OK\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(10000)) + b"\r\n")
    with ScriptedServer(reply) as server:
        result = run(server.base + SERVICE, str(packages_dir))
    assert result.exit_code == 8 and "not valid HTTP" in result.output and "Traceback" not in result.output


def test_a_truncated_body_is_a_clean_exit_8(packages_dir):
    def reply(conn, _head, stopped):
        body = service_document("http://127.0.0.1")
        conn.sendall(f"HTTP/1.1 200 OK\r\nContent-Length: {len(body) + 500}\r\n\r\n".encode() + body)
    with ScriptedServer(reply) as server:
        result = run(server.base + SERVICE, str(packages_dir))
    assert result.exit_code == 8 and "cut short" in result.output, result.output


def test_a_truncated_chunked_body_is_a_clean_exit_8(packages_dir):
    def reply(conn, _head, stopped):
        conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n400\r\n<service")
    with ScriptedServer(reply) as server:
        result = run(server.base + SERVICE, str(packages_dir))
    assert result.exit_code == 8 and "not valid HTTP" in result.output, result.output


# Secrets: every place a server can echo them --------------------------------------------------

def echoing(status: str, body: bytes, content_type="application/xml", extra=""):
    def reply(conn, _head, stopped):
        answer(conn, status, body, content_type, extra)
    return reply


def check_hidden(result, base: str, secret: str):
    assert "Traceback" not in result.output
    found = words_outside_public_urls(result.output, secret, (base + "/sword/", "http://purl.org/net/sword/"))
    assert not found, result.output
    assert base64.b64encode(f"depositor:{secret}".encode()).decode() not in result.output


def test_a_password_in_a_parse_error_message_is_redacted(packages_dir):
    # lxml names the mismatched tags in its message: the server's tag is the password.
    with ScriptedServer(echoing("200 OK", b"<?xml version='1.0'?><service><sword></service>")) as server:
        result = run(server.base + SERVICE, str(packages_dir))
    assert result.exit_code == 8 and "malformed service document" in result.output
    assert "***" in result.output
    check_hidden(result, server.base, "sword")
    assert f"{server.base}/sword/servicedocument" in result.output  # the URL itself is left whole


def test_a_password_in_the_offered_collections_list_is_redacted(packages_dir):
    titles = ("RSIS Commentaries", "sword (the password)", "Theses of swordsmen")
    def reply(conn, _head, stopped):
        answer(conn, "200 OK", service_document(f"http://127.0.0.1:{conn.getsockname()[1]}", titles))
    with ScriptedServer(reply) as server:
        result = run(server.base + SERVICE, str(packages_dir))
    assert result.exit_code == 8 and "offers several collections" in result.output
    assert "'*** (the password)'" in result.output and "'Theses of swordsmen'" in result.output
    check_hidden(result, server.base, "sword")


@pytest.mark.parametrize("password", ["two  spaces   pw", "sword"])
def test_a_password_folded_in_a_plain_text_error_body_is_redacted(packages_dir, password):
    folded = " ".join(password.split())
    body = f"Internal error: login failed for depositor with\n   {folded}   (or {password})".encode()
    with ScriptedServer(echoing("500 Internal Server Error", body, "text/plain")) as server:
        result = run(server.base + SERVICE, str(packages_dir), password=password)
    assert result.exit_code == 8 and "HTTP 500" in result.output and "login failed" in result.output
    assert "with *** (or ***)" in result.output
    check_hidden(result, server.base, password)


def test_a_password_in_an_xml_error_body_and_its_token_are_redacted(packages_dir):
    with SwordServer(ServerConfig(echo_credentials=True, password="sword",
                                  service_path="/sword/servicedocument")) as server:
        result = run(server.service_url, str(packages_dir), "--collection", "Restricted Theses",
                     user=server.config.user)
    assert result.exit_code == 8 and "HTTP 403" in result.output
    assert "(you sent Basic ***, password ***)" in result.output
    assert "http://purl.org/net/sword/" in result.output or "TargetOwnerUnknown" in result.output
    assert f"{server.base}/sword/servicedocument" not in result.output or "***" in result.output
    check_hidden(result, server.base, "sword")


def test_a_password_in_headers_is_redacted(packages_dir):
    secret = "pa55 W0rd/x"
    encoded = urllib.parse.quote(secret, safe="")

    def reply(conn, head, stopped):
        base = f"http://127.0.0.1:{conn.getsockname()[1]}"
        if head.startswith("GET /sword/servicedocument"):
            return answer(conn, "200 OK", service_document(base))
        if head.startswith("POST"):
            receipt = (f'<entry xmlns="http://www.w3.org/2005/Atom"><link rel="edit" href="{base}/edit/{encoded}"/>'
                       f"</entry>").encode()
            return answer(conn, "201 Created", receipt, extra=f"Location: {base}/edit/{encoded}\r\n")
        conn.sendall(f"HTTP/1.1 401 {secret}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode())
    with ScriptedServer(reply) as server:
        result = run(server.base + SERVICE, str(packages_dir), password=secret)
    assert result.exit_code == 8, result.output
    assert secret not in result.output and encoded not in result.output and "***" in result.output


@pytest.mark.parametrize("text, expected", [
    ("password sword.", "password ***."),
    ("swordfish and swords", "swordfish and swords"),
    ("http://purl.org/net/sword/error/ErrorBadRequest", "http://purl.org/net/sword/error/ErrorBadRequest"),
    ("http://repo.example/sword/edit/1", "http://repo.example/sword/edit/1"),
    ("http://elsewhere.example/a/sword/b", "http://elsewhere.example/a/***/b"),
    ("http://repo.example/sword/x?pw=sword&next=1", "http://repo.example/sword/x?pw=***&next=1"),
    ("see http://depositor:sword@repo.example/", "see http://***@repo.example/"),
    ("Basic ZGVwb3NpdG9yOnN3b3Jk", "Basic ***"),
    ("b64 c3dvcmQ= end", "b64 *** end"),
])
def test_redaction_is_by_whole_value_and_knows_public_url_words(text, expected):
    redact = Redactor(Credentials("depositor", "sword"), "http://repo.example/sword/servicedocument")
    assert redact(text) == expected


def test_redaction_covers_url_encoded_and_folded_forms():
    redact = Redactor(Credentials("u", "p@ss w rd+/"), "http://repo.example/sd")
    for form in ("p@ss w rd+/", "p%40ss%20w%20rd%2B%2F", "p%40ss%20w%20rd%2B/", "p%40ss+w+rd%2B%2F", "p@ss\n  w rd+/"):
        assert redact(f"echo: {form} end") == "echo: *** end", form


def test_a_password_across_the_cut_of_a_long_error_body_is_not_half_shown(packages_dir):
    secret = "a-rather-long-secret-pw"
    body = ("e" * 290 + " " + secret + " and more").encode()
    with ScriptedServer(echoing("500 Internal Server Error", body, "text/plain")) as server:
        result = run(server.base + SERVICE, str(packages_dir), password=secret)
    assert result.exit_code == 8 and "HTTP 500" in result.output
    assert "a-rather" not in result.output and "***" in result.output


def test_a_server_closing_without_an_answer_is_a_clean_exit_8(packages_dir):
    with ScriptedServer(lambda conn, head, stopped: None) as server:
        result = run(server.base + SERVICE, str(packages_dir))
    assert result.exit_code == 8 and "closed the connection without an answer" in result.output, result.output


def test_a_connection_that_is_never_accepted_is_cut_off_at_the_deadline(packages_dir):
    import socket
    # A listening socket whose accept queue is full: the kernel leaves further handshakes unanswered.
    with socket.socket() as full:
        full.bind(("127.0.0.1", 0))
        full.listen(0)
        fillers = []
        for _ in range(4):
            filler = socket.socket()
            filler.setblocking(False)
            filler.connect_ex(full.getsockname())
            fillers.append(filler)
        try:
            started = time.monotonic()
            result = run(f"http://127.0.0.1:{full.getsockname()[1]}{SERVICE}", str(packages_dir), "--timeout", "2")
            elapsed = time.monotonic() - started
        finally:
            for filler in fillers:
                filler.close()
    assert result.exit_code == 8 and "no complete answer within 2 s" in result.output, result.output
    assert elapsed < 6


# A package archiver is given ------------------------------------------------------------------

def test_a_zipped_package_over_its_limit_is_refused_unread(tmp_path, monkeypatch):
    import zipfile
    package = tmp_path / "CO23081.zip"
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("mets.xml", "<mets/>")
        archive.writestr("CO23081.pdf", bytes(range(256)) * 64)
    monkeypatch.setenv("ARCHIVER_MAX_PACKAGE_BYTES", "4KiB")
    with SwordServer(ServerConfig(password="sword", service_path=SERVICE)) as server:
        result = run(server.service_url, str(package), "--collection", "RSIS Commentaries",
                     user=server.config.user)
        methods = [method for method, _path, _headers in server.requests]
    assert result.exit_code == 4, result.output
    assert "POST" not in methods
    assert "CO23081.zip" in result.output and "4 KiB" in result.output
    assert "ARCHIVER_MAX_PACKAGE_BYTES" in result.output and "Traceback" not in result.output
