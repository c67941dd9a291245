"""The log channel: where messages go for channels not configured on this machine.

It accepts every message, so a ladder still runs end to end on embedded
defaults; the delivery row says `log:<channel>` so nobody mistakes it for a
real delivery.
"""

from __future__ import annotations

import logging

from escalator.domain.availability import Contact
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
