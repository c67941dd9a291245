"""The shipped unit and compose files give SIGTERM the time the service's own shutdown
deadline needs, and not the 45 s that once let a stuck drain run on (issue 17, point 3).

The service promises to be gone within 10 s of SIGTERM (`runtime.shutdown.STOP_WITHIN_S` plus the
process's exit); the supervisor's SIGKILL must come later than that, or the sends cut
at the deadline would be cut without being marked "may have been sent", and not much
later, or a hung shutdown holds a restart (and the alarms) up."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from escalator.runtime import shutdown as app

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
DESIGN_S = 10


def test_the_shutdown_deadline_fits_the_design():
    assert app.SEND_CUT_S + app.WRITE_S + app.CLOSE_S <= app.STOP_WITHIN_S
    assert app.STOP_WITHIN_S + 2 <= DESIGN_S  # two seconds for the process's own exit


def test_systemd_and_compose_kill_only_after_the_design_time():
    unit = (DEPLOY / "escalator.service").read_text()
    [stop] = re.findall(r"^TimeoutStopSec=(\d+)s$", unit, re.M)
    assert DESIGN_S < int(stop) <= 20
    for name in ("compose.yaml", "compose.single.yaml"):
        services = yaml.safe_load((DEPLOY / name).read_text())["services"]
        for sid, svc in services.items():
            if sid.startswith("escalator"):
                grace = svc.get("stop_grace_period", "10s")  # docker's default
                assert DESIGN_S < int(grace.rstrip("s")) <= 20, (name, sid)


def test_a_worker_thread_stuck_at_exit_cannot_hold_the_process(monkeypatch):
    """Past the deadline the process ends itself: Python would otherwise join a thread
    stuck in, say, a DNS lookup for as long as the resolver tries."""
    import os
    import threading

    from escalator.__main__ import EXIT_WITHIN_S, _exit_by

    assert EXIT_WITHIN_S < DESIGN_S
    forced = threading.Event()
    codes: list[int] = []

    def fake_exit(code: int) -> None:
        codes.append(code)
        forced.set()

    monkeypatch.setattr(os, "_exit", fake_exit)
    timer = _exit_by(0.01)
    assert timer.daemon  # the timer itself never holds the exit
    assert forced.wait(5) and codes == [0]
