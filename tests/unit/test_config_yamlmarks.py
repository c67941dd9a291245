"""YAML reading: lines kept for every key and item, duplicates and syntax errors reported."""

from __future__ import annotations

from datetime import date

import pytest

from escalator.config.yamlmarks import MarkedList, MarkedMap, parse
from escalator.domain.errors import ConfigError


def test_keys_and_items_keep_their_lines():
    data, duplicates = parse("a: 1\nb:\n  - x\n  -\n    c: 2\n  - [y, z]\n", "f.yaml")
    assert duplicates == []
    assert isinstance(data, MarkedMap)
    assert data.key_lines == {"a": 1, "b": 2}
    items = data["b"]
    assert isinstance(items, MarkedList)
    assert items.lines == [3, 5, 6]  # an item starting on the next line: that line
    assert items[1].key_lines == {"c": 5}
    assert items[2].lines == [6, 6]


def test_duplicate_keys_are_reported_with_both_lines():
    _, duplicates = parse("a: 1\nb:\n  c: 1\n  d: 2\n  c: 3\na: 2\n", "f.yaml")
    assert sorted(duplicates) == [(5, "duplicate key 'c', first at line 3"),
                          (6, "duplicate key 'a', first at line 1")]


def test_merge_keys_are_not_duplicates():
    text = "base: &b {x: 1, y: 2}\nderived:\n  <<: *b\n  y: 3\n"
    data, duplicates = parse(text, "f.yaml")
    assert duplicates == []
    assert data["derived"] == {"x": 1, "y": 3}


def test_dates_stay_dates_and_impossible_dates_stay_text():
    data, _ = parse("ok: 2026-12-24\nbad: 2026-13-01\n", "f.yaml")
    assert data == {"ok": date(2026, 12, 24), "bad": "2026-13-01"}


@pytest.mark.parametrize("text,expected", [
    ("a: [1, 2\nb: 3\n",
     "f.yaml:2: YAML syntax error: expected ',' or ']', but got ':' "
     "(while parsing a flow sequence at line 1)"),
    ("a: b: c\n",
     "f.yaml:1: YAML syntax error: mapping values are not allowed here "
     "(a value containing ': ' or ending in ':' must be in quotes)"),
    ("a:\n\tb: 1\n",
     "f.yaml:2: YAML syntax error: found character '\\t' that cannot start any token "
     "(indent with spaces, not tabs)"),
    ("a: 'open\n", "f.yaml:2: YAML syntax error: found unexpected end of stream "
                   "(while scanning a quoted scalar at line 1)"),
    ("a: 1\n---\nb: 2\n", "f.yaml:2: YAML syntax error: but found another document "
                          "(expected a single document in the stream at line 1)"),
    ("a: \x07\n", "f.yaml:1: YAML syntax error: special characters are not allowed"),
])
def test_syntax_errors_name_file_and_line(text, expected):
    with pytest.raises(ConfigError) as caught:
        parse(text, "f.yaml")
    assert caught.value.problems == [expected]
