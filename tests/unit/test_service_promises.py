"""Service promises: the pure rule (a table) and the `promise:` key of a party.

Each row of the table is one party in one alarm, asked at 10:00, with what came
when, and what each promise is as of `now`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from escalator.config import ConfigError, load_config_text
from escalator.domain import service_promises as promises
from escalator.domain.register import DeliveryItem, TimelineItem
from escalator.domain.service_promises import BROKEN, KEPT, MOOT, PENDING, Handled, Promise

T0 = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
M = timedelta(minutes=1)
H = timedelta(hours=1)


def at(minutes: float) -> datetime:
    return T0 + minutes * M


# (what came: answered, on site, ended; minutes after asking or None), kind, limit, now (min)
# -> (state, figure in minutes or None)
TABLE = {
    "answered in time": ((5, None, None), "answer", 15 * M, 30, (KEPT, 5)),
    "answered exactly at the limit": ((15, None, None), "answer", 15 * M, 30, (KEPT, 15)),
    "answered late": ((20, None, None), "answer", 15 * M, 30, (BROKEN, 20)),
    "no answer yet, limit ahead": ((None, None, None), "answer", 15 * M, 10, (PENDING, None)),
    "no answer by the limit": ((None, None, None), "answer", 15 * M, 15, (BROKEN, None)),
    "answer not seen yet at now": ((20, None, None), "answer", 15 * M, 10, (PENDING, None)),
    "alarm over before the limit, no answer": ((None, None, 8), "answer", 15 * M, 30,
                                               (MOOT, None)),
    "alarm over after the limit, no answer": ((None, None, 40), "answer", 15 * M, 60,
                                              (BROKEN, None)),
    "answered before asked counts as 0": ((-3, None, None), "answer", 15 * M, 30, (KEPT, 0)),
    "on site in time": ((5, 180, None), "on_site", 4 * H, 300, (KEPT, 180)),
    "on site late": ((5, 250, None), "on_site", 4 * H, 300, (BROKEN, 250)),
    "not on site by the limit": ((5, None, None), "on_site", 4 * H, 240, (BROKEN, None)),
    "fixed remotely before the on-site limit": ((5, None, 60), "on_site", 4 * H, 300,
                                                (MOOT, None)),
    "cleared in time": ((5, None, 600), "cleared", 24 * H, 2000, (KEPT, 600)),
    "cleared late": ((5, None, 1500), "cleared", 24 * H, 2000, (BROKEN, 1500)),
    "not cleared yet, limit ahead": ((5, None, None), "cleared", 24 * H, 600, (PENDING, None)),
    "still open past the clear limit": ((5, None, None), "cleared", 24 * H, 1440,
                                        (BROKEN, None)),
}


@pytest.mark.parametrize("came,kind,limit,now,expected", TABLE.values(), ids=TABLE.keys())
def test_judge(came, kind, limit, now, expected):
    answered, on_site, ended = (None if x is None else at(x) for x in came)
    o = promises.judge(Handled("vendor", T0, answered, on_site, ended), kind, limit, at(now))
    state, figure = expected
    assert (o.state, o.figure) == (state, None if figure is None else figure * M)
    assert o.deadline == T0 + limit


def call(party: str, minutes: float, reason: str = "FIRST", update: bool = False):
    return DeliveryItem(party, reason, 0, update, "sent", at(minutes), at(minutes), "email",
                        None)


def entry(party: str | None, minutes: float, reason: str, detail: str = ""):
    return TimelineItem(at(minutes), reason, party, detail, 0)


def test_handled_from_the_timeline_first_ask_first_answer_first_on_site():
    deliveries = [call("ward", 0), call("vendor", 10, "ESCALATED"),
                  call("vendor", 25, "RENOTIFY"),
                  call("manager", 12, "ACKED", update=True),  # an update is not an ask
                  call("ward", 12, "ACKED", update=True)]
    timeline = [entry(None, 0, "OPENED"), entry("ward", 0, "FIRST"),
                entry("vendor", 10, "ESCALATED"),
                entry("ward", 12, "ACKED", '{"by": "vendor"}'),  # the notice's copy
                entry("vendor", 30, "ACKED", '{"answer": "en_route"}'),  # on my way: not on site
                entry("vendor", 95, "ACKED", '{"answer": "on_site"}'),  # on site, by parameter
                entry("vendor", 120, "ON_SITE")]
    found = promises.handled(timeline, deliveries, at(300))
    assert set(found) == {"ward", "vendor"}
    assert found["vendor"] == Handled("vendor", at(10), at(30), at(95), at(300))
    assert found["ward"] == Handled("ward", at(0), None, None, at(300))
    only = promises.handled(timeline, deliveries, None, ["vendor"])
    assert set(only) == {"vendor"}


def test_on_site_by_reason_or_parameter_never_en_route():
    assert promises.is_on_site(entry("v", 0, "ON_SITE"))
    assert promises.is_on_site(entry("v", 0, "ACKED", '{"action": "on_site"}'))
    assert not promises.is_on_site(entry("v", 0, "EN_ROUTE", '{"arrive_by": "x"}'))
    assert not promises.is_on_site(entry("v", 0, "ACKED", '{"answer": "en_route"}'))


def test_newly_broken_once_per_party_and_promise_and_the_next_deadline():
    found = {"vendor": Handled("vendor", T0, None, None, None)}
    contract = {"vendor": Promise(15 * M, 4 * H, 24 * H), "ward": Promise(answer_within=5 * M)}
    assert promises.newly_broken(found, contract, at(14), []) == []
    assert promises.next_deadline(found, contract, at(14)) == at(15)
    broken = promises.newly_broken(found, contract, at(15), [])
    assert [(o.party, o.kind, o.figure) for o in broken] == [("vendor", "answer", None)]
    assert promises.newly_broken(found, contract, at(15), [("vendor", "answer")]) == []
    assert promises.next_deadline(found, contract, at(15)) == at(240)
    assert promises.next_deadline(found, contract, at(24 * 60)) is None


def test_promise_limits_in_order_and_an_empty_promise_is_false():
    p = Promise(cleared_within=24 * H, answer_within=15 * M)
    assert p.items() == [("answer", 15 * M), ("cleared", 24 * H)]
    assert not Promise()


MINIMAL = """\
facility: {id: x, name: X}
people:
  a:
    name: A
    contact: [{email: a@b.example}]
    promise:
      answer_within: 15 min
      on_site_within: 4 h
      cleared_within: 24 h
  b:
    name: B
    contact: [{email: b@b.example}]
