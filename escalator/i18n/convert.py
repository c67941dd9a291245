"""Turn a module of text dicts into entries of the gettext catalogues (re-runnable).

Developers (and helpers who work on a branch) may write new texts in the old
style, a module-level dict `{"key": {"fi": .., "sv": .., "en": ..}}`; this
moves them into `escalator/i18n/locale/{fi,sv,en}/LC_MESSAGES/escalator.po`
and the template `escalator.pot`, where translators work on them:

    python -m escalator.i18n.convert escalator.some.module [--prefix code.] [--attr TEXTS]

The key becomes the entry's `msgctxt` (what the code asks for), the English
text its `msgid` (what a translator reads), each language's text its `msgstr`.
A value given as a pair `("one", "{n} other")` is a plural entry
(`msgid_plural`, one form per the language's `Plural-Forms`). An existing key
is replaced (and said on stderr, so a clash of keys is seen), a new one is
appended, nothing else is touched: running it twice gives the same files.
Afterwards delete the dict; the code keeps calling `t(lang, key, ...)` /
`tn(lang, key, n, ...)`.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po, write_po

from escalator.i18n.catalogs import DOMAIN, LANGUAGES, LOCALE_DIR

Text = str | tuple[str, ...]
Entry = tuple[str, Mapping[str, Text]]

HEADER = "Texts of escalator, the alarm escalation service for care facilities."


def po_path(lang: str, locale_dir: Path = LOCALE_DIR) -> Path:
    return locale_dir / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def pot_path(locale_dir: Path = LOCALE_DIR) -> Path:
    return locale_dir / f"{DOMAIN}.pot"


def entries_of(module: object, attrs: Sequence[str] = (), prefix: str = "") -> list[Entry]:
    """Every module-level dict of language dicts (or only `attrs`), keys prefixed."""
    names = attrs or [n for n in vars(module) if n.isupper() and not n.startswith("_")]
    out: list[Entry] = []
    for name in names:
        table = getattr(module, name)
        if not isinstance(table, Mapping) or not table:
            continue
        if not all(isinstance(v, Mapping) and "en" in v for v in table.values()):
            continue
        for key, texts in table.items():
            out.append((prefix + str(key), {lang: _text(texts[lang]) for lang in texts}))
    return out


def _text(value: object) -> Text:
    if isinstance(value, list | tuple):
        return tuple(str(v) for v in value)
    return str(value)


def _load(path: Path, locale: str | None) -> Catalog:
    if path.exists():
        with path.open("rb") as f:
            return read_po(f, locale=locale, domain=DOMAIN)
    catalog = Catalog(locale=locale, domain=DOMAIN, project="escalator", version="1",
                      header_comment=f"# {HEADER}\n#", fuzzy=False)
    return catalog


def _save(catalog: Catalog, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        write_po(f, catalog, width=76, omit_header=False, include_previous=False)


def merge(entries: Iterable[Entry], locale_dir: Path = LOCALE_DIR) -> int:
    """Write the entries into the template and every language's catalogue; count changes.

    A key already there is replaced where it stands (small diffs for review);
    a new key goes at the end.
    """
    entries = list(entries)
    changed = 0
    for key, texts in entries:
        missing = [lang for lang in LANGUAGES if not texts.get(lang)]
        if missing:
            raise SystemExit(f"{key}: no {', '.join(missing)} text (fi, sv and en are all needed)")
        if len({isinstance(texts[lang], tuple) for lang in LANGUAGES}) > 1:
            raise SystemExit(f"{key}: plural in one language and not in another")
    existing = {m.context: m.id for m in _load(po_path("en", locale_dir), "en") if m.id}
    for key, texts in entries:
        if key in existing and existing[key] != _msgid(texts["en"]):
            print(f"replacing {key}: was {existing[key]!r}", file=sys.stderr)
    blank = {key: ("", "") if isinstance(texts["en"], tuple) else "" for key, texts in entries}
    _rewrite(_load(pot_path(locale_dir), None), pot_path(locale_dir), entries, blank)
    for lang in LANGUAGES:
        strings = {key: texts[lang] for key, texts in entries}
        changed += _rewrite(_load(po_path(lang, locale_dir), lang), po_path(lang, locale_dir),
                            entries, strings)
    return changed


def _rewrite(catalog: Catalog, path: Path, entries: list[Entry],
             strings: Mapping[str, Text]) -> int:
    """The catalogue with each entry's context given `msgid` and `strings[key]`."""
    wanted = {key: (_msgid(texts["en"]), strings[key]) for key, texts in entries}
    old = [m for m in catalog if m.id]
    changed = 0
    for message in old:
        catalog.delete(message.id, context=message.context)
    for message in old:
        if message.context in wanted:
            msgid, string = wanted.pop(message.context)
            same = message.id == msgid and message.string == string and not message.fuzzy
            changed += not same
            message = Message(msgid, string, context=message.context,
                              flags=message.flags - {"fuzzy"},
                              auto_comments=message.auto_comments,
                              user_comments=message.user_comments)
        catalog[message.id] = message  # type: ignore[index]
    for key, (msgid, string) in wanted.items():
        catalog.add(msgid, string, context=key)
        changed += 1
    _save(catalog, path)
    return changed


def _msgid(en: Text) -> Text:
    return en if isinstance(en, str) else (en[0], en[-1])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m escalator.i18n.convert",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="+", help="dotted module names holding text dicts")
    parser.add_argument("--attr", action="append", default=[],
                        help="only this dict of the module (repeatable)")
    parser.add_argument("--prefix", default="", help="put before every key, e.g. 'code.'")
    parser.add_argument("--locale-dir", type=Path, default=LOCALE_DIR)
    args = parser.parse_args(argv)
    entries: list[Entry] = []
    for name in args.modules:
        found = entries_of(importlib.import_module(name), args.attr, args.prefix)
        if not found:
            print(f"{name}: no text dicts found", file=sys.stderr)
            return 2
        entries += found
    seen: dict[str, Mapping[str, Text]] = {}
    for key, texts in entries:
        if key in seen and seen[key] != texts:
            print(f"{key}: given twice with different texts", file=sys.stderr)
            return 2
        seen[key] = texts
    changed = merge(entries, args.locale_dir)
    print(f"{len(entries)} texts read, {changed} catalogue entries written or changed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
