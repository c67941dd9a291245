"""The one reader of request values (escalator/domain/bounds.py): what it takes, what not."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from escalator.codecs import clean
from escalator.domain import bounds


@pytest.mark.parametrize("raw,expected", [("0", 0), ("42", 42), (42, 42),
                                          (str(bounds.MAX_ID), bounds.MAX_ID)])
def test_ids_are_ascii_digits_within_the_stores_integers(raw, expected):
    assert bounds.row_id(raw, "id") == expected


@pytest.mark.parametrize("raw", ["²", "٣", "-1", "+1", " 1", "1_0", "", "1.0", "9" * 30,
                                 str(bounds.MAX_ID + 1), -1, True, None, 1.0, "9" * 5000])
def test_anything_else_is_refused_naming_the_field_and_echoing_little(raw):
    with pytest.raises(bounds.BadInput) as caught:
        bounds.row_id(raw, "cursor")
    assert caught.value.reason.startswith("cursor must be a whole number from 0 to")
    assert len(caught.value.reason) < 120


def test_whole_or_none_is_for_what_a_page_only_shows():
    assert bounds.whole_or_none("30", "minutes", 1, 60) == 30
    assert bounds.whole_or_none("²", "minutes", 1, 60) is None
    assert bounds.whole_or_none("61", "minutes", 1, 60) is None


@pytest.mark.parametrize("value,why", [("a\x00b", "note: contains a NUL character"),
                                       ("a\ud800b", "note: contains a broken character"),
                                       ("x" * 11, "note: at most 10 characters, got 11"),
                                       (3, "note: expected a string")])
def test_text_no_store_keeps_is_refused_with_the_reason(value, why):
    with pytest.raises(bounds.BadInput) as caught:
        bounds.text(value, "note", 10)
    assert caught.value.reason.startswith(why)


def test_text_keeps_line_breaks_and_other_characters():
    assert bounds.text("  Hoidossa\nklo 14 \t", "note", 100) == "Hoidossa\nklo 14"
    assert bounds.text(None, "note", 10) == ""
    with pytest.raises(bounds.BadInput, match="required"):
        bounds.text("  ", "note", 10, required=True)


@pytest.mark.parametrize("raw", ["0001-01-01", "1999-12-31 23:00", "2101-01-01T00:00+02:00",
                                 "9999-12-31"])
def test_dates_outside_2000_to_2100_are_refused_before_parsing(raw):
    with pytest.raises(bounds.BadInput, match="from: expected a date from 2000 to 2100"):
        bounds.date_text(raw, "from")


def test_a_parsed_moment_outside_the_years_is_refused():
    assert bounds.moment(datetime(2026, 11, 24, tzinfo=UTC), "at").year == 2026
    with pytest.raises(bounds.BadInput):
        bounds.moment(datetime(1, 1, 1, tzinfo=UTC), "at")


def test_intake_cleans_with_the_same_surrogate_rule():
    assert clean.one_line("a\ud800b") == "a\ufffdb"
    assert bounds.unstorable(clean.multi_line("a\x00\ud800b")) is None
