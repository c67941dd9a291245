"""Every link in the README and docs/ leads somewhere: the file exists and, for a
link with `#anchor`, the heading exists in it (GitHub's slugs). The reference moved
out of the README into docs/; a link left pointing at the old place fails here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def outside_fences(text: str) -> list[str]:
    """The lines of prose: code blocks hold shell comments, not links or headings."""
    lines, fence = [], False
    for line in text.split("\n"):
        if line.lstrip().startswith("```"):
            fence = not fence
        elif not fence:
            lines.append(line)
    return lines


def slug(title: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to '-'."""
    title = re.sub(r"`", "", title.strip().lower())
    return re.sub(r"[^\w\- ]", "", title).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    found: set[str] = set()
    for line in outside_fences(path.read_text(encoding="utf-8")):
        m = re.match(r"#{1,6} (.*)", line)
        if m:
            found.add(slug(m.group(1)))
    return found


def links(path: Path) -> list[str]:
    return [m.group(1) for line in outside_fences(path.read_text(encoding="utf-8"))
            for m in LINK.finditer(line)]


def broken(path: Path) -> list[str]:
    bad = []
    for target in links(path):
        if re.match(r"[a-z]+:", target):  # http(s), mailto: not checked offline
            continue
        file_part, _, anchor = target.partition("#")
        dest = (path.parent / file_part).resolve() if file_part else path
        if not dest.exists():
            bad.append(f"{target}: no such file")
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            bad.append(f"{target}: no heading #{anchor} in {dest.name}")
    return bad


@pytest.mark.parametrize("path", DOCS, ids=[p.name for p in DOCS])
def test_every_link_resolves(path: Path) -> None:
    assert broken(path) == []


def test_the_check_catches_a_broken_link(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    (tmp_path / "other.md").write_text("# Other\n\n## A heading\n", encoding="utf-8")
    page.write_text("# Page\n\n[ok](other.md#a-heading) [in page](#page)\n"
                    "[gone](missing.md) [no anchor](other.md#nope)\n"
                    "```\n[in code](nowhere.md)\n```\n", encoding="utf-8")
    assert broken(page) == ["missing.md: no such file",
                            "other.md#nope: no heading #nope in other.md"]


def test_the_readme_is_short_and_points_to_every_doc() -> None:
    """The README is where a newcomer starts; the reference lives in docs/."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 250
    for doc in sorted((ROOT / "docs").glob("*.md")):
        assert f"docs/{doc.name}" in readme, f"README does not point to docs/{doc.name}"
