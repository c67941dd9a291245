"""What a channel receives, and the protocol every channel implements."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from escalator.domain.availability import Contact
from escalator.domain.errors import NotifyError
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
    urgency: str = "high"  # the route's (`routes[].urgency`): a pager's priority follows it
    key: str = ""  # the delivery's stable id for peers (`delivery_key`); "" -> the row id

    @property
    def delivery_key(self) -> str:
        """What a peer may deduplicate on: the same for every send of this delivery,
        also after a restart (a send cut at shutdown goes out again with it)."""
        return self.key or f"escalator-delivery-{self.delivery_id}"


def delivery_headers(message: Message) -> dict[str, str]:
    """The delivery id on every HTTP request a channel makes for it (webhook, SMS and
    voice gateways): `Idempotency-Key` is what most APIs deduplicate on."""
    return {"Idempotency-Key": message.delivery_key,
            "X-Escalator-Delivery": message.delivery_key}


def delivery_key(facility: str, delivery_id: int, created_at: datetime) -> str:
    """A delivery's id for the outside world, made only of what is stored with it.

    The row id alone is not enough: two facilities posting to one vendor, or a
    database restored from a backup, reuse row ids, and a receiver deduplicating on
    them would drop a real alarm as a repeat. The facility and the row's creation
    time (milliseconds, hex) make it unique; all three are stored, so every resend
    carries the same key."""
    stamp = int(created_at.timestamp() * 1000)
    return f"{facility}-{delivery_id}-{stamp:x}"


class Held(Exception):  # noqa: N818 - not an error: the channel's answer "kept for later"
    """Raised by a channel that accepted a notice into its own durable queue (a digest).

    Not delivered yet: the dispatcher marks the row held (`queued`); the channel
    marks it sent when it really goes out (`Tx.deliveries.mark_sent`, the `carry`
    move of `escalator.domain.delivery`), and at the contact's fallback deadline
    (`fallback_after` after its first attempt) the dispatcher asks `release` to
    take it back for the next contact.
    """


class Holder(Protocol):
    """A channel that can hold notices (raises Held)."""

    async def release(self, contact: Contact, delivery_id: int) -> str:
        """"sent" (gone out meanwhile: the channel wrote `sent` itself) or "released"
        (taken out of its queue: the dispatcher falls back to the next contact)."""
        ...


class Notifier(Protocol):
    """A channel. Raise NotifyError(recoverable=...) on failure; return on acceptance."""

    async def send(self, contact: Contact, message: Message) -> None: ...


def require_set_up(found: list[str]) -> None:
    """A channel whose settings have problems now (a secret removed since start) fails
    the send for good, so the party's next contact is tried at once."""
    if found:
        raise NotifyError("; ".join(found), recoverable=False, kind="not_set_up")