ladders:
  l:
    steps:
      - notify: [a]
        escalate_after: 5m
routes: [{ladder: l}]
"""


def test_config_reads_the_promise_per_party_all_keys_optional():
    cfg, _ = load_config_text(MINIMAL, env={})
    assert cfg.parties["a"].promise == Promise(15 * M, 4 * H, 24 * H)
    assert cfg.parties["b"].promise is None
    cfg, _ = load_config_text(MINIMAL.replace("      on_site_within: 4 h\n", "")
                              .replace("      cleared_within: 24 h\n", ""), env={})
    assert cfg.parties["a"].promise == Promise(answer_within=15 * M)


@pytest.mark.parametrize("old,new,said", [
    ("answer_within: 15 min", "answer_witin: 15 min",
     "<config>:7: people.a.promise: unknown key 'answer_witin' "
     "(did you mean 'answer_within'?)"),
    ("on_site_within: 4 h", "on_site_within: soon",
     '<config>:8: people.a.promise.on_site_within: found "soon"'),
    ("    promise:\n      answer_within: 15 min\n      on_site_within: 4 h\n"
     "      cleared_within: 24 h\n", "    promise: 15 min\n",
     '<config>:6: people.a.promise: found "15 min", expected a mapping of answer_within'),
])
def test_config_check_explains_a_wrong_promise_at_its_line(old, new, said):
    assert MINIMAL.count(old) == 1
    with pytest.raises(ConfigError) as caught:
        load_config_text(MINIMAL.replace(old, new), env={})
    assert any(p.startswith(said) for p in caught.value.problems), caught.value.problems


@pytest.mark.parametrize("limit,said", [(15 * M, "15 min"), (H, "1 h"), (90 * M, "1 h 30 min"),
                                        (24 * H, "24 h")])
def test_a_limit_as_a_contract_says_it(limit, said):
    assert promises.spoken(limit) == said
