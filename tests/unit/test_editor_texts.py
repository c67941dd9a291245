"""The config editor's words (in the shared catalogues): fi, sv and en, same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

from escalator.entrypoints.http.board.editor_texts import et
from escalator.i18n import TEXTS

TEMPLATES = Path(__file__).resolve().parents[2] / "escalator" / "entrypoints" / "http" / "board" \
    / "templates"


def test_every_text_is_in_three_languages_with_the_same_placeholders():
    for key, table in TEXTS.items():
        assert set(table) == {"fi", "sv", "en"}, key
        assert all(v.strip() for v in table.values()), key
        fields = {lang: set(re.findall(r"{(\w+)}", v)) for lang, v in table.items()}
        assert fields["fi"] == fields["sv"] == fields["en"], key


def test_every_key_the_editor_pages_use_is_there():
    used = set()
    for name in ("config.html", "config_history.html", "config_version.html"):
        used |= set(re.findall(r"t\(['\"]([\w.]+)['\"]", (TEMPLATES / name).read_text()))
    missing = {k for k in used if k not in TEXTS and et("en", k) == k}
    assert missing == set()
    assert used & set(TEXTS)  # the check above reads the templates at all
