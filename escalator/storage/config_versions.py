"""The config's history: every version that came into force, with who, when and how much.

Kept in the database (not as files beside the config) because the version
row and its audit-log row are written in one transaction, so the history and
the tamper-evident log cannot disagree; because a backup of the database
(`escalator backup`) then carries the history with it; and because the
directory of the config file is often not writable by anyone but its owner.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from escalator.storage.rows import dt, ts
from escalator.storage.sql import Tx


@dataclass(frozen=True)
class Version:
    id: int
    saved_at: datetime
    actor: str  # a board user's name, or "file" for an edit on disk
    origin: str  # "board", "restore", "file"
    path: str
    sha256: str
    added: int  # lines, against the version before it
    removed: int
    sections: tuple[str, ...]  # top-level sections that changed
    body: str


def add(tx: Tx, *, at: datetime, actor: str, origin: str, path: str, sha256: str,
        added: int, removed: int, sections: list[str], body: str) -> int:
    return tx.insert(
        "INSERT INTO config_versions (saved_at, actor, origin, path, sha256, added, removed,"
        " sections, body) VALUES (?,?,?,?,?,?,?,?,?)",
        (ts(at), actor, origin, path, sha256, added, removed, json.dumps(sections), body))


def versions(tx: Tx, limit: int = 200) -> list[Version]:
    """Newest first."""
    return [_version(r) for r in tx.rows(
        "SELECT * FROM config_versions ORDER BY id DESC LIMIT ?", (limit,))]


def version(tx: Tx, version_id: int) -> Version | None:
    row = tx.one("SELECT * FROM config_versions WHERE id = ?", (version_id,))
    return _version(row) if row else None


def before(tx: Tx, version_id: int) -> Version | None:
    """The version saved just before `version_id` (what its diff is against)."""
    row = tx.one("SELECT * FROM config_versions WHERE id < ? ORDER BY id DESC LIMIT 1",
                 (version_id,))
    return _version(row) if row else None


def latest(tx: Tx) -> Version | None:
    row = tx.one("SELECT * FROM config_versions ORDER BY id DESC LIMIT 1")
    return _version(row) if row else None


def _version(row: dict) -> Version:
    saved = dt(row["saved_at"])
    assert saved is not None
    return Version(int(row["id"]), saved, row["actor"], row["origin"], row["path"],
                   row["sha256"], int(row["added"]), int(row["removed"]),
                   tuple(json.loads(row["sections"])), row["body"])
