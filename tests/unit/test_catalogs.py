"""The gettext catalogues are complete in fi, sv and en, and the code asks only for keys they have.

The guard itself is tested on planted defects (a copy of the catalogues with one
entry broken each way), so a check that silently stopped looking would fail here.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po

from escalator.i18n import LANGUAGES, catalogs, code_label, reader_language, t, tn
from escalator.i18n.check import (
    catalogue_problems,
    code_problems,
    keys_in_code,
)

LOCALE = catalogs.LOCALE_DIR


def test_catalogues_have_no_problems():
    assert catalogue_problems() == []


def test_the_code_asks_only_for_keys_the_catalogues_have():
    found = keys_in_code()
    assert len({key for _, key, prefix in found if not prefix}) > 200  # the scan does look
    assert code_problems(found) == []


def test_every_key_is_in_every_language_and_differs_from_english_somewhere():
    keys = catalogs.keys()
    assert len(keys) > 450
    for lang in LANGUAGES:
        assert set(catalogs.messages(lang)) == keys, lang
    same_everywhere = [k for k in keys if catalogs.messages("fi")[k] == catalogs.messages("en")[k]
                       == catalogs.messages("sv")[k]]
    assert len(same_everywhere) < 25, same_everywhere  # units, "{start} – {end}", "Telegram"


# -- the guard finds planted defects ---------------------------------------------------------
def _copy(tmp_path: Path) -> Path:
    shutil.copytree(LOCALE, tmp_path / "locale")
    return tmp_path / "locale"


def _edit(locale: Path, lang: str, key: str, change) -> None:
    path = locale / lang / "LC_MESSAGES" / "escalator.po"
    with path.open("rb") as f:
        cat = read_po(f, locale=lang)
    message = next(m for m in cat if m.context == key)
    change(cat, message)
    with path.open("wb") as f:
        write_po(f, cat)


def _fuzzy(cat, m):
    m.flags.add("fuzzy")


def _empty(cat, m):
    m.string = ""


def _placeholder(cat, m):
    m.string = m.string.replace("{name}", "{nimi}")


def _english(cat, m):
    m.string = m.id


def _one_form(cat, m):
    m.string = (m.string[0],)


def _drop(cat, m):
    cat.delete(m.id, context=m.context)


@pytest.mark.parametrize("lang, key, change, said", [
    ("fi", "label.you", _fuzzy, "label.you: fuzzy"),
    ("sv", "label.you", _empty, "label.you: not translated"),
    ("sv", "label.you", _placeholder, "label.you: placeholders ['nimi'] != English ['name']"),
    ("sv", "page.title", _english, "page.title: not translated (the English text"),
    ("fi", "label.count", _one_form, "label.count: not translated"),  # form 2 written empty
    ("fi", "page.title", _drop, "page.title: missing"),
])
def test_the_guard_finds_a_planted_defect(tmp_path, lang, key, change, said):
    locale = _copy(tmp_path)
    assert catalogue_problems(locale) == []
    _edit(locale, lang, key, change)
    problems = catalogue_problems(locale)
    assert any(said in p for p in problems), problems


@pytest.mark.parametrize("rule, said", [
    ("nplurals=2; plural=(n > 1);", "Plural-Forms is"),  # French: 0 would read "kerran"
    ("nplurals=1; plural=0;", "cannot be read"),  # fewer forms than the entries have
])
def test_the_guard_finds_a_wrong_plural_forms_header(tmp_path, rule, said):
    locale = _copy(tmp_path)
    path = locale / "sv" / "LC_MESSAGES" / "escalator.po"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "nplurals=2; plural=(n != 1);", rule), encoding="utf-8")
    assert any(said in p and "/sv/" in p for p in catalogue_problems(locale))


def test_the_guard_finds_a_key_the_code_asks_for_and_the_catalogue_lacks(tmp_path):
    src = tmp_path / "pkg"
    (src / "templates").mkdir(parents=True)
    (src / "mod.py").write_text(
        'from escalator.i18n import t\n\n'
        'def f(lang, s):\n'
        '    return t(lang, "page.titel") + t(lang, f"nosuch.{s}") + t(lang, "page.title")\n',
        encoding="utf-8")
    (src / "templates" / "x.html").write_text('{{ t("nav.bored") }}', encoding="utf-8")
    problems = code_problems(keys_in_code(src))
    assert len(problems) == 2, problems  # f"nosuch.{s}" has no known prefix: not a key
    assert "'page.titel' is not in the catalogue" in problems[0] + problems[1]
    assert any("'nav.bored'" in p for p in problems)


def test_the_check_command_passes_on_the_shipped_files():
    done = subprocess.run([sys.executable, "-m", "escalator.i18n.check"], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stdout
    assert "0 problems" in done.stderr


# -- lookups ---------------------------------------------------------------------------------
@pytest.mark.parametrize("lang, one, many", [
    ("fi", "Toistunut kerran", "Toistunut 3 kertaa"),
    ("sv", "Upprepat en gång", "Upprepat 3 gånger"),
    ("en", "Repeated once", "Repeated 3 times"),
])
def test_plural_forms_follow_the_count(lang, one, many):
    assert tn(lang, "label.count", 1, count=1) == one
    assert tn(lang, "label.count", 3, count=3) == many
    assert t(lang, "label.count", count=3) == many  # t takes the count from the values
    assert tn(lang, "label.count", 0, count=0).endswith(("0 kertaa", "0 gånger", "0 times"))


def test_plural_form_with_another_placeholder_first():
    assert tn("fi", "audit.broken", 1, id=7, why="x", count=1).endswith("(1 rivi ennen sitä "
                                                                       "kunnossa)")
    assert tn("sv", "audit.intact", 2, count=2, hash="ab") == \
        "Granskningsloggen är intakt: 2 rader, senaste hash ab"


def test_fallback_order_language_then_english_then_key():
    assert t("sv", "page.title") == "Larm"
    assert t("sv-FI", "page.title") == "Larm"
    assert t("de", "page.title") == "Alarm"
    assert t("fi", "no.such.key") == "no.such.key"


def test_person_language_wins_over_the_facility_and_unknown_ones_fall_back():
    assert reader_language("sv", "fi") == "sv"
    assert reader_language(None, "sv") == "sv"
    assert reader_language("de", "sv") == "sv"
    assert reader_language(None, None) == "en"


def test_alarm_code_names_come_from_the_catalogue():
    assert code_label("fi", "FT") == "Palohälytyssilmukan vika"
    assert code_label("sv", "yx") == "Jordfel"
    assert code_label("en", "E373") == "Fire alarm loop fault"  # Contact ID -> SIA FT
    assert code_label("fi", "WA") == "Vesivuoto"
    assert code_label("fi", "ZZ9") == "ZZ9"


def test_the_catalogues_ship_with_the_package():
    pyproject = (Path(__file__).parents[2] / "pyproject.toml").read_text(encoding="utf-8")
    assert '"i18n/locale/*/LC_MESSAGES/*.po"' in pyproject
    assert '"i18n/locale/*.pot"' in pyproject


@pytest.mark.parametrize("lang", LANGUAGES)
def test_compiled_catalogues_answer_stdlib_gettext_as_our_lookup_does(tmp_path, lang):
    """What `pybabel compile` makes is ordinary gettext: pgettext/npgettext agree with t/tn."""
    import gettext

    from babel.messages.mofile import write_mo

    mo = tmp_path / "escalator.mo"
    with mo.open("wb") as f:
        write_mo(f, catalogs.catalog(lang))
    with mo.open("rb") as f:
        gnu = gettext.GNUTranslations(f)
    for key, text in catalogs.messages(lang).items():
        en = catalogs.catalog("en").get(_msgid(key), context=key)
        assert en is not None
        if isinstance(text, tuple):
            for n in (1, 2, 5):
                assert gnu.npgettext(key, en.id[0], en.id[1], n) == tn(lang, key, n), (key, n)
        else:
            assert gnu.pgettext(key, en.id) == text, key


def _msgid(key: str):
    return next(m.id for m in catalogs.catalog("en") if m.context == key)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_text_renders_with_its_values_filled_in(lang):
    """Every entry, every form: all placeholders filled, none left over, no format error."""
    from string import Formatter

    for key, text in catalogs.messages(lang).items():
        for n, form in enumerate(text if isinstance(text, tuple) else (text,)):
            values: dict[str, object] = {name: 1.5 if spec else f"<{name}>"  # {seconds:g}
                                         for _, name, spec, _ in Formatter().parse(form) if name}
            shown = form.format(**values)
            # a brace left in the text is one written doubled on purpose (a YAML example
            # like {{notify: [manager]}} in a config problem), never an unfilled placeholder
            assert shown.count("{") == form.count("{{"), key
            assert all(str(v) in shown for v in values.values()), key
            if isinstance(text, tuple):
                assert tn(lang, key, 1 if n == 0 else 5, **values) == shown, key
            else:
                assert t(lang, key, **values) == shown, key
