"""The editor says config problems in the manager's language: Check, a refused Save,
a refused restore, and the banner for a broken file on disk, each at its line.

`config check` finds a problem once, as a reason code with parameters; these pages
render it in Finnish or Swedish. No word of the catalogue's English text may show.
"""

from __future__ import annotations

import html
import os
import re

import pytest
from board_support import CSRF, sign_in
from editor_support import build_from_file, editor_client, line_of  # noqa: F401 - fixture

from escalator.i18n import catalogs
from escalator.liveconfig.editing import _add

BASE = re.compile(r'name="base" value="([^"]+)"')
SHOWN = re.compile(r'<li><a href="#L(\d+)" data-line="\1">.*?<code lang="(\w+)">(.*?)</code></li>',
                   re.S)
# The English of the texts a broken `loops:` and `repeat_every:` are said with.
ENGLISH = ("found", "expected", "whole number", "duration like", "at least")
SAID = {
    "fi": ('löytyi "lots", pitäisi olla kokonaisluku, vähintään 0',
           'löytyi "soon", pitäisi olla kesto, esimerkiksi 30s, 5m, 5 min, 1 h 30 min, 2 t tai 1d'),
    "sv": ('hittade "lots", borde vara ett heltal, minst 0',
           'hittade "soon", borde vara en tidslängd, till exempel 30s, 5m, 5 min, 1 h 30 min, '
           "2 t eller 1d"),
}


async def manager(client, lang: str) -> dict[str, str]:
    """Maija signed in reading `lang`; the editor's form as it is."""
    client.session.cookie_jar.update_cookies({"escalator_lang": lang})
    assert await sign_in(client, "Maija") == 303
    page = await (await client.get("/board/config")).text()
    text = html.unescape(re.search(r"<textarea[^>]*>\n(.*?)</textarea>", page, re.S).group(1))
    return {"csrf": CSRF.search(page).group(1), "base": BASE.search(page).group(1),
            "text": text}


def breaks(text: str) -> tuple[str, list[int]]:
    broken = text.replace("loops: 2", "loops: lots").replace("repeat_every: 15m",
                                                             "repeat_every: soon")
    return broken, [line_of(broken, "loops: lots"), line_of(broken, "repeat_every: soon")]


def problems_shown(page: str) -> list[tuple[int, str, str]]:
    """(line, lang, text) of each problem listed on the page."""
    return [(int(n), lang, html.unescape(said)) for n, lang, said in SHOWN.findall(page)]


def assert_said_in(lang: str, page: str, path, lines: list[int]) -> None:
    shown = problems_shown(page)
    assert [n for n, _, _ in shown] == sorted(lines)
    loops, repeat = sorted(lines, reverse=True)  # loops: comes after the steps
    expected = {loops: f"{path}:{loops}: ladders.technical-fault.loops: {SAID[lang][0]}",
                repeat: f"{path}:{repeat}: ladders.technical-fault.steps[1].repeat_every: "
                        f"{SAID[lang][1]}"}
    for n, shown_lang, said in shown:
        assert shown_lang == lang and said == expected[n]
        assert not [w for w in ENGLISH if w in said.lower()], said
    for n in lines:
        assert f'<span id="L{n}" class="bad">{n}</span>' in page  # highlighted in the gutter


def test_the_english_checked_for_is_the_catalogues_own():
    english = " ".join(str(catalogs.messages("en")[k]) for k in (
        "cfg.found_expected", "cfg.want.whole_number_at_least", "cfg.want.duration"))
    assert all(w in english for w in ENGLISH)


@pytest.mark.parametrize("lang", ["fi", "sv"])
async def test_check_says_the_problems_in_the_managers_language_at_their_lines(client, lang):
    form = await manager(client, lang)
    broken, lines = breaks(form["text"])
    resp = await client.post("/board/config", data={**form, "text": broken, "op": "check"})
    assert resp.status == 400
    assert_said_in(lang, await resp.text(), client.path, lines)


async def test_a_refused_save_says_why_in_finnish(client):
    form = await manager(client, "fi")
    broken, lines = breaks(form["text"])
    resp = await client.post("/board/config", data={**form, "text": broken, "op": "save"})
    assert resp.status == 400 and client.path.read_text() == form["text"]
    assert_said_in("fi", await resp.text(), client.path, lines)


async def test_a_refused_restore_says_why_in_swedish(client):
    app = client.escalator
    form = await manager(client, "sv")
    broken, lines = breaks(form["text"])
    # a version that no longer checks (say, saved before a rule was added)
    old = await app.store.transaction(lambda tx: _add(
        tx, str(client.path), app.clock.now(), "Maija", "board", None, broken, []))
    page = await (await client.get(f"/board/config/history/{old}")).text()
    resp = await client.post(f"/board/config/history/{old}/restore", data={
        "csrf": CSRF.search(page).group(1), "base": BASE.search(page).group(1)})
    assert resp.status == 400 and client.path.read_text() == form["text"]
    assert_said_in("sv", await resp.text(), client.path, lines)


async def test_the_banner_says_the_broken_files_problem_in_finnish(client):
    app = client.escalator
    form = await manager(client, "fi")
    broken = form["text"].replace("loops: 2", "loops: lots")
    client.path.write_text(broken)
    os.utime(client.path, ns=(1, 1))
    assert await app.config_watch.poll() is False
    page = html.unescape(await (await client.get("/board/")).text())
    banner = re.search(r'<p class="msg bad banner"[^>]*>(.*?)</p>', page, re.S).group(1)
    assert f"rivillä {line_of(broken, 'loops: lots')}" in banner
    assert '<q class="why">ladders.technical-fault.loops: löytyi "lots", pitäisi olla ' \
           "kokonaisluku, vähintään 0</q>" in banner
    assert "found" not in banner and "expected" not in banner
