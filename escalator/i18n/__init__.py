"""Plain-language texts in the reader's language (Finnish first, Swedish, English).

Principle 5: the nurse reads "Fire alarm loop fault", not "FT". Every text
comes from the gettext catalogues in `escalator/i18n/locale/` (see
docs/translating.md). A lookup tries the reader's language, then English,
then shows the key itself, so a missing translation shows something readable
instead of failing a delivery; the catalogue test
(tests/unit/test_catalogs.py) fails before a missing fi or sv text ships.
The facility's language stands in for a person's when the person has none
(`reader_language`).
"""

from __future__ import annotations

from escalator.i18n import catalogs, codes
from escalator.i18n.catalogs import LANGUAGES, CatalogView

# Read-only {key: {lang: text}} over the catalogues, for code that reads a table.
TEXTS = CatalogView()


def reader_language(person: str | None, facility: str | None) -> str:
    """The language a person reads: their own, else the facility's, else English."""
    for lang in (person, facility):
        code = catalogs.normalise(lang)
        if code in LANGUAGES:
            return code
    return "en"


def template(lang: str, key: str, n: object = None,
             values: dict[str, object] | None = None) -> str | None:
    """The raw text of `key` in `lang` (English when `lang` lacks it); None when unknown.

    A plural entry gives the form for `n`, else for the count among `values`
    (its first placeholder holding a whole number), else its general form.
    """
    found = catalogs.lookup(key, lang)
    if found is None:
        return None
    got, text = found
    if n is None and values:
        n = catalogs.count_of(text, values)
    return catalogs.choose(got, text, n)


def t(lang: str, key: str, **values: object) -> str:
    """The text of `key` in `lang` with `{name}` placeholders filled.

    A plural entry takes its count from its first placeholder holding a whole
    number; call `tn` when another placeholder comes first.
    """
    return _format(template(lang, key, None, values) or key, values)


def tn(lang: str, key: str, n: int, /, **values: object) -> str:
    """A text that shows a count: the plural form for `n` per the language's rules."""
    return _format(template(lang, key, n) or key, values)


def _format(text: str, values: dict[str, object]) -> str:
    try:
        return text.format(**values)
    except (KeyError, IndexError, ValueError):
        return text


def code_label(lang: str, code: str) -> str:
    """Readable name of an alarm code; unknown codes are shown as they came.

    The facility's own `codes:` entries win, then the short names (`code.*`
    entries), then the SIA and Contact ID catalogue (`escalator.i18n.codes`).
    """
    own = codes.override_label(lang, code)
    if own:
        return own
    for variant in (code, code.upper(), code.lower()):
        if catalogs.has(f"code.{variant}"):
            return template(lang, f"code.{variant}") or code
    return codes.label(lang, code) or code


__all__ = ["LANGUAGES", "TEXTS", "code_label", "reader_language", "t", "template", "tn"]
