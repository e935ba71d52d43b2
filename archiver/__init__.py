"""archiver: ingest, convert, package and deposit a commentary series for long-term preservation."""

__version__ = "0.1.0"
