"""Reading polled documents: the path syntax, the three formats, and properties."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalator.codecs.fields import get_path, path_steps
from escalator.codecs.pollformat import FormatError, active_alarms, read_document


@pytest.mark.parametrize("path,steps", [
    ("a", ["a"]), ("a.b.c", ["a", "b", "c"]), ("items[2].code", ["items", 2, "code"]),
    ("point.@name", ["point", "@name"]), ("Alarm code", ["Alarm code"]), ("m[0][1]", ["m", 0, 1]),
])
def test_path_steps(path, steps):
    assert path_steps(path) == steps


def test_get_path_misses_are_none():
    doc = {"a": [{"b": 1}], "c": "x"}
    assert get_path(doc, "a[0].b") == 1
    assert get_path(doc, "a[1].b") is None
    assert get_path(doc, "c.d") is None
    assert get_path(doc, "a.b") is None


XML = b"""<?xml version="1.0" encoding="UTF-8"?>
<status><alarms>
  <alarm id="7"><code>FT</code><point name="Silmukka 2"/></alarm>
  <alarm id="8"><code>YX</code><point name="Keitti\xc3\xb6">kellari</point></alarm>
</alarms></status>"""


def test_xml_elements_attributes_and_text():
    doc = read_document(XML, "xml")
    found = active_alarms(doc, "alarms.alarm", {"code": "code", "point": "point.@name",
                                                "text": "point.#text"})
    assert [(a.code, a.point, a.text) for a in found.values()] == [
        ("FT", "Silmukka 2", ""), ("YX", "Keittiö", "kellari")]


def test_one_xml_item_and_no_items():
    one = read_document(b"<alarms><alarm><code>FA</code></alarm></alarms>", "xml")
    assert list(active_alarms(one, "alarm", {"code": "code"})) == [("FA", "")]
    none = read_document(b"<alarms></alarms>", "xml")
    assert active_alarms(none, "alarm", {"code": "code"}) == {}


def test_plain_lists_and_a_default_code():
    assert list(active_alarms(["FT", "YX"], "", {})) == [("FT", ""), ("YX", "")]
    doc = [{"room": "12"}, {"room": "14"}]
    assert list(active_alarms(doc, "", {"point": "room"}, "MA")) == [("MA", "12"), ("MA", "14")]


def test_csv_with_bom_and_spaces_in_headers():
    doc = read_document("\ufeffAlarm code,Where\nFT,Loop 1\n".encode(), "csv")
    assert list(active_alarms(doc, "", {"code": "Alarm code", "point": "Where"})) \
        == [("FT", "Loop 1")]


@pytest.mark.parametrize("body,fmt", [(b"{", "json"), (b"<a>", "xml"), (b"\xff\xfe", "csv")])
def test_unreadable_documents(body, fmt):
    with pytest.raises(FormatError):
        read_document(body, fmt)


def test_items_must_be_a_list():
    with pytest.raises(FormatError):
        active_alarms({"items": 5}, "items", {"code": "c"})


codes = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=2, max_size=4)
points = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=20)


@settings(deadline=None)
@given(st.lists(st.tuples(codes, points), max_size=30))
def test_json_lists_read_back_as_their_distinct_entries(entries):
    body = json.dumps({"d": [{"c": c, "p": {"n": p}} for c, p in entries]}).encode()
    found = active_alarms(read_document(body, "json"), "d", {"code": "c", "point": "p.n"})
    assert list(found) == list(dict.fromkeys((c, p.strip()) for c, p in entries))


@settings(deadline=None)
@given(st.binary(max_size=500), st.sampled_from(["json", "xml", "csv"]))
def test_garbage_is_a_format_error_or_a_result(body, fmt):
    try:
        active_alarms(read_document(body, fmt), "", {"code": "code"})
    except FormatError:
        pass
