"""Reproducible outputs: the moment archiver says something was made comes from SOURCE_DATE_EPOCH
(reproducible-builds.org's specification) when it is set, and a value that is not a whole number of
seconds is a clear error rather than a silent fall-back to the clock."""

from __future__ import annotations

import datetime as dt
import os

from .errors import InputError


def source_date_epoch() -> dt.datetime | None:
    """SOURCE_DATE_EPOCH as a UTC moment, or None when it is not set."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if not epoch:
        return None
    try:
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc)
    except (ValueError, OverflowError, OSError):
        raise InputError(f"SOURCE_DATE_EPOCH={epoch!r} is not a whole number of seconds",
                         hint="set SOURCE_DATE_EPOCH to seconds since 1970, e.g. 1700000000") from None
