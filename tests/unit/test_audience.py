"""Who is told what: a viewer (the purchaser) hears of an incident once, read-only.

The rule is a table (`escalator.domain.audience.telling`); the policy asks it for every
notice, so a viewer in `on_exhausted` gets the record once and none of the later
updates (taken, notes, "taken but not resolved", the clear); its text has no
instructions and no "take it or answer"; `config check` warns when a ladder step
names a viewer.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from escalator.config import load_config_text
from escalator.config.problem import render
from escalator.domain import policy
from escalator.domain.audience import Telling, telling
from escalator.domain.availability import Directory, Party
from escalator.domain.ladder import Ladder, Step
from escalator.domain.model import Action, Incident, Reason, State
from escalator.i18n import t
from escalator.notify.render import body

HEL = ZoneInfo("Europe/Helsinki")
T0 = datetime(2026, 12, 7, 8, 0, tzinfo=HEL).astimezone(UTC)
M = timedelta(minutes=1)


@pytest.mark.parametrize("role,update,told_before,expected", [
    ("staff", False, False, Telling.FULL),
    ("staff", True, True, Telling.FULL),
    ("staff", False, True, Telling.FULL),
    (None, True, False, Telling.FULL),  # a party no longer in the config: as it was
    ("viewer", False, False, Telling.READ_ONLY),  # the first notice: what happened
    ("viewer", False, True, Telling.NOTHING),  # a second record, a rewalk: no
    ("viewer", True, True, Telling.NOTHING),  # taken, notes, the clear: no
    ("viewer", True, False, Telling.NOTHING),  # an update is never the first word
])
def test_the_table(role, update, told_before, expected):
    assert telling(role, update=update, told_before=told_before) is expected


def _directory() -> Directory:
    parties = {p.id: p for p in (Party("ward", "Ward"), Party("vendor", "Vendor"),
                                 Party("purchaser", "Purchaser", role="viewer"))}
    return Directory(parties, {}, HEL)


LADDER = Ladder("fault", (Step(("ward",), 10 * M, 5 * M), Step(("vendor",), 10 * M, 5 * M)),
                loops=0, on_exhausted=("purchaser",))


def test_hours_of_escalation_tell_the_viewer_once():
    """Exhausted, walked again every hour, taken, noted, overdue, called false, not
    cleared, cleared at last: the purchaser is told the first record and nothing else."""
    d = _directory()
    inc = Incident(1, "terminal", "FT", "B-wing", "", "", "fault", State.OPEN, T0, T0)
    told: list[tuple[str, Reason, bool]] = []

    def keep(dec: policy.Decision) -> Incident:
        told.extend((n.party, n.reason, n.update) for n in dec.notices)
        return dec.incident

    inc = keep(policy.start(inc, LADDER, d, T0))
    now = T0
    while now < T0 + timedelta(hours=3):  # exhausted at 08:20, rewalks at 09:20, 10:20
        now = policy.next_due(inc, LADDER) or now
        inc = keep(policy.decide(inc, LADDER, d, now))
    inc = keep(policy.apply_action(inc, Action.ACKNOWLEDGE, "Nurse", LADDER, d, now,
                                   party="ward"))
    inc = keep(policy.apply_action(inc, Action.NOTE, "Nurse", LADDER, d, now, party="ward",
                                   note="menossa"))
    now = policy.next_due(inc, LADDER) or now  # the ack timeout: a second record
    inc = keep(policy.decide(inc, LADDER, d, now))
    inc = keep(policy.apply_action(inc, Action.FALSE_ALARM, "Vendor", LADDER, d, now,
                                   party="vendor"))
    now = policy.next_due(inc, LADDER) or now  # not cleared in time: a third record
    inc = keep(policy.decide(inc, LADDER, d, now))
    inc = keep(policy.apply_clear(inc, LADDER, d, now + M))

    assert inc.state is State.RESOLVED
    assert len([x for x in told if x[0] == "ward"]) > 10  # the staff heard all of it
    assert [x for x in told if x[0] == "purchaser"] == [
        ("purchaser", Reason.EXHAUSTED, False)]


def test_a_viewer_first_told_of_a_later_record_gets_that_one_only():
    """Never exhausted, but a false alarm left on the terminal: the record goes to the
    last resort; the viewer's one notice is that record, and the clear is not sent."""
    d = _directory()
    inc = Incident(2, "terminal", "FT", "", "", "", "fault", State.OPEN, T0, T0)
    dec = policy.start(inc, LADDER, d, T0)
    dec = policy.apply_action(dec.incident, Action.FALSE_ALARM, "Nurse", LADDER, d, T0 + M,
                              party="ward", false_alarm_clear_within=timedelta(hours=1))
    late = policy.decide(dec.incident, LADDER, d, T0 + 61 * M)
    assert [(n.party, n.reason, n.update) for n in late.notices
            if n.party == "purchaser"] == [("purchaser", Reason.SAFETY_INCIDENT, False)]
    cleared = policy.apply_clear(late.incident, LADDER, d, T0 + 70 * M)
    assert "purchaser" not in [n.party for n in cleared.notices]
    assert [n.party for n in cleared.notices] == ["ward", "vendor"]  # the staff hear it


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_the_viewers_text_has_no_instructions_and_no_call_to_act(lang):
    inc = Incident(3, "terminal", "FT", "B-wing", "", "", "fault", State.OPEN, T0, T0)
    staff = body(inc, "EXHAUSTED", "", False, lang, "Europe/Helsinki", "https://x/ack/t")
    viewer = body(inc, "EXHAUSTED", "", False, lang, "Europe/Helsinki", "https://x/ack/t",
                  read_only=True)
    assert t(lang, "label.act") in staff
    assert t(lang, "label.act") not in viewer
    assert f"{t(lang, 'label.record')}: https://x/ack/t" in viewer
    from escalator.i18n.codes import code_todo
    todo = code_todo(lang, "FT")
    assert todo and todo in staff and todo not in viewer


