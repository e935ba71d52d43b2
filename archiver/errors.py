"""Errors and warnings of archiver: one hierarchy, one exit code per class, stable warning codes.

The library raises these; only the CLI turns them into messages and exit statuses. A validation error
carries every problem found, each with its file, its JSON pointer or line, and a hint.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

#: The public table of exit codes (README and `archiver --help` print it from here).
EXIT_CODES: dict[int, str] = {
    0: "success",
    1: "internal error (a bug: please report it with the command and input)",
    2: "usage error (unknown option, command or format)",
    3: "warnings were raised and --strict makes them fatal",
    4: "unreadable or unrecognised input",
    5: "invalid record (schema or cross-reference problems)",
    6: "conversion failed",
    7: "package invalid (fixity or structure check failed)",
    8: "deposit failed",
    130: "interrupted (Ctrl-C); a rerun of a build resumes",
    141: "standard output was closed early (as by `head`)",
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: what, where (JSON pointer or line) and what to do."""
    message: str
    pointer: str | None = None
    source: str | None = None
    hint: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        # A usage error names its option in the message: no file to name, so no place is printed.
        where = self.source or ""
        if self.line is not None:
            where += f":{self.line}"
        if self.pointer is not None:
            where = f"{where} {self.pointer}".lstrip()
        text = f"{where}: {self.message}" if where else self.message
        return f"{text} (hint: {self.hint})" if self.hint else text

    def to_json(self) -> dict:
        return {key: value for key, value in asdict(self).items() if value is not None}


class ArchiverError(Exception):
    """Base of every error archiver reports to a user; `exit_code` is the CLI's exit status."""
    exit_code = 1

    def __init__(self, message: str, *, source: str | None = None, hint: str | None = None,
                 problems: list[Problem] | None = None):
        super().__init__(message)
        self.message = message
        self.problems = problems or [Problem(message, source=source, hint=hint)]

    def __str__(self) -> str:
        return "\n".join(str(problem) for problem in self.problems)


class UsageError(ArchiverError):
    exit_code = 2


class StrictWarnings(ArchiverError):
    exit_code = 3


class InputError(ArchiverError):
    """A source that cannot be read or recognised."""
    exit_code = 4


class RecordInvalid(ArchiverError):
    """A record that breaks the schema; carries every problem."""
    exit_code = 5

    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problem(s) in the record", problems=problems)


class ConversionError(ArchiverError):
    exit_code = 6


class PackageInvalid(ArchiverError):
    exit_code = 7


class DepositError(ArchiverError):
    exit_code = 8


@dataclass(frozen=True)
class ArchiverWarning:
    """A typed warning: something was guessed or could not be kept. Fatal under --strict.

    Codes are stable; add new ones at the end of WARNING_CODES.
    """
    code: str
    message: str
    source: str | None = None
    pointer: str | None = None

    def __str__(self) -> str:
        where = " ".join(part for part in (self.source, self.pointer) if part)
        return f"{where}: warning {self.code}: {self.message}" if where else f"warning {self.code}: {self.message}"

    def to_json(self) -> dict:
        return {key: value for key, value in asdict(self).items() if value is not None}


WARNING_CODES: dict[str, str] = {
    "W001": "a value was guessed from context (e.g. the publisher from the site)",
    "W002": "a source node the record cannot hold was left out",
    "W003": "a figure's image is missing or cannot be decoded; caption and credit kept",
    "W004": "an author's name could not be split into given and family names",
    "W005": "retired in schema 1.1, which keeps a date as precise as its source (was: a date lacked "
            "its day or month and was completed)",
    "W006": "text was dropped as page furniture (menus, footers)",
    "W007": "a note reference points at no note text",
    "W008": "the source was not valid UTF-8; undecodable bytes were replaced with U+FFFD",
    "W009": "a format selected through a group was skipped for a record that lacks what it needs "
            "(e.g. Crossref without a DOI)",
    "W010": "a character no font of the brand can draw is shown in the PDF as a box, its text kept as ActualText",
    "W011": "the body is empty or far shorter than the source's article text",
    "W012": "the JATS is valid but not JATS4R-conformant: the record lacks what JATS4R wants (rights with "
            "copyright year and holder, ISO country codes, descriptive link text, each reference's authors)",
    "W017": "a package differs from the one its deposit record says was deposited; it was not sent again "
            "(deposit --again sends it as a new item)",
    "W016": "an output failed one of the field's validators that `build --check` ran (the report gives "
            "the verdicts)",
}
