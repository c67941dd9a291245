"""Checks of the gettext catalogues and of the keys the code asks for.

Run by tests/unit/test_catalogs.py and by hand after editing a `.po`:

    python -m escalator.i18n.check

What counts as a problem (each one a line saying file, key and why):
- a `.po` or the `.pot` that Babel cannot read, or that cannot be compiled;
- a key in one file and not in another (the template and fi, sv, en agree);
- in fi and sv: an empty or fuzzy entry, or one left as the English text (a
  translator has not finished it; `SAME_AS_ENGLISH` lists the few meant to be so);
- a plural entry without exactly the forms its language's `Plural-Forms` says,
  or a `Plural-Forms` header that is not the language's;
- `{name}` placeholders that differ between the English and a translation
  (a plural form may leave the count out: "kerran" says 1 without `{count}`);
- a key the code names (a literal passed to `t`, `tn`, `bt`, `say`, a
  template's `t("...")`, a literal such as "reason.OPENED", or the fixed
  start of an f-string key such as f"state.{...}") that the catalogue lacks.
"""

from __future__ import annotations

import ast
import io
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from string import Formatter

from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from escalator.i18n.catalogs import DOMAIN, LANGUAGES, LOCALE_DIR

PACKAGE = Path(__file__).resolve().parent.parent
REQUIRED = ("fi", "sv")  # English is the msgid itself; these two must be complete
PLURAL_FORMS = {"fi": "nplurals=2; plural=(n != 1);", "sv": "nplurals=2; plural=(n != 1);",
                "en": "nplurals=2; plural=(n != 1);"}
# Lookup functions and the position of their key argument.
# Entries whose Finnish and Swedish are the English text on purpose (names, units, "{a}: {b}").
# Any other fi/sv text equal to the English counts as not translated.
SAME_AS_ENGLISH = frozenset({
    "unit.minutes", "unit.min", "unit.h", "wk.period", "signed_in", "outbox.pressed_as",
    "ch.telegram", "ch.sms", "channel.telegram", "failure.line", "hist.version",
    "cfg.text"})
LOOKUPS = {"t": 1, "tn": 1, "bt": 1, "et": 1, "say": 1, "_say": 1, "_reply": 2, "shared": 1,
           "shared_t": 1, "template": 1}


def placeholders(text: str) -> frozenset[str]:
    try:
        return frozenset(name for _, name, _, _ in Formatter().parse(text) if name)
    except ValueError:
        return frozenset({"<unbalanced braces>"})


def read(path: Path, locale: str | None) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, locale=locale, domain=DOMAIN, abort_invalid=True)


def catalogue_problems(locale_dir: Path = LOCALE_DIR) -> list[str]:
    problems: list[str] = []
    files = {"pot": locale_dir / f"{DOMAIN}.pot"}
    files |= {lang: locale_dir / lang / "LC_MESSAGES" / f"{DOMAIN}.po" for lang in LANGUAGES}
    parsed: dict[str, Catalog] = {}
    for name, path in files.items():
        try:
            parsed[name] = read(path, None if name == "pot" else name)
            write_mo(io.BytesIO(), parsed[name])  # what `pybabel compile` does
        except Exception as e:  # noqa: BLE001 - any reason a file is unusable is a finding
            problems.append(f"{path}: cannot be read or compiled: {e}")
    if "en" not in parsed:
        return problems
    contexts = {name: _contexts(cat, files[name], problems) for name, cat in parsed.items()}
    expected = contexts["en"]
    for name, found in contexts.items():
        for key in sorted(expected - found):
            problems.append(f"{files[name]}: {key}: missing")
        for key in sorted(found - expected):
            problems.append(f"{files[name]}: {key}: not in the English catalogue")
    for lang in LANGUAGES:
        if lang in parsed:
            problems += _language_problems(parsed[lang], lang, files[lang])
    return problems


def _contexts(catalog: Catalog, path: Path, problems: list[str]) -> set[str]:
    seen: set[str] = set()
    for m in catalog:
        if not m.id:
            continue
        if not m.context:
            problems.append(f"{path}: {m.id!r}: no msgctxt (the key the code asks for)")
        elif m.context in seen:
            problems.append(f"{path}: {m.context}: twice")
        else:
            seen.add(m.context)
    return seen


def _language_problems(catalog: Catalog, lang: str, path: Path) -> list[str]:
    problems: list[str] = []
    header = (catalog.mime_headers and dict(catalog.mime_headers).get("Plural-Forms")) or ""
    if header.replace(" ", "") != PLURAL_FORMS[lang].replace(" ", ""):
        problems.append(f"{path}: Plural-Forms is {header!r}, not {PLURAL_FORMS[lang]!r}")
    nplurals = int(PLURAL_FORMS[lang].split(";")[0].split("=")[1])
    for m in catalog:
        if not m.id or not m.context:
            continue
        problems += [f"{path}: {m.context}: {why}" for why in _entry_problems(m, lang, nplurals)]
    return problems