CONFIG = """\
facility: {id: t, name: T, timezone: Europe/Helsinki, language: fi}
http: {listen: 127.0.0.1:8080, public_url: "http://localhost:8080/"}
storage: "sqlite:///:memory:"
sources:
  terminal: {kind: webhook, token_env: TERMINAL_TOKEN}
people:
  ward:
    name: Ward
    contact: [{email: ward@x.example}]
  purchaser:
    name: Purchaser
    role: viewer
    contact: [{email: buyer@x.example}]
rosters:
  everyone:
    - {who: purchaser, when: "Mon-Sun 00:00-24:00"}
ladders:
  fault:
    steps:
      - notify: [ward]
        escalate_after: 10m
      - notify: [ward, purchaser]
        escalate_after: 10m
      - notify: everyone
        escalate_after: 10m
    on_exhausted: [purchaser]
routes:
  - ladder: fault
channels:
  email: {host: smtp.example, from: a@x.example}
"""


def test_config_check_warns_at_the_line_when_a_viewer_is_a_ladder_step():
    _, warnings = load_config_text(CONFIG, filename="cfg.yaml",
                                   env={"TERMINAL_TOKEN": "x"})
    mine = [w for w in warnings if "viewer" in w]
    assert [w.split(":")[:3] for w in mine] == [
        ["cfg.yaml", "22", " ladders.fault.steps[1].notify[1]"],
        ["cfg.yaml", "24", " ladders.fault.steps[2].notify"]]
    assert "'purchaser' is a viewer" in mine[0] and "on_exhausted" in mine[0]
    assert "'purchaser' on katselija" in render(mine[0], "fi")
    assert "'purchaser' är en läsare" in render(mine[0], "sv")


def test_a_viewer_in_on_exhausted_only_is_no_warning():
    text = CONFIG.replace("      - notify: [ward, purchaser]\n", "      - notify: [ward]\n") \
        .replace("      - notify: everyone\n", "      - notify: [ward]\n")
    _, warnings = load_config_text(text, filename="cfg.yaml", env={"TERMINAL_TOKEN": "x"})
    assert [w for w in warnings if "viewer" in w] == []
