"""Writing the config atomically, and counting what changed between two versions."""

from __future__ import annotations

import os

import pytest

from escalator.config.files import change, digest, write_atomically


def test_a_write_that_fails_leaves_the_old_file_whole_and_no_temporary_file(tmp_path):
    path = tmp_path / "escalator.yaml"
    path.write_text("facility: {id: a}\n")
    with pytest.raises(UnicodeEncodeError):  # fails half way through writing the new text
        write_atomically(str(path), "facility: {id: b}\n" + "\ud800")
    assert path.read_text() == "facility: {id: a}\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["escalator.yaml"]


def test_a_write_replaces_the_file_and_keeps_its_mode(tmp_path):
    path = tmp_path / "escalator.yaml"
    path.write_text("a\n")
    os.chmod(path, 0o600)
    inode = os.stat(path).st_ino
    write_atomically(str(path), "b\n")
    assert path.read_text() == "b\n" and os.stat(path).st_mode & 0o777 == 0o600
    assert os.stat(path).st_ino != inode


def test_change_counts_lines_and_the_hash_is_of_the_text():
    found = change("a\nb\nc\n", "a\nB\nc\nd\n")
    assert (found.added, found.removed) == (2, 1)
    assert "-b" in found.diff and "+B" in found.diff and "+d" in found.diff
    assert digest("x") == digest("x") != digest("y")
