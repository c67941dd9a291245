"""Where a message goes when its contact's channel is not set up on this service.

In a demo (`escalator demo`, `escalator run --demo`) that is the log: it accepts
every message, so a ladder runs end to end on the bundled example, and the
delivery row says `log:<channel>` so nobody mistakes it for a real delivery.

Anywhere else nobody reads that log, so "sent" would be a lie and the party's
next contact, which could reach them, would never be tried: `NotSetUp` fails
the send for good (kind `not_set_up`) and the dispatcher tries the next contact.
`config check` refuses such a contact at its line; this is for what slips past
it (a reload that adds a channel, which takes effect only at a restart).
"""

from __future__ import annotations

import logging

from escalator.domain.availability import Contact
from escalator.domain.errors import NotifyError
from escalator.notify.base import Message

log = logging.getLogger("escalator.deliveries")


class LogNotifier:
    def __init__(self) -> None:
        self.sent: list[tuple[Contact, Message]] = []

    async def send(self, contact: Contact, message: Message) -> None:
        self.sent.append((contact, message))
        del self.sent[:-1000]  # keep memory bounded in a long-running demo
        log.info("to %s via %s %s (%s): %s", message.party, contact.channel, contact.address,
                 message.reason, message.subject)


class NotSetUp:
    """Outside a demo: a contact through a channel that is not set up never reads sent."""

    async def send(self, contact: Contact, message: Message) -> None:
        raise NotifyError(f"channels.{contact.channel} is not set up on this service",
                          recoverable=False, kind="not_set_up")
