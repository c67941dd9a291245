"""The first alarm finds its texts' data loaded (runtime/warmup.py).

Babel reads a locale's data from disk the first time a date is formatted in it;
on the first alarm's path that was a 70-85 ms stall of the event loop. The
service renders one sample notice per language before it takes alarms.
"""

from __future__ import annotations

from babel import localedata

from escalator.i18n.dates import LOCALES
from escalator.runtime.warmup import warm_texts


def test_warm_up_loads_every_readers_locale_before_the_first_alarm(monkeypatch):
    monkeypatch.setattr(localedata, "_cache", {})  # as in a fresh process
    warm_texts("Europe/Helsinki", "Koivukoti")
    assert set(LOCALES.values()) <= set(localedata._cache)


def test_the_service_warms_up_before_it_freezes_start_up_objects():
    """Order matters: what the warm-up loaded must be frozen with the rest."""
    import inspect

    from escalator import __main__ as entry

    source = inspect.getsource(entry._serve)
    assert source.index("warm_texts(") < source.index("freeze_startup_objects()")
