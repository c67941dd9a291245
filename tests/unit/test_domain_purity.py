"""The core stays pure: no I/O libraries, no clock reads (DESIGN.md convention 1 and 2)."""

from __future__ import annotations

import ast
from pathlib import Path

import escalator.domain

FORBIDDEN_IMPORTS = {"aiohttp", "telegram", "apscheduler", "yaml", "sqlite3", "psycopg",
                     "asyncio", "escalator.storage", "escalator.entrypoints", "escalator.config",
                     "escalator.notify", "requests", "socket"}
DOMAIN = Path(escalator.domain.__file__).parent


def imported_names(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_domain_imports_no_adapters():
    offenders = {}
    for path in DOMAIN.glob("*.py"):
        bad = {n for n in imported_names(ast.parse(path.read_text()))
               if any(n == f or n.startswith(f + ".") for f in FORBIDDEN_IMPORTS)}
        if bad:
            offenders[path.name] = bad
    assert offenders == {}


def test_domain_never_reads_the_clock():
    for path in DOMAIN.glob("*.py"):
        text = path.read_text()
        for call in (".now(", ".utcnow(", ".today(", "time.time("):
            assert call not in text, f"{path.name} reads the clock via {call}"
