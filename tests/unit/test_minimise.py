"""The rules of what leaves the service: failed sends without their address, CSV cells
that a spreadsheet cannot run, and one CSV writer for the whole code base."""

from __future__ import annotations

import csv
import io
import pathlib
import re

import pytest

import escalator
from escalator.domain.minimise import cell, channel_kind, failure_reason
from escalator.reports import csvfile


@pytest.mark.parametrize("value", [
    '=HYPERLINK("http://evil.example","x")', "-2+3+cmd|' /C calc'!A0", "+1+1", "@SUM(A1)",
    "\tTAB", "\rCR", "=", "-"])
def test_a_cell_that_would_start_a_formula_gets_a_quote(value):
    assert cell(value) == "'" + value


@pytest.mark.parametrize("value", ["Loop 2, wing B", "", "'=already quoted", "2026-W48",
                                   " =space first", "Kellari ☃"])
def test_other_cells_are_kept(value):
    assert cell(value) == value


def test_numbers_stay_numbers():
    assert cell(-5) == -5 and cell(3.5) == 3.5 and cell(None) is None


def test_the_writer_neutralises_every_cell_header_included():
    out = io.StringIO()
    w = csvfile.writer(out)
    w.writerow(["=a", "b"])
    w.writerow([1, "-2+3+cmd|' /C calc'!A0", "@x"])
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [
        ["'=a", "b"], ["1", "'-2+3+cmd|' /C calc'!A0", "'@x"]]


def test_every_csv_writer_of_the_code_is_the_neutralising_one():
    root = pathlib.Path(escalator.__file__).parent
    found = [str(p.relative_to(root)) for p in root.rglob("*.py")
             if re.search(r"\bcsv\.(writer|DictWriter)\(", p.read_text(encoding="utf-8"))]
    assert found == ["reports/csvfile.py"]


@pytest.mark.parametrize("error, reason", [
    ("telegram -1009876543210: chat not found", "chat not found"),
    ("webhook http://h.example/hook?api_key=SECRET: webhook answered HTTP 500",
     "webhook answered HTTP 500"),
    ("sms +358401234567: no answer within 10 s", "no answer within 10 s"),
    ("email faults@security.example: SMTP 550 mailbox unavailable",
     "SMTP 550 mailbox unavailable"),
    ("party no longer in the config", "party no longer in the config"),
    # the reason itself names an address, a number, a host or a key: left out whole
    ("webhook http://h/x: webhook unreachable: Cannot connect to host 10.0.0.5:8080", ""),
    ("sms +358401234567: gateway refused +358401234567", ""),
    ("email a@b.example: relay denied for a@b.example", ""),
    ("webhook https://h.example/x: webhook secret MAINT_HOOK_SECRET is not set", ""),
    ("voice +35840: redirected to https://elsewhere", ""),
    ("", ""), (None, ""),
])
def test_a_failed_send_keeps_its_reason_not_its_address(error, reason):
    assert failure_reason(error) == reason


def test_a_long_reason_is_cut():
    assert len(failure_reason("telegram 1: " + "word " * 100)) == 90


@pytest.mark.parametrize("channel, error, kind", [
    ("telegram", None, "telegram"), ("log:sms", None, "sms"),
    (None, "webhook http://x: HTTP 500", "webhook"), (None, "party gone", ""),
    ("", "email a@b: x", "email")])
def test_the_channel_kind(channel, error, kind):
    assert channel_kind(channel, error) == kind