def _entry_problems(m: Message, lang: str, nplurals: int) -> list[str]:
    out: list[str] = []
    if m.fuzzy and lang in REQUIRED:
        out.append("fuzzy (not yet checked by a translator)")
    ids = m.id if isinstance(m.id, tuple | list) else (m.id,)
    strings = m.string if isinstance(m.string, tuple | list) else (m.string,)
    plural = len(ids) > 1
    if plural != isinstance(m.string, tuple | list):
        return [*out, "plural in the English and not in the translation, or the reverse"]
    if plural and len(strings) != nplurals:
        out.append(f"{len(strings)} plural forms, the language has {nplurals}")
    if lang in REQUIRED and not all(strings):
        out.append("not translated (empty)")
    elif lang in REQUIRED and tuple(strings) == tuple(ids)[:len(strings)] \
            and m.context not in SAME_AS_ENGLISH:
        out.append("not translated (the English text; if meant, add the key to "
                   "SAME_AS_ENGLISH in escalator/i18n/check.py)")
    if not any(strings):
        return out
    wanted = frozenset().union(*(placeholders(i) for i in ids))
    got = [placeholders(s) for s in strings if s]
    if plural:
        if frozenset().union(*got) != wanted or any(not g <= wanted for g in got):
            out.append(f"placeholders {sorted(frozenset().union(*got))} "
                       f"!= English {sorted(wanted)}")
    elif got[0] != wanted:
        out.append(f"placeholders {sorted(got[0])} != English {sorted(wanted)}")
    if wanted & {"lang", "key"}:
        out.append("placeholder named lang or key clashes with t(lang, key, ...)")
    return out


# -- the keys the code asks for -----------------------------------------------------------
def keys_in_code(root: Path = PACKAGE) -> list[tuple[str, str, bool]]:
    """(where, key or key prefix, is_prefix) for every key the code names literally."""
    prefixes = _prefixes()
    found: list[tuple[str, str, bool]] = []
    for path in sorted(root.rglob("*.py")):
        found += _keys_in_python(path, prefixes)
    for path in sorted(root.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"""\b(?:t|bt|tn|et)\(\s*["']([^"'{}]+)["']\s*([,)~+])""", text):
            line = text.count("\n", 0, match.start()) + 1
            found.append((f"{path}:{line}", match.group(1), match.group(2) in "~+"))
    return list(dict.fromkeys(found))  # a literal in a lookup call is also a literal


def _prefixes() -> frozenset[str]:
    from escalator.i18n import catalogs

    return frozenset(k.split(".")[0] + "." for k in catalogs.keys() if "." in k)


def _keys_in_python(path: Path, prefixes: frozenset[str]) -> list[tuple[str, str, bool]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef
                                | ast.AsyncFunctionDef)
                  and node.body and isinstance(node.body[0], ast.Expr)}
    in_fstrings = {id(part) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr)
                   for part in node.values}
    # NAME = "config.loaded": a constant naming something else (an audit kind, a topic);
    # a text key held in a constant is still checked where it is passed to t().
    constants = {id(node.value) for node in ast.walk(tree)
                 if isinstance(node, ast.Assign) and all(
                     isinstance(x, ast.Name) and x.id.isupper() for x in node.targets)}
    out: list[tuple[str, str, bool]] = []
    for node in ast.walk(tree):
        where = f"{path}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Call) and _name(node.func) in LOOKUPS:
            at = LOOKUPS[_name(node.func)]
            arg = node.args[at] if len(node.args) > at else None
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                out.append((where, arg.value, False))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and id(node) not in docstrings | in_fstrings | constants \
                and re.fullmatch(r"[a-z_]+\.[A-Za-z0-9_.]+", node.value) \
                and node.value.split(".")[0] + "." in prefixes:
            out.append((where, node.value, False))
        elif isinstance(node, ast.JoinedStr) and node.values \
                and isinstance(node.values[0], ast.Constant) \
                and isinstance(node.values[0].value, str):
            head = node.values[0].value
            if re.fullmatch(r"[a-z_]+\.[A-Za-z0-9_.]*", head) and head.split(".")[0] + "." \
                    in prefixes and len(node.values) > 1:
                out.append((where, head, True))
    return out


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def code_problems(found: Iterable[tuple[str, str, bool]] | None = None) -> list[str]:
    from escalator.i18n import catalogs

    known = catalogs.keys()
    problems = []
    for where, key, is_prefix in (keys_in_code() if found is None else found):
        if is_prefix and not any(k.startswith(key) for k in known):
            problems.append(f"{where}: no catalogue key starts with {key!r}")
        elif not is_prefix and key not in known and not _allowed(key):
            problems.append(f"{where}: {key!r} is not in the catalogue")
    return problems


def _allowed(key: str) -> bool:
    """Literals that look like keys but are not texts (dotted names of other things)."""
    return key.endswith((".py", ".html", ".yaml", ".sql", ".json", ".po", ".pot", ".pdf",
                         ".csv", ".svg", ".png", ".css", ".js"))


def main() -> int:
    problems = catalogue_problems() + code_problems()
    for line in problems:
        print(line)
    print(f"{len(problems)} problems", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
