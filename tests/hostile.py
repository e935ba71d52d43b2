"""Running archiver as a hostile input would meet it: a separate process, a time limit (a FIFO that
blocks must fail the test, not hang it), an address-space limit (a read that grows must fail, not
take the machine), and its peak memory measured (the process's own and its workers')."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: the address space a run may map (Python, lxml, reportlab and pikepdf map about 1 GiB)
ADDRESS_SPACE = 3 << 30

# The run's own peak is its memory map's high-water mark (VmHWM), not getrusage's ru_maxrss: Linux
# carries ru_maxrss across execve, so a child of a large pytest process would report pytest's size as
# its own. Its workers are forked after the exec, from this small process, so theirs is their own.
_RUNNER = """
import atexit, resource, sys
def peak():
    with open("/proc/self/status", encoding="ascii") as status:
        own = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    sys.stderr.write(f"\\nPEAK_RSS_KIB={max(own, workers)}\\n")
atexit.register(peak)
from archiver.cli import main
sys.argv[0] = "archiver"
main()
"""


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    peak_mib: float

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def run(*args: str, timeout: float = 90, env: dict[str, str] | None = None, cwd: Path | None = None) -> Run:
    """`archiver ARGS` in a child process; a run past `timeout` seconds fails the calling test."""
    environment = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000", **(env or {})}
    environment.pop("ARCHIVER_DEBUG", None)
    done = subprocess.run([sys.executable, "-c", _RUNNER, *args], capture_output=True, text=True,
                          timeout=timeout, env=environment, cwd=cwd or ROOT, preexec_fn=_limits)
    stderr, _, tail = done.stderr.rpartition("PEAK_RSS_KIB=")
    peak = int(tail.strip()) / 1024 if tail.strip().isdigit() else float("nan")
    return Run(done.returncode, done.stdout, stderr if tail else done.stderr, peak)


def no_bug(result: Run) -> None:
    """The promise under hostile input: a clean exit, never 1 ("a bug") and never a traceback."""
    assert result.code != 1, result.output
    assert "Traceback" not in result.output and "internal error" not in result.output, result.output


def tree(folder: Path) -> list[str]:
    """Every entry below `folder` (hidden ones too), as sorted relative paths."""
    if not folder.exists():
        return []
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


def invoke(*args: str, env: dict[str, str] | None = None) -> Run:
    """`archiver ARGS` in this process (click's runner): for cases that cannot block or grow, where a
    child process would only cost its start-up. No peak memory is measured."""
    from click.testing import CliRunner

    from archiver.cli import main
    result = CliRunner().invoke(main, list(args), env={"SOURCE_DATE_EPOCH": "1700000000", "ARCHIVER_DEBUG": "", **(env or {})})
    return Run(result.exit_code, result.stdout, result.stderr, float("nan"))
