"""The `ladders:` and `routes:` sections: what happens to an alarm, in order.

Cross-references (a step naming a party, a route naming a ladder) are
checked against every id the file declares, even ones with errors of their
own, so one typo yields one problem rather than a cascade.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import timedelta

from escalator.config.problem import phrase
from escalator.config.validators import (
    At,
    Problems,
    choice,
    duration,
    identifier,
    integer,
    mapping,
    names,
    reference,
    sequence,
)
from escalator.domain.contact_rules import DEFAULT_URGENCY, URGENCIES
from escalator.domain.hours import format_duration
from escalator.domain.ladder import Ladder, Route, Step

LADDER = phrase("cfg.want.ladder")
LADDER_ID = phrase("cfg.want.ladder_id")
LADDER_ID_TEXT = phrase("cfg.want.ladder_id_text")
LADDER_KEYS = ("steps", "loops", "on_exhausted", "ack_timeout", "rewalk_every")
LADDER_REQUIRED = ("steps",)
STEP_KEYS = ("notify", "repeat_every", "escalate_after")
STEP_REQUIRED = ("notify", "escalate_after")
ROUTE_KEYS = ("match", "ladder", "false_alarm_clear_within", "ack_timeout", "eta_grace",
              "clears", "reopen_within", "urgency")
ROUTE_REQUIRED = ("ladder",)
MATCH_KEYS = ("code", "source")

STEP_EXPECTED = phrase("cfg.want.step")
ROUTE_EXPECTED = phrase("cfg.want.route")
TARGET = "target"  # a party or a roster: `cfg.unknown.target`, `cfg.want.*.target_id`


def parse_ladders(problems: Problems, at: At | None, targets: Collection[str]) -> dict[str, Ladder]:
    if at is None:
        return {}
    if not isinstance(at.value, dict):
        problems.bad(at, phrase("cfg.want.ladders"))
        return {}
    if not at.value:
        problems.error(at, "cfg.no_ladders")
    ladders = {}
    for lid, entry in at.entries():
        if identifier(problems, At(lid, entry.line, at.path), LADDER_ID_TEXT) is None:
            continue
        ladder = _ladder(problems, lid, entry, targets)
        if ladder is not None:
            ladders[lid] = ladder
    return ladders


def _ladder(problems: Problems, lid: str, at: At, targets: Collection[str]) -> Ladder | None:
    if mapping(problems, at, LADDER_KEYS, LADDER_REQUIRED, expected=LADDER) is None:
        return None
    before = problems.count
    steps = _steps(problems, at.key("steps"), targets)
    loops_at = at.key("loops")
    loops = 0 if loops_at is None else integer(problems, loops_at, minimum=0)
    exhausted_at = at.key("on_exhausted")
    on_exhausted = () if exhausted_at is None else _targets(
        problems, exhausted_at, targets, non_empty=False)
    ack_timeout = _optional_duration(problems, at.key("ack_timeout"))
    rewalk_at = at.key("rewalk_every")
    rewalk = _optional_duration(problems, rewalk_at)
    if rewalk is not None and rewalk < timedelta(minutes=5) and rewalk_at is not None:
        problems.error(rewalk_at, "cfg.rewalk_too_short", found=format_duration(rewalk))
    if problems.count > before or loops is None:
        return None
    return Ladder(lid, steps, loops, on_exhausted, ack_timeout,
                  rewalk if rewalk is not None else timedelta(hours=1))


def _optional_duration(problems: Problems, at: At | None) -> timedelta | None:
    return None if at is None else duration(problems, at)


def _steps(problems: Problems, at: At | None, targets: Collection[str]) -> tuple[Step, ...]:
    if at is None or not sequence(problems, at, phrase("cfg.want.steps"),
                                  non_empty=True):
        return ()
    found = (_step(problems, item, targets) for item in at.items())
    return tuple(step for step in found if step is not None)


def _step(problems: Problems, at: At, targets: Collection[str]) -> Step | None:
    if mapping(problems, at, STEP_KEYS, STEP_REQUIRED, expected=STEP_EXPECTED) is None:
        return None
    notify_at = at.key("notify")
    notify = () if notify_at is None else _targets(problems, notify_at, targets, non_empty=True)
    repeat_at, escalate_at = at.key("repeat_every"), at.key("escalate_after")
    repeat = None if repeat_at is None else duration(problems, repeat_at)
    escalate = None if escalate_at is None else duration(problems, escalate_at)
    if repeat_at is not None and repeat is not None and escalate is not None \
            and repeat >= escalate:
        problems.warn(repeat_at, "cfg.repeat_not_shorter", repeat=format_duration(repeat),
                      escalate=format_duration(escalate))
    if not notify or escalate is None or (repeat_at is not None and repeat is None):
        return None
    return Step(notify, escalate, repeat)


def _targets(
    problems: Problems, at: At, targets: Collection[str], *, non_empty: bool,
) -> tuple[str, ...]:
    """Party or roster ids; every unknown one is reported, not just the first."""
    before = problems.count
    items = names(problems, at, f"{TARGET}_id", non_empty=non_empty)
    found = tuple(ref for item in items if (ref := reference(problems, item, targets, TARGET)))
    return () if problems.count > before else found


def parse_routes(
    problems: Problems, at: At | None, ladder_ids: Collection[str], source_ids: Collection[str],
    party_ids: Collection[str] = (),
) -> tuple[Route, ...]:
    if at is None or not sequence(problems, at, phrase("cfg.want.routes"),
                                  non_empty=True):
        return ()
    parsed = [(item, _route(problems, item, ladder_ids, source_ids, party_ids))
              for item in at.items()]
    _reachability(problems, at, parsed)
    return tuple(route for _, route in parsed if route is not None)


def _route(
    problems: Problems, at: At, ladder_ids: Collection[str], source_ids: Collection[str],
    party_ids: Collection[str],
) -> Route | None:
    if mapping(problems, at, ROUTE_KEYS, ROUTE_REQUIRED, expected=ROUTE_EXPECTED) is None:
        return None
    before = problems.count
    ladder_at = at.key("ladder")
    ladder = None
    if ladder_at is not None and identifier(problems, ladder_at, LADDER_ID) is not None:
        ladder = reference(problems, ladder_at, ladder_ids, "ladder")
    codes, sources = _match(problems, at.key("match"), source_ids)
    clear_at = at.key("false_alarm_clear_within")
    clear = None if clear_at is None else duration(problems, clear_at)
    clears_at = at.key("clears")
    clears = () if clears_at is None else _parties(problems, clears_at, party_ids)
    if clear_at is not None and not clears:
        problems.warn(clear_at, "cfg.clear_nobody")
    follow = {k: _optional_duration(problems, at.key(k))
              for k in ("ack_timeout", "eta_grace", "reopen_within")}
    urgency_at = at.key("urgency")  # picks the parties' contact rules
    urgency = DEFAULT_URGENCY if urgency_at is None else choice(problems, urgency_at, URGENCIES)
    if problems.count > before or ladder is None or urgency is None:
        return None
    return Route(ladder, codes, sources, clear, follow["ack_timeout"], follow["eta_grace"],
                 clears, follow["reopen_within"], urgency)


def _parties(problems: Problems, at: At, party_ids: Collection[str]) -> tuple[str, ...]:
    """Party ids only (a roster cannot clear a terminal): those who can clear the alarm."""
    before = problems.count
    items = names(problems, at, "party_id", non_empty=False)
    found = tuple(ref for item in items if (ref := reference(problems, item, party_ids, "party")))
    return () if problems.count > before else found


def _match(
    problems: Problems, at: At | None, source_ids: Collection[str],
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """No `match` (or an empty one) matches every event: the catch-all."""
    if at is None or mapping(problems, at, MATCH_KEYS,
                             expected=phrase("cfg.want.route_match")) is None:
        return (), ()
    code_at, source_at = at.key("code"), at.key("source")
    codes = () if code_at is None else _codes(problems, code_at)
    sources: tuple[str, ...] = ()
    if source_at is not None:
        items = names(problems, source_at, "source_id")
        sources = tuple(s for item in items
                        if (s := reference(problems, item, source_ids, "source")))
    return codes, sources


def _codes(problems: Problems, at: At) -> tuple[str, ...]:
    """Alarm codes are text, but numeric codes (SIA, Contact ID) arrive as YAML ints."""
    expected = phrase("cfg.want.codes")
    if _is_code(at.value):
        return (str(at.value).strip(),)
    if not sequence(problems, at, expected, non_empty=True):
        return ()
    codes = []
    for item in at.items():
        if _is_code(item.value):
            codes.append(str(item.value).strip())
        else:
            problems.bad(item, phrase("cfg.want.code_text"))
    return tuple(codes)


def _is_code(value: object) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, str) and bool(value.strip()))


def _reachability(problems: Problems, at: At, parsed: list[tuple[At, Route | None]]) -> None:
    """First match wins, so a catch-all hides every route below it."""
    catch_all = None
    for item, route in parsed:
        if catch_all is not None:
            problems.warn(item, "cfg.route_unreachable", route=catch_all)
        elif route is not None and not route.codes and not route.sources:
            catch_all = item.path
    first = parsed[0][1]
    if catch_all is None and first is not None:
        problems.warn(at, "cfg.no_catch_all", ladder=repr(first.ladder))


def warn_viewers_on_steps(problems: Problems, at: At | None, viewers: Collection[str],
                          roster_members: Mapping[str, Collection[str]]) -> None:
    """A viewer (the purchaser) named on a ladder step, itself or through a roster: it is
    told once, read-only, and can never take the alarm, so that step waits for nobody
    (`escalator.domain.audience`). Allowed, but said at the line: the usual place of a
    viewer is `on_exhausted` and the weekly summary."""
    if at is None or not isinstance(at.value, dict):
        return
    for _, ladder in at.entries():
        steps = ladder.key("steps") if isinstance(ladder.value, dict) else None
        if steps is None or not isinstance(steps.value, list):
            continue
        for step in steps.items():
            notify = step.key("notify") if isinstance(step.value, dict) else None
            items = [] if notify is None else (
                [notify] if isinstance(notify.value, str) else
                list(notify.items()) if isinstance(notify.value, list) else [])
            for item in items:
                found = [item.value] if item.value in viewers else sorted(
                    v for v in roster_members.get(str(item.value), ()) if v in viewers)
                if found:
                    problems.warn(item, "cfg.viewer_on_step", party=", ".join(map(repr, found)))
