"""Software Heritage's `swh-deposit` (PyPI `swh.deposit[server]`, GPL-3.0; the SWORD 2.0 server
behind HAL's deposits) run for the tests: a private PostgreSQL from Debian on 127.0.0.1, the
Django application under `django runserver` with the production settings, an in-memory storage and
scheduler, checks off (nothing would run them). `make setup` installs it into
vendor/swh-deposit-<version>/ (scripts/setup.sh); nothing is downloaded here.

PostgreSQL refuses to run as root, so as root (CI) its commands run as the `postgres` user the
Debian package creates, in a folder under /tmp that user may enter.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VERSION = "3.0.1"
VENV = ROOT / "vendor" / f"swh-deposit-{VERSION}"
USER, PASSWORD = "archiver", "sword"      # a password that is a word in SWORD URLs, on purpose
COLLECTION, OTHER_COLLECTION = "archiver", "other"
PROVIDER = "https://repository.example.org/"
MAX_UPLOAD = 2_000_000                     # bytes (swh-deposit's max_upload_size is in bytes)


def missing() -> str | None:
    """Why swh-deposit cannot run here, or None."""
    if not (VENV / ".installed").is_file():
        return f"swh-deposit is not installed in {VENV}: run `make setup`"
    if not _pg_bin("initdb"):
        return "PostgreSQL (Debian's postgresql package) is not installed: run `make setup`"
    return None


def _pg_bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]))
    return found[-1] if found else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SwhDeposit:
    def __init__(self):
        self.root = Path(tempfile.mkdtemp(prefix="archiver-swh-deposit-"))
        self.as_root = os.geteuid() == 0
        self.pg_port, self.port = _free_port(), _free_port()
        self.pgdata = self.root / "pg"
        self.config = self.root / "deposit.yml"
        self.server: subprocess.Popen | None = None
        self.log = self.root / "server.log"

    # PostgreSQL -------------------------------------------------------------------------------

    def _pg(self, *args: str) -> None:
        command = list(args)
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=60)

    def start_database(self) -> None:
        if self.as_root:
            shutil.chown(self.root, user="postgres")
        self._pg(_pg_bin("initdb"), "-D", str(self.pgdata), "-A", "trust", "-U", "swh", "--no-sync", "-E", "UTF8")
        self._pg(_pg_bin("pg_ctl"), "-D", str(self.pgdata), "-l", str(self.root / "pg.log"), "-w", "-o",
                 f"-h 127.0.0.1 -p {self.pg_port} -k {self.root} -c fsync=off -c full_page_writes=off "
                 "-c synchronous_commit=off", "start")
        self._pg(_pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(self.pg_port), "-U", "swh", "swhdeposit")

    def stop_database(self) -> None:
        try:
            self._pg(_pg_bin("pg_ctl"), "-D", str(self.pgdata), "-m", "immediate", "stop")
        except (subprocess.SubprocessError, OSError):
            pass

    # The Django application -------------------------------------------------------------------

    def environment(self) -> dict[str, str]:
        return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(self.root),
                "SWH_CONFIG_FILENAME": str(self.config),
                "DJANGO_SETTINGS_MODULE": "swh.deposit.settings.production"}

    def _python(self, *args: str, timeout: float = 120) -> None:
        result = subprocess.run([str(VENV / "bin" / "python"), *args], env=self.environment(),
                                capture_output=True, text=True, timeout=timeout)
        if result.returncode:
            raise RuntimeError(f"swh-deposit {' '.join(args[:3])} failed: {result.stderr[-2000:]}")

    def configure(self) -> None:
        # JSON is YAML: swh.core reads this as its configuration file.
        self.config.write_text(json.dumps({
            "scheduler": {"cls": "memory"}, "storage": {"cls": "memory"}, "storage_metadata": {"cls": "memory"},
            "private": {"secret_key": "tests-only", "media_root": str(self.root / "media"),
                        "db": {"name": "swhdeposit", "host": "127.0.0.1", "port": self.pg_port, "user": "swh"}},
            "authentication_provider": "basic", "max_upload_size": MAX_UPLOAD, "checks": False,
            "extraction_dir": str(self.root / "extraction"),
            "swh_authority_url": "http://deposit.example/"}))
        self._python("-m", "django", "migrate", "--no-input")
        admin = [str(VENV / "bin" / "swh"), "deposit", "admin", "--config-file", str(self.config),
                 "--platform", "production", "user", "create"]
        for user, password, collection in ((USER, PASSWORD, COLLECTION), ("someone", "else", OTHER_COLLECTION)):
            subprocess.run([*admin, "--username", user, "--password", password, "--provider-url", PROVIDER,
                            "--domain", "repository.example.org", "--collection", collection],
                           env=self.environment(), check=True, capture_output=True, timeout=60)

    def start_server(self) -> None:
        with self.log.open("ab") as log:
            self.server = subprocess.Popen(
                [str(VENV / "bin" / "python"), "-m", "django", "runserver", "--noreload", f"127.0.0.1:{self.port}"],
                env=self.environment(), stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise RuntimeError(f"swh-deposit stopped at start: {self.log.read_text()[-2000:]}")
            try:
                urllib.request.urlopen(f"{self.base}/1/private/deposits/", timeout=2).read()
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("swh-deposit did not answer within 60 s")

    def stop_server(self) -> None:
        if self.server and self.server.poll() is None:
            self.server.terminate()
            try:
                self.server.wait(10)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait(10)
        self.server = None

    def start(self) -> "SwhDeposit":
        try:
            self.start_database()
            self.configure()
            self.start_server()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        self.stop_server()
        self.stop_database()
        shutil.rmtree(self.root, ignore_errors=True)

    # What the server says it holds (its private API, unauthenticated, for its own workers) ---------

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def service_url(self) -> str:
        return f"{self.base}/1/servicedocument/"

    def private(self, path: str) -> bytes:
        with urllib.request.urlopen(f"{self.base}/1/private/{path}", timeout=30) as response:
            return response.read()

    def deposits(self) -> list[dict]:
        return json.loads(self.private("deposits/?page_size=1000"))["results"]
