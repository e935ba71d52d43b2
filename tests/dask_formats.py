"""Stand-in writers for the Dask engine's tests, importable by the cluster's worker processes (they
are spawned with the test process's sys.path, and a worker imports this module when it loads the
build's writers, which registers the format there too): one that kills its worker process for chosen
records, once (a marker file remembers it) or every time."""

from __future__ import annotations

import os
from pathlib import Path

from archiver.writers import FORMATS, Format


def render_crashing(record, context) -> bytes:
    if os.environ.get("DASK_RENDERS"):  # when each render ran, and where: (pid, start, end)
        import time
        start = time.time()
        time.sleep(float(os.environ.get("DASK_SLEEP", "0")))
        with open(os.environ["DASK_RENDERS"], "a", encoding="utf-8") as renders:
            renders.write(f"{os.getpid()} {start} {time.time()}\n")
    if record.identifier == os.environ.get("DASK_POISON"):
        if os.environ.get("DASK_DEATHS"):  # one line a worker killed
            with open(os.environ["DASK_DEATHS"], "a", encoding="utf-8") as deaths:
                deaths.write(f"{os.getpid()}\n")
        os._exit(9)  # every time: the record that kills workers
    marker = os.environ.get("DASK_KILL_ONCE_MARKER")
    if marker and record.identifier == os.environ.get("DASK_KILL_ONCE") and not Path(marker).exists():
        Path(marker).write_text("killed")
        os._exit(9)  # once: a worker lost to something else while it held this record
    return f"CRASHY {record.identifier}\n".encode("utf-8")


CRASHING = Format(name="crashing", module=__name__, function="render_crashing", filename="{id}.crashing",
                  media_type="text/plain", description="test stand-in")
FORMATS.setdefault(CRASHING.name, CRASHING)
