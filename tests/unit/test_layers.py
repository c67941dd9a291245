"""The layers import one way only (docs/architecture.md, "Layout").

The composition root (escalator/app.py) builds the use cases and the web app; the HTTP
entry points take the use cases and never the app; outbound channels (notify/) know
no entry point; and no module of escalator imports itself back through others.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import escalator

ROOT = Path(escalator.__file__).parent


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in ROOT.rglob("*.py")}


def imports_of(path: Path) -> set[str]:
    """Every escalator module this file imports, anywhere in it (also inside functions
    and under TYPE_CHECKING): `from a.b import c` counts as a.b.c when c is a module."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                child = f"{node.module}.{alias.name}"
                found.add(child if child in MODULES else node.module)
    return {n for n in found if n in MODULES}


GRAPH = {name: imports_of(path) for name, path in MODULES.items()}


def under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def offenders(importer: str, imported: str) -> dict[str, set[str]]:
    return {m: bad for m, deps in GRAPH.items() if under(m, importer)
            if (bad := {d for d in deps if under(d, imported)})}


def test_the_http_layer_never_imports_the_app():
    assert offenders("escalator.entrypoints", "escalator.app") == {}


def test_use_cases_know_neither_the_app_nor_the_web():
    assert offenders("escalator.usecases", "escalator.app") == {}
    assert offenders("escalator.usecases", "escalator.entrypoints") == {}


def test_outbound_channels_know_no_entry_point():
    assert offenders("escalator.notify", "escalator.entrypoints") == {}


def test_channels_only_send_and_the_dispatcher_knows_no_entry_point():
    """notify/ renders and sends; deciding and recording is dispatch/'s, which is reached
    from the composition root, never from a way in."""
    assert offenders("escalator.notify", "escalator.dispatch") == {}
    assert offenders("escalator.dispatch", "escalator.entrypoints") == {}
    assert offenders("escalator.entrypoints", "escalator.dispatch") == {}
    assert "escalator.dispatch.stages" in GRAPH["escalator.dispatch.attempt"]


def test_no_import_circle():
    """A module that imports itself back through others: found by a depth-first walk."""
    circles: list[list[str]] = []
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    path: list[str] = []

    def walk(m: str) -> None:
        state[m] = 1
        path.append(m)
        for d in sorted(GRAPH[m]):
            if state.get(d) == 1:
                circles.append(path[path.index(d):] + [d])
            elif d not in state:
                walk(d)
        path.pop()
        state[m] = 2

    for m in sorted(GRAPH):
        if m not in state:
            walk(m)
    assert circles == []


def test_the_walk_sees_imports():
    """The checks above hold because the graph is right, not because it is empty."""
    assert "escalator.entrypoints.http.server" in GRAPH["escalator.app"]
    assert "escalator.usecases.answering" in GRAPH["escalator.entrypoints.http.keys"]
    assert "escalator.storage.nonces" in GRAPH["escalator.storage.tx"]


FIRST_IMPORT = """
import importlib, json, sys
bad = {}
for name in sys.argv[1:]:
    for m in [m for m in sys.modules if m == "escalator" or m.startswith("escalator.")]:
        del sys.modules[m]
    try:
        importlib.import_module(name)
    except Exception as exc:
        bad[name] = repr(exc)[:300]
print(json.dumps(bad))
"""


def test_each_layer_module_imports_on_its_own():
    """Imported first, in a fresh state, every module of the layers that import each other
    loads: a circle through a package's __init__.py (which the walk above does not follow)
    fails here, as `escalator safety list` would."""
    names = sorted(n for n in MODULES if n in ("escalator.app", "escalator.security.links",
                                               "escalator.reports.cli")
                   or any(under(n, p) for p in ("escalator.entrypoints", "escalator.usecases",
                                                "escalator.storage")))
    assert len(names) > 30
    done = subprocess.run([sys.executable, "-c", FIRST_IMPORT, *names], capture_output=True,
                          text=True, timeout=110, check=True)
    assert json.loads(done.stdout.splitlines()[-1]) == {}


# The "never" rules (docs/architecture.md): entry points (the device receivers among them)
# and notify reach the store and the service through use cases, never directly; the pure
# codecs know no I/O layer; config knows no channel; the board renders a channel's notice
# through the shared renderers (notify.guidance, notify.answer_reply), never through
# Telegram's modules.
NEVER = [("escalator.entrypoints.http.board", "escalator.notify.telegram"),
         ("escalator.entrypoints", "escalator.storage"),
         ("escalator.entrypoints", "escalator.escalation"),
         ("escalator.codecs", "escalator.storage"), ("escalator.codecs", "escalator.escalation"),
         ("escalator.codecs", "escalator.entrypoints"),
         ("escalator.notify", "escalator.storage"), ("escalator.notify", "escalator.escalation"),
         ("escalator.config", "escalator.notify")]
# Imports that break them (module, what it imports, without "escalator."): none left.
# The list stays so a rule can be tightened in steps; it may only shrink, never grow.
STILL_BREAKING: set[tuple[str, str]] = set()


def breaking() -> set[tuple[str, str]]:
    return {(m.removeprefix("escalator."), d.removeprefix("escalator."))
            for importer, imported in NEVER
            for m, deps in offenders(importer, imported).items() for d in deps}


def test_entry_points_intake_and_notify_never_reach_the_store_or_the_service():
    assert breaking() - STILL_BREAKING == set(), "go through a use case instead"


def test_the_list_of_imports_still_breaking_the_rules_only_shrinks():
    assert STILL_BREAKING - breaking() == set(), "fixed: take these off STILL_BREAKING"


# The package root holds the entry and the composition root; everything else lives in a
# package named for what it holds (docs/architecture.md, "Layout"). STILL_LOOSE: a module
# another branch is moving into a package; take it off when it has gone, never add one.
ROOT_MODULES = {"__init__.py", "__main__.py", "app.py"}
STILL_LOOSE: set[str] = set()


def test_the_package_root_holds_only_the_entry_and_the_composition_root():
    loose = {p.name for p in ROOT.glob("*.py")}
    assert loose - ROOT_MODULES - STILL_LOOSE == set(), "put it in a package with a noun name"
    assert STILL_LOOSE <= loose, "moved: take it off STILL_LOOSE"


def test_every_package_of_the_root_is_drawn_in_the_layout():
    """The Layout section's tree has a line for each package, saying what it holds."""
    doc = (ROOT.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    tree = doc.split("## Layout", 1)[1].split("```", 2)[1]
    drawn = {line.split()[0].rstrip("/") for line in tree.splitlines()
             if line.startswith("  ") and not line.startswith("   ")}
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")}
    assert packages - drawn == set()
