"""The state of a build folder: what each source's last build wrote, kept in SQLite.

`OUT/.archiver-state.sqlite` (`.archiver-state-K-of-N.sqlite` for a shard) holds one row per source
(its fingerprint: the SHA-256 of its bytes and of the files its reader read beside it), one per record
(identifier, archiver version, style, formats, warnings, images) and one per output file (name and
SHA-256), so that a settled record costs a few row writes, not a rewrite of the whole state, and the
parent never holds the whole batch in memory. The database is in WAL mode with full syncs: a commit
is on disk when it returns, and a crash at any moment leaves the last commit. Rows are only written
after the record's files are on disk, so the state never claims a file that is not complete.

A run also keeps, in the same file, the outcome of every source of this run (`run_outcomes`, cleared
when the next run starts), from which the reports are streamed in order; and the previous entries of
the sources it rebuilds (`earlier`), for removing the files a rebuild no longer writes.

Entries are read and written as the same dictionaries the JSON manifests of archiver 0.1 held
(`{"sha256", "neighbours", "records": {identifier: {"outputs", "warnings", "images", ...}}}`); such a
manifest (`.archiver-manifest*.json`) is migrated into the database the first time its folder is built
again, and those of other shards are read as they are.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any, Iterable, Iterator

STATE_VERSION = 1
_RECORD_FIELDS = ("archiver_version", "style_sha256", "formats", "warnings", "images", "collection_sha256",
                  "checks", "thumbnail", "skipped")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sources (key TEXT PRIMARY KEY, sha256 TEXT, neighbours TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records (
    source TEXT NOT NULL, identifier TEXT NOT NULL, fields TEXT NOT NULL,
    PRIMARY KEY (source, identifier));
CREATE INDEX IF NOT EXISTS records_by_identifier ON records (identifier);
CREATE TABLE IF NOT EXISTS outputs (
    source TEXT NOT NULL, identifier TEXT NOT NULL, name TEXT NOT NULL, sha256 TEXT,
    PRIMARY KEY (source, identifier, name));
CREATE TABLE IF NOT EXISTS earlier (key TEXT PRIMARY KEY, entry TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS run_outcomes (
    seq INTEGER PRIMARY KEY, source TEXT NOT NULL, identifier TEXT, status TEXT NOT NULL,
    warned INTEGER NOT NULL, exit_code INTEGER NOT NULL, outcome TEXT NOT NULL);
"""


def state_path(out_dir: Path, suffix: str) -> Path:
    return out_dir / f".archiver-state{suffix}.sqlite"


def legacy_path(out_dir: Path, suffix: str) -> Path:
    return out_dir / f".archiver-manifest{suffix}.json"


class StateDamaged(Exception):
    """The state database cannot be used (not SQLite, another version): the caller rebuilds."""


