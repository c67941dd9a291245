"""Channel health: the board's named read of each contact's last success and failure, and
a manager's test message to one contact as a command.

The read joins the contacts of the config in force with what the dispatcher recorded
for each (`tx.contact_health`) and the newest test message to each; a contact whose
place or channel changed in the config since starts afresh. The command asks
`domain/permits.py` whether the role may, `domain/channel_health.py` whether this
contact may be tested now (its channel, once a minute per contact, a cap per person
per hour), and writes the test's outbox row and its audit record in one transaction;
the dispatcher sends it like any other row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from escalator.domain.channel_health import NoTest, Seen, may_test, newest
from escalator.domain.permits import Deed, Refusal, permitted
from escalator.storage.protocol import Store
from escalator.storage.sql import Tx
from escalator.usecases.context import Context
from escalator.usecases.shapes import Sent


@dataclass(frozen=True)
class ContactLine:
    """One contact of one party, as the health page shows it."""

    party: str
    party_name: str
    index: int  # its place in the party's contacts
    channel: str
    address: str
    seen: Seen
    test: Sent | None  # the newest test message to it, as it stands (pending .. sent/failed)
    testable: bool  # its channel can take a test message


@dataclass(frozen=True)
class ChannelLine:
    channel: str
    seen: Seen  # the newest success and failure of any of its contacts
    contacts: int


@dataclass(frozen=True)
class HealthBoard:
    contacts: list[ContactLine]
    channels: list[ChannelLine]


@dataclass(frozen=True)
class TestMessage:
    """Send a test message to contact `index` of `party`, asked by `by` (a board user)."""

    by: str
    role: str
    party: str
    index: int


@dataclass(frozen=True)
class TestSent:
    delivery_id: int | None = None
    refusal: str | None = None  # permits.Refusal.ROLE, or a channel_health.NoTest reason


@dataclass(frozen=True)
class ChannelHealth:
    context: Context
    store: Store
    poke: Callable[[], None]

    async def board(self) -> HealthBoard:
        config = self.context.config

        def read(tx: Tx) -> tuple[dict[tuple[str, int, str], Seen], dict[tuple[str, int], Sent]]:
            seen = {(c.party, c.contact_index, c.channel): c.seen
                    for c in tx.contact_health.listed()}
            tests = {k: Sent.of(r) for k, r in tx.contact_health.last_tests().items()}
            return seen, tests
        seen, tests = await self.store.transaction(read)
        lines: list[ContactLine] = []
        for pid, party in config.parties.items():
            for i, c in enumerate(party.contacts):
                test = tests.get((pid, i))
                lines.append(ContactLine(
                    pid, party.name, i, c.channel, c.address,
                    seen.get((pid, i, c.channel), Seen()),
                    test if test is not None and test.channel in (None, c.channel) else None,
                    may_test(c.channel, None, 0, self.context.now()) is None))
        by_channel: dict[str, list[Seen]] = {}
        for line in lines:
            by_channel.setdefault(line.channel, []).append(line.seen)
        channels = [ChannelLine(ch, newest(s), len(s)) for ch, s in sorted(by_channel.items())]
        return HealthBoard(lines, channels)

    async def send_test(self, cmd: TestMessage) -> TestSent:
        refused = permitted(cmd.role, Deed.TEST_MESSAGE)
        if refused is not None:
            return TestSent(refusal=refused)
        party = self.context.config.parties.get(cmd.party)
        if party is None or not 0 <= cmd.index < len(party.contacts):
            return TestSent(refusal=Refusal.MISSING)
        channel = party.contacts[cmd.index].channel
        now = self.context.now()

        def write(tx: Tx) -> TestSent:
            last = tx.contact_health.last_tests().get((cmd.party, cmd.index))
            why = may_test(channel, last.created_at if last else None,
                           tx.contact_health.tests_by(cmd.by, now - timedelta(hours=1)), now)
            if why is not None:
                return TestSent(refusal=why)
            return TestSent(tx.contact_health.add_test(cmd.party, cmd.index, channel, cmd.by,
                                                       now))
        done = await self.store.transaction(write)
        if done.delivery_id is not None:
            self.poke()  # the dispatcher sends it now, not at the next timer
        return done


__all__ = ["ChannelHealth", "HealthBoard", "NoTest", "TestMessage", "TestSent"]
