"""The first alarm finds its texts' data loaded (runtime/warmup.py).

Babel reads a locale's data from disk the first time a date is formatted in it;
on the first alarm's path that was a 70-85 ms stall of the event loop. The
service renders one sample notice per language before it takes alarms.
"""

from __future__ import annotations

import subprocess
import sys

from escalator.i18n.dates import LOCALES


def test_warm_up_loads_every_readers_locale_before_the_first_alarm():
    """In a fresh interpreter: in this one, other tests have loaded Babel's data already
    (and Babel keeps it in more places than one)."""
    probe = (
        "from babel import localedata\n"
        "from escalator.runtime.warmup import warm_texts\n"
        "assert not localedata._cache, sorted(localedata._cache)\n"
        "warm_texts('Europe/Helsinki', 'Koivukoti')\n"
        "print(' '.join(sorted(localedata._cache)))\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=60, check=True)
    assert set(LOCALES.values()) <= set(done.stdout.split())


def test_the_service_warms_up_before_it_freezes_start_up_objects():
    """Order matters: what the warm-up loaded must be frozen with the rest."""
    import inspect

    from escalator import __main__ as entry

    source = inspect.getsource(entry._serve)
    assert source.index("warm_texts(") < source.index("freeze_startup_objects()")
