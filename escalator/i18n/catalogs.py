"""The gettext catalogues every text comes from, read once per language with Babel.

Files: `locale/<lang>/LC_MESSAGES/escalator.po` (one domain, `escalator`), made
from `locale/escalator.pot`. An entry's `msgctxt` is the stable key the code
asks for, its `msgid` the English text a translator reads, its `msgstr` the
translation. The `.po` files are read directly (no compile step, so what a
translator edits is what runs); `pybabel compile` still works on them.

An entry that is empty or marked fuzzy counts as missing here, so the reader
gets the next language in the fallback order instead of a half-done text; the
catalogue test fails on such entries in fi or sv before they ship.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable, Iterator, Mapping
from functools import cache
from pathlib import Path
from string import Formatter

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

DOMAIN = "escalator"
LANGUAGES = ("fi", "sv", "en")
LOCALE_DIR = Path(__file__).parent / "locale"

Text = str | tuple[str, ...]


def normalise(lang: str | None) -> str:
    """'sv-FI', 'sv_FI', 'SV' -> 'sv'."""
    return (lang or "").replace("-", "_").split("_")[0].lower()


@cache
def catalog(lang: str) -> Catalog:
    """The parsed `.po` of a language (Babel's Catalog); an unknown language is empty."""
    path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if lang not in LANGUAGES or not path.exists():
        return Catalog(locale=None, domain=DOMAIN)
    with path.open("rb") as f:
        return read_po(f, locale=lang, domain=DOMAIN)


@cache
def messages(lang: str) -> dict[str, Text]:
    """key (msgctxt) -> translated text, or the plural forms; empty and fuzzy left out."""
    out: dict[str, Text] = {}
    for m in catalog(lang):
        if not m.id or m.context is None or m.fuzzy:
            continue
        if isinstance(m.string, tuple | list):
            forms = tuple(str(s) for s in m.string)
            if all(forms):
                out[m.context] = forms
        elif m.string:
            out[m.context] = str(m.string)
    return out


@cache
def plural_index(lang: str) -> Callable[[int], int]:
    """The catalogue's own `Plural-Forms` rule (n -> index of the form)."""
    return gettext.c2py(catalog(lang).plural_expr or "(n != 1)")


def lookup(key: str, *langs: str | None) -> tuple[str, Text] | None:
    """The first language of `langs`, then English, that has `key`: (language, text)."""
    tried: list[str] = []
    for lang in (*langs, "en"):
        code = normalise(lang)
        if not code or code in tried:
            continue
        tried.append(code)
        found = messages(code).get(key)
        if found is not None:
            return code, found
    return None


def choose(lang: str, forms: Text, n: object) -> str:
    """The plural form for `n` (an int, or digits); a plain text is its own form."""
    if isinstance(forms, str):
        return forms
    try:
        count = int(str(n))
    except (TypeError, ValueError):
        count = 2  # no count given: the general ("other") form reads right
    index = plural_index(lang)(abs(count))
    return forms[min(index, len(forms) - 1)]


def count_of(forms: Text, values: Mapping[str, object]) -> object:
    """The count a plural entry shows: its first placeholder that holds a whole number."""
    if isinstance(forms, str):
        return None
    for _, name, _, _ in Formatter().parse(forms[-1]):
        value = values.get(name) if name else None
        if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
            return value
    return None


def has(key: str) -> bool:
    return key in messages("en")


def keys() -> frozenset[str]:
    return frozenset(messages("en"))


class CatalogView(Mapping[str, Mapping[str, str]]):
    """Read-only `{key: {lang: text}}` over the catalogues, for code that reads tables.

    Plural entries show their general form. Kept so code written against the old
    dicts keeps working; new code calls `t()` / `tn()`.
    """

    def __getitem__(self, key: str) -> Mapping[str, str]:
        if not has(key):
            raise KeyError(key)
        return FromCatalog(key)

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(keys()))

    def __len__(self) -> int:
        return len(keys())

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and has(key)


class FromCatalog(Mapping[str, str]):
    """One key's text per language, read from the catalogues (a lazy `{lang: text}`)."""

    def __init__(self, key: str) -> None:
        self.key = key

    def __getitem__(self, lang: str) -> str:
        found = messages(normalise(lang)).get(self.key)
        if found is None:
            raise KeyError(lang)
        return choose(lang, found, None)

    def __iter__(self) -> Iterator[str]:
        return iter([lang for lang in LANGUAGES if self.key in messages(lang)])

    def __len__(self) -> int:
        return sum(1 for _ in self)
