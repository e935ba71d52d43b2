"""Brands as data: `styles/<brand>/style.json` (schema `schemas/style.schema.json`) plus any files the
writers read from the brand's folder (e.g. CSS, whose `{{primary}}`-style placeholders name the brand's
colours). Loaded once and passed explicitly, frozen; each file of the brand's folder a writer reads is
read once per loaded brand too (a build renders it for every record)."""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from .errors import Problem, UsageError

ROOT = Path(__file__).resolve().parent.parent
STYLES_DIR = ROOT / "styles"
STYLE_SCHEMA = ROOT / "schemas" / "style.schema.json"
DEFAULT_STYLE = "default"
FONT_DIRS = (
    Path("/usr/share/fonts/truetype/noto"),
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/truetype/droid"),
    Path("/usr/share/fonts/truetype/nanum"),
    Path("/usr/share/fonts/truetype"),
)


@dataclass(frozen=True)
class Style:
    name: str
    folder: Path
    data: Mapping[str, Any]
    #: file name -> its text, as `read_text` read it (a few files a brand: its CSS, its templates)
    _texts: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    @property
    def label(self) -> str:
        return self.data["label"]

    @property
    def colours(self) -> Mapping[str, str]:
        return self.data["colours"]

    def font_path(self, role: str) -> Path:
        """The TrueType file for a font role, from the style folder or the system's font folders."""
        name = self.data["fonts"][role]
        for folder in (self.folder, *FONT_DIRS):
            candidate = folder / name
            if candidate.is_file():
                return candidate
        raise UsageError(f"style {self.name!r}: font file {name} not found",
                         source=str(self.folder / "style.json"),
                         hint="run `make setup` to install the fonts, or put the .ttf in the style folder")

    def read_text(self, filename: str) -> str:
        """A text file of the brand (CSS, templates), read once."""
        from .bounded import Refused, read_text
        if filename in self._texts:
            return self._texts[filename]
        path = self.folder / filename
        try:
            text = self._texts[filename] = read_text(path, "style")
            return text
        except Refused as refused:
            what = f"has no {filename}" if refused.missing else f"cannot use {filename}: {refused.message}"
            raise UsageError(f"style {self.name!r} {what}", source=str(path),
                             hint="add the file to the style folder, as a regular file") from None

    def css(self, filename: str) -> str:
        """A CSS file of the brand with each `{{name}}` replaced by the colour of that name."""
        colours = self.colours

        def fill(match: re.Match) -> str:
            name = match.group(1)
            if name not in colours:
                raise UsageError(f"style {self.name!r}: {filename} names an unknown colour {{{{{name}}}}}",
                                 source=str(self.folder / filename), hint=f"use one of: {', '.join(colours)}")
            return colours[name]

        return _PLACEHOLDER.sub(fill, self.read_text(filename))


_PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\s*\}\}")


def available_styles() -> list[str]:
    return sorted(p.parent.name for p in STYLES_DIR.glob("*/style.json"))


@functools.cache
def _style_schema() -> dict[str, Any]:
    return json.loads(STYLE_SCHEMA.read_text(encoding="utf-8"))


@functools.cache
def _fast_check():
    """The style schema compiled to Python once per process: a command that loads one brand does not
    import jsonschema (about 70 ms of start-up), which `_validator` needs only to explain a rejection."""
    from .schemacode import compiled
    return compiled(_style_schema())


@functools.cache
def _validator():
    import jsonschema
    schema = _style_schema()
    return jsonschema.validators.validator_for(schema)(schema)


def _schema_problems(data: Any, path: Path) -> list[Problem]:
    import fastjsonschema
    try:
        _fast_check()(data)
        return []
    except fastjsonschema.JsonSchemaException as rejection:
        errors = sorted(_validator().iter_errors(data), key=lambda e: list(e.absolute_path))
        return [Problem(e.message, "/" + "/".join(map(str, e.absolute_path)), str(path),
                        "see schemas/style.schema.json") for e in errors] or \
            [Problem(rejection.message, "/", str(path), "see schemas/style.schema.json")]


@functools.cache
def load_style(name_or_path: str = DEFAULT_STYLE) -> Style:
    """A brand by name (a folder of styles/) or by the path of a style folder."""
    folder = Path(name_or_path)
    if not (folder / "style.json").is_file():
        folder = STYLES_DIR / name_or_path
    path = folder / "style.json"
    if not path.is_file():
        raise UsageError(f"unknown style {name_or_path!r}",
                         hint=f"use one of: {', '.join(available_styles())}, or a folder with a style.json")
    from .bounded import Refused, read_text
    try:
        data = json.loads(read_text(path, "style"))
    except (Refused, ValueError, RecursionError) as exc:
        raise UsageError(f"style {name_or_path!r} is not readable JSON: {exc}", source=str(path)) from None
    problems = _schema_problems(data, path)
    if problems:
        raise UsageError(f"style {name_or_path!r} is broken", problems=problems)
    return Style(name=data["name"], folder=folder.resolve(), data=MappingProxyType(data))
