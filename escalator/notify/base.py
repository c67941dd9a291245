"""What a channel receives, and the protocol every channel implements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from escalator.domain.availability import Contact
from escalator.domain.model import Incident


@dataclass(frozen=True)
class Message:
    """One rendered notification for one party about one incident."""

    delivery_id: int
    incident: Incident
    party: str
    party_name: str
    reason: str
    step: int | None
    detail: str
    update: bool
    language: str
    subject: str
    text: str
    ack_url: str
    tz: str = "UTC"  # the facility's zone, for times in the text
    read_only: bool = False  # a viewer's (the purchaser's): the link shows, never acts


class Notifier(Protocol):
    """A channel. Raise NotifyError(recoverable=...) on failure; return on acceptance."""

    async def send(self, contact: Contact, message: Message) -> None: ...
