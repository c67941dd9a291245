"""A polled document (JSON, XML or CSV) -> the active alarms it lists. Pure.

Field paths (the `items` and `fields` of a poll or mqtt source):

- `a.b.c` walks into objects (JSON) or child elements (XML); `[N]` picks the
  N-th (from 0) item of a list: `alarms[0].code`.
- XML: `@name` is an attribute (`@id`, `point.@name`); `#text` is an element's
  own text when it also has attributes or children; an element holding only
  text is that text. Repeated child elements form a list.
- CSV: the first row names the columns; a path is a column name (`Alarm code`).
- An item that is a plain value (a JSON list of codes: `["FT", "YX"]`) is its
  own code.
"""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from escalator.codecs.fields import as_text, get_path

MAX_ITEMS = 10_000


class FormatError(ValueError):
    """The document cannot be read as configured; the poll counts as failed."""


@dataclass(frozen=True)
class Active:
    code: str
    point: str = ""
    text: str = ""
    severity: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return (self.code, self.point)


def read_document(body: bytes, fmt: str) -> Any:
    try:
        if fmt == "json":
            return json.loads(body)
        if fmt == "xml":
            return _element(ET.fromstring(body))
        text = body.decode("utf-8-sig")
        return list(csv.DictReader(io.StringIO(text)))
    except (ValueError, ET.ParseError, csv.Error, RecursionError) as exc:
        raise FormatError(f"not valid {fmt.upper()}: {exc}") from None


def _element(elem: ET.Element) -> Any:
    children = list(elem)
    text = (elem.text or "").strip()
    if not children and not elem.attrib:
        return text
    found: dict[str, Any] = {f"@{k}": v for k, v in elem.attrib.items()}
    if text:
        found["#text"] = text
    tags = [child.tag for child in children]
    for child in children:
        if tags.count(child.tag) > 1:
            found.setdefault(child.tag, []).append(_element(child))
        else:
            found[child.tag] = _element(child)
    return found


def active_alarms(document: Any, items: str, fields: Mapping[str, str],
                  default_code: str = "") -> dict[tuple[str, str], Active]:
    """The alarms a document lists as active, keyed by (code, point)."""
    listed = get_path(document, items) if items else document
    if listed is None:
        listed = []  # "no alarms" is often an absent or empty element
    if isinstance(listed, dict | str):
        listed = [listed] if listed != "" else []
    if not isinstance(listed, list):
        raise FormatError(f"items: expected a list at {items or 'the top'!r}")
    if len(listed) > MAX_ITEMS:
        raise FormatError(f"more than {MAX_ITEMS} active alarms listed")
    found: dict[tuple[str, str], Active] = {}
    for item in listed:
        alarm = _item(item, fields, default_code)
        if alarm is not None:
            found.setdefault(alarm.key, alarm)
    return found


def _item(item: Any, fields: Mapping[str, str], default_code: str) -> Active | None:
    if not isinstance(item, dict):
        code = as_text(item).strip()
        return Active(code) if code else None

    def field(name: str) -> str:
        path = fields.get(name)
        return as_text(get_path(item, path)).strip() if path else ""

    code = field("code") or default_code
    if not code:
        return None
    return Active(code, field("point"), field("text"), field("severity"))
