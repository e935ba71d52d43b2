"""Save the compiled validators of the JSON Schemas archiver checks on every run (the record's, the
style's, DataCite's) into vendor/compiled/, so no process compiles them again (archiver/schemacode.py).
Run by `make setup`; safe to rerun (a module is named after its schema's and fastjsonschema's
versions; those of schemas since changed are removed)."""

from archiver import schemacode
from archiver.record import schema as record_schema
from archiver.style import _style_schema
from archiver.writers import datacite

kept = set()
for schema, use_formats in ((record_schema(), True), (_style_schema(), True), (datacite.schema(), False)):
    saved = schemacode.save(schema, use_formats)
    kept.add(saved)
    print(f"setup: compiled {saved.name}")
for stale in set(schemacode.CACHE.glob("schema_*.py")) - kept:  # compiled from a schema since changed
    stale.unlink()
