"""Writing the config file safely, and saying how two versions of it differ.

A config half written when the power goes is a service that does not start,
so the file is replaced atomically: the new text goes to a temporary file in
the same directory, is flushed to disk, and is renamed over the old one (a
rename within one file system is atomic); the directory is flushed too, so
the rename itself survives a crash. The file keeps its permissions.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path


def digest(text: str) -> str:
    """The version hash of a config text (the same bytes on disk hash the same)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def read(path: str) -> str:
    return Path(path).read_text(encoding="utf-8")


def write_atomically(path: str, text: str) -> None:
    target = Path(path)
    try:
        mode: int | None = target.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = None
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        if mode is not None:
            os.chmod(temp, mode)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    _sync_dir(target.parent)


def _sync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # some platforms cannot open a directory; the rename is still atomic
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@dataclass(frozen=True)
class Change:
    added: int
    removed: int
    diff: tuple[str, ...]  # unified diff lines, without line ends


def change(old: str, new: str, old_name: str = "before", new_name: str = "after") -> Change:
    lines = tuple(line.rstrip("\n") for line in difflib.unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True), old_name, new_name))
    body = [line for line in lines if not line.startswith(("---", "+++", "@@"))]
    return Change(sum(1 for line in body if line.startswith("+")),
                  sum(1 for line in body if line.startswith("-")), lines)
