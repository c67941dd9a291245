"""The one CSV writer of the service: every cell neutralised before a spreadsheet sees it.

Alarm points, notes and measures come from terminals and people; opened in a
spreadsheet, a cell such as `=HYPERLINK(...)` would run. `writer()` is used by
every CSV the service writes (the weekly summary's, the safety register's
export), so no writer can forget the rule in `escalator.domain.minimise.cell`.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, TextIO

from escalator.domain.minimise import row


class Writer:
    def __init__(self, out: TextIO) -> None:
        self._w = csv.writer(out)

    def writerow(self, values: Iterable[Any]) -> None:
        self._w.writerow(row(list(values)))


def writer(out: TextIO) -> Writer:
    return Writer(out)
