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
    assert "escalator.storage.nonces" in GRAPH["escalator.storage.sql"]


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
    names = sorted(n for n in MODULES if n in ("escalator.app", "escalator.links",
                                               "escalator.reports.cli")
                   or any(under(n, p) for p in ("escalator.entrypoints", "escalator.usecases",
                                                "escalator.storage")))
    assert len(names) > 30
    done = subprocess.run([sys.executable, "-c", FIRST_IMPORT, *names], capture_output=True,
                          text=True, timeout=110, check=True)
    assert json.loads(done.stdout.splitlines()[-1]) == {}


# The "never" rules (docs/architecture.md): entry points, intake and notify reach the
# store and the service through use cases, never directly; config knows no channel.
NEVER = [("escalator.entrypoints", "escalator.storage"),
         ("escalator.entrypoints", "escalator.service"),
         ("escalator.intake", "escalator.storage"), ("escalator.intake", "escalator.service"),
         ("escalator.notify", "escalator.storage"), ("escalator.notify", "escalator.service"),
         ("escalator.config", "escalator.notify")]
# Imports that break them today (module, what it imports, without "escalator."). Move
# one behind a use case and take it off; never add one.
STILL_BREAKING = {
    ("config.checking", "notify.email"),
    ("config.checking", "notify.sms"),
    ("config.checking", "notify.voice"),
    ("entrypoints.http.ackpage", "storage.rows"),
    ("entrypoints.http.ackpage", "storage.sql"),
    ("entrypoints.http.answers", "service"),
    ("entrypoints.http.api", "service"),
    ("entrypoints.http.api", "storage.sql"),
    ("entrypoints.http.board.outbox_pages", "storage.sql"),
    ("entrypoints.http.board.pages", "service"),
    ("entrypoints.http.board.pages", "storage.rows"),
    ("entrypoints.http.intake", "service"),
    ("entrypoints.http.maintenance_api", "storage.sql"),
    ("entrypoints.http.safety", "storage.sql"),
    ("entrypoints.http.viewer", "storage.sql"),
    ("entrypoints.http.views", "storage.rows"),
    ("entrypoints.http.voice", "storage.rows"),
    ("entrypoints.http.voice", "storage.voicecalls"),
    ("intake", "storage"),
    ("intake.base", "service"),
    ("notify.dispatch", "storage.audit"),
    ("notify.dispatch", "storage.rows"),
    ("notify.dispatch", "storage.sql"),
    ("notify.outbox", "storage.sql"),
    ("notify.telegram.cards", "storage.sql"),
    ("notify.telegram.channel", "service"),
    ("notify.telegram.channel", "storage.sql"),
    ("notify.telegram.digest", "storage.sql"),
    ("notify.telegram.guidance", "storage.rows"),
    ("notify.telegram.outage", "service"),
    ("notify.telegram.records", "storage.telegram"),
    ("notify.voice", "storage.sql"),
    ("notify.voice", "storage.voicecalls"),
}


def breaking() -> set[tuple[str, str]]:
    return {(m.removeprefix("escalator."), d.removeprefix("escalator."))
            for importer, imported in NEVER
            for m, deps in offenders(importer, imported).items() for d in deps}


def test_entry_points_intake_and_notify_never_reach_the_store_or_the_service():
    assert breaking() - STILL_BREAKING == set(), "go through a use case instead"


def test_the_list_of_imports_still_breaking_the_rules_only_shrinks():
    assert STILL_BREAKING - breaking() == set(), "fixed: take these off STILL_BREAKING"
