"""One delivery attempt, stage by stage, without a store, a socket or a clock: each
stage reads an `Attempt` and either lets the row go on (None) or ends the attempt
with the move of the delivery state machine it says (escalator/dispatch/stages.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from support import TOKENS, config_text

from escalator.config import load_config_text
from escalator.dispatch import stages
from escalator.dispatch.attempt import Channels, check_one, send_one
from escalator.dispatch.outcome import KEEP
from escalator.dispatch.stages import Attempt
from escalator.domain.delivery import Move, Status
from escalator.domain.errors import NotifyError
from escalator.domain.model import Escalation, Incident, State
from escalator.notify.base import Held, Message
from escalator.security.links import LinkSigner
from escalator.storage.rows import DeliveryRow

NOW = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)
CONFIG, _ = load_config_text(config_text(), env=TOKENS)
VENDOR = CONFIG.parties["alarm-vendor"]  # email, then sms
LIMIT = CONFIG.delivery.fallback_after
INCIDENT = Incident(id=7, source="terminal", code="FT", point="B", text="", severity="medium",
                    ladder="technical-fault", state=State.OPEN, opened_at=NOW,
                    last_seen_at=NOW, escalation=Escalation())
ROW = DeliveryRow(id=3, incident_id=7, party="alarm-vendor", reason="FIRST", step=1, loop=0,
                  detail="", is_update=False, status=Status.SENDING.value, contact_index=0,
                  attempts=0, next_attempt_at=NOW, created_at=NOW, sent_at=None,
                  channel=None, error=None)


def attempt(row: DeliveryRow = ROW, *, state: State = State.OPEN, party: object = VENDOR,
            failing_since: datetime | None = None, updates: frozenset[str] = frozenset(
                {"email", "sms", "telegram", "webhook"})) -> Attempt:
    return Attempt(row, INCIDENT, state, party, CONFIG, NOW,  # type: ignore[arg-type]
                   failing_since, lambda channel: channel in updates)


CASES = [  # (what, the attempt, the stage that stops it, the move, error or note)
    ("a call after the incident was taken", attempt(state=State.ACKNOWLEDGED),
     stages.still_wanted, Move.DROP, "incident_closed"),
    ("the party left the config", attempt(party=None), stages.reachable, Move.GIVE_UP,
     stages.NO_PARTY),
    ("the contact left the config", attempt(replace(ROW, contact_index=2)),
     stages.reachable, Move.GIVE_UP, stages.NO_CONTACT),
    ("an update to a phone-only contact, a texting one next",
     attempt(replace(ROW, is_update=True), updates=frozenset({"sms"})),
     stages.carried, Move.FALL_BACK, None),
    ("an update nobody of the party carries",
     attempt(replace(ROW, is_update=True), updates=frozenset()),
     stages.carried, Move.SKIP, "no contact carries updates"),
    ("failing longer than fallback_after, a next contact",
     attempt(failing_since=NOW - LIMIT - timedelta(seconds=1)),
     stages.not_overdue, Move.FALL_BACK, "kept_failing"),
    ("failing longer than fallback_after, none left",
     attempt(replace(ROW, contact_index=1), failing_since=NOW - LIMIT - timedelta(seconds=1)),
     stages.not_overdue, Move.GIVE_UP, "kept_failing"),
    ("behind an earlier message that is still retried",
     attempt(replace(ROW, behind=True), failing_since=NOW - timedelta(seconds=5)),
     stages.in_order, Move.RETRY, None),
]


@pytest.mark.parametrize(("what", "a", "stage", "move", "why"), CASES,
                         ids=[c[0] for c in CASES])
def test_each_stage_before_the_send_stops_for_its_own_reason(what, a, stage, move, why):
    outcome = stage(a)
    assert outcome is not None and outcome.move is move
    assert stages.before_send(a) == outcome  # and the chain stops there, not earlier
    if why is not None:
        assert why in (outcome.fields.get("error"), outcome.note.get("failure"))
    others = [s for s in stages.BEFORE_SEND if s is not stage]
    assert all(s(a) is None for s in others[:stages.BEFORE_SEND.index(stage)])


def test_the_chain_runs_in_order_and_a_fresh_row_passes_every_stage():
    assert stages.BEFORE_SEND == (stages.still_wanted, stages.reachable, stages.carried,
                                  stages.not_overdue, stages.in_order)
    assert stages.before_send(attempt()) is None
    # stale and its party gone: dropped (not wanted), not "not reached" (the ladder is
    # not told a party it no longer needed was unreachable)
    both = stages.before_send(attempt(state=State.RESOLVED, party=None))
    assert both is not None and both.move is Move.DROP and not both.failed_for_good


def test_what_the_fallback_says_and_to_whom():
    fall = stages.not_overdue(attempt(failing_since=NOW - LIMIT - timedelta(seconds=1)))
    assert fall is not None
    assert fall.fields["contact_index"] == 1 and fall.note["next"] == "sms"
    assert fall.failing_since is None and not fall.failed_for_good
    last = stages.not_overdue(attempt(replace(ROW, contact_index=1),
                                      failing_since=NOW - LIMIT - timedelta(seconds=1)))
    assert last is not None and last.failed_for_good and "next" not in last.note
    wait = stages.in_order(attempt(replace(ROW, behind=True), failing_since=NOW))
    assert wait is not None and wait.fields == {"next_attempt_at": NOW + LIMIT}


def test_what_came_of_the_send_becomes_its_outcome():
    a = attempt()
    sent = stages.accepted(a, "email", NOW + timedelta(seconds=1))
    assert (sent.move, sent.fields["sent_at"], sent.failing_since) == (
        Move.ACCEPT, NOW + timedelta(seconds=1), KEEP)
    assert stages.accepted(attempt(failing_since=NOW), "email", NOW).failing_since is None
    queued = stages.held(a, "email")
    assert (queued.move, queued.fields["next_attempt_at"], queued.failing_since) == (
        Move.HOLD, NOW + LIMIT, NOW)
    again = stages.failed(a, NotifyError("busy", recoverable=True), NOW, jitter=0.0)
    assert again.move is Move.RETRY and again.fields["attempts"] == 1
    refused = stages.failed(a, NotifyError("no", recoverable=False, kind="refused"), NOW, 0.0)
    assert refused.move is Move.FALL_BACK and refused.note["failure"] == "refused"


def test_a_held_notice_is_checked_at_its_deadline_not_before():
    held = replace(ROW, status=Status.CHECKING.value)
    early = stages.check_early(attempt(held, failing_since=NOW - timedelta(seconds=5)))
    assert early is not None and early.move is Move.KEEP_HELD
    assert stages.check_early(attempt(held, failing_since=NOW - LIMIT)) is None
    due = attempt(held, failing_since=NOW - LIMIT)
    assert stages.after_release(due, "sent").move is None  # a digest carried it
    assert stages.after_release(due, "released").note["failure"] == "down_too_long"
    assert stages.after_release(attempt(held, state=State.RESOLVED, failing_since=NOW - LIMIT),
                                "released").move is Move.DROP


class Recorder:
    """A channel at the network boundary: takes the message, or raises what it is told."""

    def __init__(self, raises: BaseException | None = None) -> None:
        self.raises, self.sent = raises, []  # type: tuple[BaseException | None, list]
        self.released: list[int] = []

    async def send(self, contact, message: Message) -> None:
        self.sent.append((contact.channel, message))
        if self.raises is not None:
            raise self.raises

    async def release(self, contact, delivery_id: int) -> str:
        self.released.append(delivery_id)
        return "released"


class Clock:
    def now(self) -> datetime:
        return NOW + timedelta(seconds=2)


async def timed(channel, message, send) -> None:
    await send


SIGNER = LinkSigner(b"0123456789abcdef0123", timedelta(hours=1))


async def test_the_send_stage_composes_sends_and_maps_what_the_channel_did():
    email = Recorder()
    channels = Channels({"email": email}, Recorder())
    outcome = await send_one(attempt(), channels, SIGNER, None, Clock(), timed, lambda: 0.5)
    assert outcome.move is Move.ACCEPT and outcome.fields["sent_at"] == Clock().now()
    (channel, message), = email.sent
    assert channel == "email" and message.delivery_id == ROW.id
    assert message.ack_url.startswith("http://escalator.test/ack/")
    stopped = await send_one(attempt(state=State.ACKNOWLEDGED), channels, SIGNER, None,
                             Clock(), timed, lambda: 0.5)
    assert stopped.move is Move.DROP and len(email.sent) == 1  # nothing sent
    held = Channels({"email": Recorder(Held())}, Recorder())
    assert (await send_one(attempt(), held, SIGNER, None, Clock(), timed,
                           lambda: 0.5)).move is Move.HOLD
    crash = Channels({"email": Recorder(RuntimeError("bug"))}, Recorder())
    crashed = await send_one(attempt(), crash, SIGNER, None, Clock(), timed, lambda: 0.5)
    assert crashed.move is Move.FALL_BACK and crashed.note["failure"] == "crashed"
    fallback = Recorder()  # no sender for the channel: the log fallback, labelled so
    logged = await send_one(attempt(), Channels({}, fallback), SIGNER, None, Clock(), timed,
                            lambda: 0.5)
    assert logged.fields["channel"] == "log:email" and len(fallback.sent) == 1


async def test_the_check_stage_releases_only_when_due():
    email = Recorder()
    channels = Channels({"email": email}, Recorder())
    held = replace(ROW, status=Status.CHECKING.value)
    early = await check_one(attempt(held, failing_since=NOW), channels)
    assert early.move is Move.KEEP_HELD and email.released == []
    late = await check_one(attempt(held, failing_since=NOW - LIMIT), channels)
    assert late.move is Move.FALL_BACK and email.released == [ROW.id]


def test_the_stages_do_no_io():
    """The pure stages import no store, no event loop and no channel: only the send stage
    (dispatch/attempt.py) and the two transactions (dispatch/recording.py) do I/O."""
    import ast
    from pathlib import Path

    import escalator.dispatch

    allowed_storage = {"escalator.storage.rows"}  # the claimed row: a value, not a store
    for name in ("stages", "fallback", "outcome"):
        path = Path(escalator.dispatch.__file__).parent / f"{name}.py"
        found = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module)
        io = {m for m in found if m.split(".")[0] in ("asyncio", "aiohttp", "socket", "sqlite3")
              or (m.startswith("escalator.storage") and m not in allowed_storage)
              or m in ("escalator.dispatch.attempt", "escalator.dispatch.recording")}
        assert io == set(), name
