"""The warm-up renders a Telegram card per language when the channel is in use.

The card's module (python-telegram-bot with it) is loaded only by a service that
builds the Telegram channel (issue 23, the small box); the warm-up follows that: the
card is warmed when its module is loaded, and never loads it itself."""

from __future__ import annotations

import subprocess
import sys

from escalator.i18n import LANGUAGES
from escalator.runtime.warmup import warm_texts


def test_with_the_telegram_channel_loaded_a_card_is_rendered_per_language(monkeypatch):
    from escalator.notify.telegram import cards

    rendered: list[str] = []
    real = cards.markup
    monkeypatch.setattr(cards, "markup", lambda incident, lang: rendered.append(lang)
                        or real(incident, lang))
    warm_texts("Europe/Helsinki", "Koivukoti")
    assert rendered == list(LANGUAGES)


def test_without_it_the_warm_up_does_not_load_telegram():
    probe = ("import sys\n"
             "from escalator.runtime.warmup import warm_texts\n"
             "warm_texts('Europe/Helsinki', 'Koivukoti')\n"
             "print(sorted(m for m in sys.modules if m.split('.')[0] in ('telegram', 'httpx')))\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=60, check=True)
    assert done.stdout.strip() == "[]"