class BuildState:
    """One shard's state database (read-write) and, read-only, every other state in the folder."""

    def __init__(self, out_dir: Path, suffix: str, *, readonly: bool = False, others: bool = True):
        """This shard's state (`suffix` "" or "-K-of-N"); `readonly` opens it without writing (a dry
        run, or another shard's state read by this one); `others` also reads the folder's other states."""
        self.out_dir = out_dir
        self.path = state_path(out_dir, suffix)
        self.readonly = readonly
        self._db = self._connect()
        self._others = self._other_states(suffix) if others else []

    # Opening ------------------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection | None:
        if self.readonly:
            if not self.path.is_file():
                return None
            # Without a write-ahead log left by a killed run, read it as immutable: a reader of a WAL
            # database would create its -shm and -wal files, and a dry run writes nothing.
            mode = "mode=ro" if Path(f"{self.path}-wal").exists() else "immutable=1"
            try:
                db = sqlite3.connect(f"{self.path.as_uri()}?{mode}", uri=True)
                self._check(db)
                return db
            except (sqlite3.Error, StateDamaged):
                return None
        self.out_dir.mkdir(parents=True, exist_ok=True)
        try:
            db = self._open_writable()
        except (sqlite3.DatabaseError, StateDamaged):
            # not a database, or one of another version: start afresh (the worst case is a full
            # rebuild, never a wrong skip)
            for leftover in (self.path, Path(f"{self.path}-wal"), Path(f"{self.path}-shm")):
                leftover.unlink(missing_ok=True)
            db = self._open_writable()
        return db

    def _open_writable(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.executescript(_SCHEMA)
        db.execute("INSERT OR IGNORE INTO meta VALUES ('state_version', ?)", (str(STATE_VERSION),))
        self._check(db)
        db.execute("BEGIN")
        return db

    @staticmethod
    def _check(db: sqlite3.Connection) -> None:
        row = db.execute("SELECT value FROM meta WHERE key = 'state_version'").fetchone()
        if row is None or row[0] != str(STATE_VERSION):
            raise StateDamaged(f"state version {row[0] if row else None}")

    def _other_states(self, suffix: str) -> list[Any]:
        """The other shards' databases and any JSON manifest left by archiver 0.1 (this shard's is
        migrated into this database, then removed)."""
        others: list[Any] = []
        for path in sorted(self.out_dir.glob(".archiver-state*.sqlite")):
            if path != self.path:
                other = BuildState(self.out_dir, path.name[len(".archiver-state"):-len(".sqlite")],
                                   readonly=True, others=False)
                if other._db is not None:
                    others.append(other)
        own_legacy = legacy_path(self.out_dir, suffix)
        for path in sorted(self.out_dir.glob(".archiver-manifest*.json")):
            entries = _read_legacy(path)
            if path == own_legacy and not self.readonly:
                for key, entry in entries.items():
                    if self.entry_here(key) is None:
                        self.put(key, entry)
                self.commit()
                path.unlink(missing_ok=True)
            elif entries:
                others.append(entries)
        return others

    def close(self) -> None:
        if self._db is not None:
            if not self.readonly:
                self.commit()
            self._db.close()
            self._db = None
        for other in self._others:
            if isinstance(other, BuildState):
                other.close()

    def commit(self) -> None:
        """Make the writes so far durable (one sync of the write-ahead log)."""
        if self._db is not None and self._db.in_transaction:
            self._db.execute("COMMIT")
            self._db.execute("BEGIN")

    # Entries ------------------------------------------------------------------------------------

    def entry(self, key: str) -> dict[str, Any] | None:
        """The source's last entry: this shard's own, else another shard's (or an old manifest's)."""
        found = self.entry_here(key)
        if found is not None:
            return found
        for other in self._others:
            found = other.get(key) if isinstance(other, dict) else other.entry_here(key)
            if found is not None:
                return found
        return None

    def entry_here(self, key: str) -> dict[str, Any] | None:
        if self._db is None:
            return None
        row = self._db.execute("SELECT sha256, neighbours FROM sources WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        records: dict[str, Any] = {}
        for identifier, fields in self._db.execute(
                "SELECT identifier, fields FROM records WHERE source = ? ORDER BY identifier", (key,)):
            records[identifier] = {**json.loads(fields), "outputs": {}}
        for identifier, name, digest in self._db.execute(
                "SELECT identifier, name, sha256 FROM outputs WHERE source = ? ORDER BY identifier, name", (key,)):
            records.setdefault(identifier, {"outputs": {}})["outputs"][name] = digest
        return {"sha256": row[0], "neighbours": json.loads(row[1]), "records": records}

    def keys(self) -> list[str]:
        """The sources of this shard's state, sorted."""
        return [] if self._db is None else [key for (key,) in self._db.execute("SELECT key FROM sources ORDER BY key")]

    def put(self, key: str, entry: dict[str, Any]) -> None:
        """Replace the source's entry. A damaged entry (a hand-edited manifest) is stored as far as it
        is readable; the next run finds it stale."""
        self.drop(key)
        neighbours = entry.get("neighbours") if isinstance(entry, dict) else None
        records = entry.get("records") if isinstance(entry, dict) else None
        self._db.execute("INSERT INTO sources VALUES (?, ?, ?)",
                         (key, _text(entry.get("sha256")) if isinstance(entry, dict) else None,
                          json.dumps(neighbours if isinstance(neighbours, list) else [])))
        for identifier, record in (records.items() if isinstance(records, dict) else ()):
            if not isinstance(record, dict):
                continue
            fields = {name: record[name] for name in _RECORD_FIELDS if name in record}
            self._db.execute("INSERT INTO records VALUES (?, ?, ?)", (key, str(identifier), json.dumps(fields)))
            outputs = record.get("outputs")
            self._db.executemany("INSERT OR REPLACE INTO outputs VALUES (?, ?, ?, ?)",
                                 ((key, str(identifier), str(name), _text(digest))
                                  for name, digest in (outputs.items() if isinstance(outputs, dict) else ())))

    def drop(self, key: str) -> None:
        for table, column in (("sources", "key"), ("records", "source"), ("outputs", "source")):
            self._db.execute(f"DELETE FROM {table} WHERE {column} = ?", (key,))

    def keep_only(self, keys: Iterable[str]) -> None:
        """Forget the sources that are not among `keys` (those of this run)."""
        self._db.execute("CREATE TEMP TABLE IF NOT EXISTS this_run (key TEXT PRIMARY KEY)")
        self._db.execute("DELETE FROM this_run")
        self._db.executemany("INSERT OR IGNORE INTO this_run VALUES (?)", ((key,) for key in keys))
        for table, column in (("sources", "key"), ("records", "source"), ("outputs", "source"),
                              ("earlier", "key")):
            self._db.execute(f"DELETE FROM {table} WHERE {column} NOT IN (SELECT key FROM this_run)")

    def owner(self, identifier: str) -> str | None:
        """The source of this shard's state that holds a record of this identifier."""
        row = self._db.execute("SELECT source FROM records WHERE identifier = ? LIMIT 1", (identifier,)).fetchone()
        return row[0] if row else None

    def claimed_anywhere(self, identifier: str) -> bool:
        """Whether any state in the folder (this shard's and the others') holds this identifier."""
        if self.owner(identifier) is not None:
            return True
        for other in self._others:
            if isinstance(other, dict):
                if any(isinstance(e, dict) and isinstance(e.get("records"), dict) and identifier in e["records"]
                       for e in other.values()):
                    return True
            elif other.owner(identifier) is not None:
                return True
        return False

    # The previous entries of the sources being rebuilt ---------------------------------------------

    def set_aside(self, key: str) -> None:
        """Move the source's entry out of the state, before its record is rebuilt (so the state
        never claims a file that the rebuild is replacing), keeping it for `earlier`."""
        entry = self.entry(key)
        if entry is not None:
            self.drop(key)
            self._db.execute("INSERT OR REPLACE INTO earlier VALUES (?, ?)", (key, json.dumps(entry)))

    def earlier(self, key: str) -> Any:
        row = self._db.execute("SELECT entry FROM earlier WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def forget_earlier(self, key: str) -> None:
        self._db.execute("DELETE FROM earlier WHERE key = ?", (key,))

    # This run's outcomes ------------------------------------------------------------------------

    def start_run(self) -> None:
        self._db.execute("DELETE FROM run_outcomes")

    def add_outcome(self, outcome: dict[str, Any]) -> None:
        self._db.execute("INSERT INTO run_outcomes (source, identifier, status, warned, exit_code, outcome) "
                         "VALUES (?, ?, ?, ?, ?, ?)",
                         (outcome["source"], outcome["identifier"], outcome["status"],
                          1 if outcome["warnings"] else 0, outcome.get("exit_code", 0),
                          json.dumps(outcome, ensure_ascii=False)))

    def outcomes(self, *, failed_first: bool = False, status: str | None = None) -> Iterator[dict[str, Any]]:
        """This run's outcomes in source order (identifier within a source), or failed ones first,
        then those with warnings, for the report page; only those of one `status` if given."""
        order = "status != 'failed', warned = 0, " if failed_first else ""
        where = "WHERE status = ? " if status is not None else ""
        query = f"SELECT outcome FROM run_outcomes {where}ORDER BY {order}source, coalesce(identifier, ''), seq"
        for (outcome,) in self._db.execute(query, () if status is None else (status,)):
            yield json.loads(outcome)

    def counts(self) -> dict[str, int]:
        counts = {"built": 0, "unchanged": 0, "failed": 0}
        for status, count in self._db.execute("SELECT status, count(*) FROM run_outcomes GROUP BY status"):
            counts[status] = count
        return counts

    def warned(self) -> int:
        return self._db.execute("SELECT count(*) FROM run_outcomes WHERE warned").fetchone()[0]

    def check_failed(self) -> int:
        """Records of this run with an output that failed one of its validators (--check)."""
        return self._db.execute(
            "SELECT count(DISTINCT r.seq) FROM run_outcomes AS r, json_each(r.outcome, '$.checks') AS o, "
            "json_each(o.value) AS v WHERE json_extract(v.value, '$.verdict') = 'fail'").fetchone()[0]

    def first_failure_exit_code(self) -> int:
        row = self._db.execute("SELECT exit_code FROM run_outcomes WHERE status = 'failed' "
                               "ORDER BY source, coalesce(identifier, ''), seq LIMIT 1").fetchone()
        return row[0] if row else 0


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _read_legacy(path: Path) -> dict[str, Any]:
    """The source entries of an archiver 0.1 JSON manifest ({} if it is damaged)."""
    from . import bounded
    from .errors import ArchiverError

    try:
        data = json.loads(bounded.read(path, "manifest"))
        if data.get("manifest_version") == 2 and isinstance(data.get("sources"), dict):
            return data["sources"]
    except (ArchiverError, ValueError, AttributeError, RecursionError):
        pass
    return {}
