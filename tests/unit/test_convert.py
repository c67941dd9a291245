"""The converter the lead runs at merge: a dict module becomes catalogue entries, re-runnably."""

from __future__ import annotations

import shutil

import pytest
from babel.messages.pofile import read_po

from escalator.i18n import catalogs, convert
from escalator.i18n.check import catalogue_problems

NEW = '''
TEXTS = {
    "editor.saved": {"fi": "Tallennettu: {who}", "sv": "Sparat av {who}", "en": "Saved by {who}"},
    "editor.errors": {"fi": ("{n} virhe", "{n} virhettä"), "sv": ("{n} fel", "{n} fel"),
                      "en": ("{n} error", "{n} errors")},
}
'''


@pytest.fixture
def locale(tmp_path, monkeypatch):
    shutil.copytree(catalogs.LOCALE_DIR, tmp_path / "locale")
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path / "locale"


def entries(locale, lang):
    with convert.po_path(lang, locale).open("rb") as f:
        return {m.context: m for m in read_po(f, locale=lang) if m.id}


def test_a_dict_module_becomes_entries_in_every_file_and_a_rerun_changes_nothing(
        tmp_path, locale, capsys):
    (tmp_path / "new_texts_a.py").write_text(NEW, encoding="utf-8")
    before = {lang: entries(locale, lang) for lang in ("fi", "sv", "en")}
    assert convert.main(["new_texts_a", "--locale-dir", str(locale)]) == 0
    assert "2 texts read, 6 catalogue entries written or changed" in capsys.readouterr().out
    fi = entries(locale, "fi")
    assert fi["editor.saved"].id == "Saved by {who}" and fi["editor.saved"].string == \
        "Tallennettu: {who}"
    assert fi["editor.errors"].id == ("{n} error", "{n} errors")
    assert fi["editor.errors"].string == ("{n} virhe", "{n} virhettä")
    assert {k: m.string for k, m in fi.items() if k in before["fi"]} == \
        {k: m.string for k, m in before["fi"].items()}  # nothing else touched
    with (locale / "escalator.pot").open("rb") as f:
        pot = {m.context: m for m in read_po(f) if m.id}
    assert pot["editor.saved"].string == "" and pot["editor.errors"].string == ("", "")
    assert catalogue_problems(locale) == []
    files = {p: p.read_bytes() for p in locale.rglob("*.po*")}
    assert convert.main(["new_texts_a", "--locale-dir", str(locale)]) == 0
    assert "0 catalogue entries written or changed" in capsys.readouterr().out
    assert {p: p.read_bytes() for p in locale.rglob("*.po*")} == files


def test_a_changed_text_is_replaced_where_it_stands(tmp_path, locale, capsys):
    (tmp_path / "new_texts_b.py").write_text(
        'TEXTS = {"page.title": {"fi": "Hälytys!", "sv": "Larm!", "en": "Alarm!"}}\n',
        encoding="utf-8")
    order = list(entries(locale, "sv"))
    assert convert.main(["new_texts_b", "--locale-dir", str(locale)]) == 0
    sv = entries(locale, "sv")
    assert list(sv) == order
    assert (sv["page.title"].id, sv["page.title"].string) == ("Alarm!", "Larm!")
    assert "replacing page.title: was 'Alarm'" in capsys.readouterr().err


@pytest.mark.parametrize("module, body, said", [
    ("new_texts_c", 'TEXTS = {"x.y": {"fi": "a", "en": "b"}}', "x.y: no sv text"),
    ("new_texts_d", 'TEXTS = {"x.y": {"fi": ("a", "b"), "sv": "c", "en": ("d", "e")}}',
     "plural in one"),
])
def test_an_incomplete_entry_is_refused_and_nothing_is_written(tmp_path, locale, module, body,
                                                               said):
    (tmp_path / f"{module}.py").write_text(body + "\n", encoding="utf-8")
    files = {p: p.read_bytes() for p in locale.rglob("*.po*")}
    with pytest.raises(SystemExit, match=said):
        convert.main([module, "--locale-dir", str(locale)])
    assert {p: p.read_bytes() for p in locale.rglob("*.po*")} == files
