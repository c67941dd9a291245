"""Sources.incident_changed: a taken incident reaches its own source's adapter, and a
failing adapter never breaks the person's answer (ack_in_bms)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from escalator.domain.model import Incident, State
from escalator.runtime.sources import Sources

AT = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


class Adapter:
    def __init__(self, fail: bool = False) -> None:
        self.taken: list[int] = []
        self.fail = fail

    def incident_taken(self, incident: Incident) -> None:
        if self.fail:
            raise RuntimeError("BMS side broken")
        self.taken.append(incident.id)


def sources(**adapters: object) -> Sources:
    made = Sources(lambda: None, None, None, lambda name: None, None)  # type: ignore[arg-type]
    made.adapters = adapters  # type: ignore[assignment]
    return made


def incident(n: int, source: str, state: State, by: str | None) -> Incident:
    return replace(Incident(n, source, "FT", "Fire loop 1", "", "", "l", State.OPEN, AT, AT),
                   state=state, acked_by=by)


def test_only_a_taken_incident_reaches_only_its_source():
    bms, other = Adapter(), Adapter()
    hub = sources(bms=bms, other=other, plain=object())
    hub.incident_changed(incident(1, "bms", State.OPEN, None))
    hub.incident_changed(incident(2, "bms", State.ACKNOWLEDGED, "Nurse Anna"))
    hub.incident_changed(incident(3, "plain", State.ACKNOWLEDGED, "Nurse Anna"))
    hub.incident_changed(incident(4, "gone", State.ACKNOWLEDGED, "Nurse Anna"))
    assert (bms.taken, other.taken) == ([2], [])


def test_a_failing_adapter_does_not_break_the_answer(caplog):
    hub = sources(bms=Adapter(fail=True))
    hub.incident_changed(incident(5, "bms", State.ACKNOWLEDGED, "Nurse Anna"))
    assert "passing on a taken incident failed" in caplog.text
