"""The one stage of an attempt that does I/O: hand the message to its channel.

`send_one` runs the pure stages (escalator/dispatch/stages.py) around the send: the
checks before it, then the channel with the send timeout, then what came of it as
an outcome. `check_one` does the same for a held notice's check, whose I/O is the
channel's `release` (take it out of the queue unless a digest carried it).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace

from escalator.dispatch import stages
from escalator.dispatch.outcome import Outcome
from escalator.dispatch.stages import Attempt
from escalator.domain.errors import NotifyError
from escalator.notify.base import Held, Message, Notifier
from escalator.runtime.clock import Clock
from escalator.security.links import LinkSigner

log = logging.getLogger(__name__)

Timed = Callable[[str, Message, Awaitable[None]], Awaitable[None]]


@dataclass(frozen=True)
class Channels:
    """The senders by channel name; `fallback` logs what has no sender of its own."""

    notifiers: Mapping[str, Notifier]
    fallback: Notifier

    def carries_updates(self, channel: str) -> bool:
        return getattr(self.notifiers.get(channel), "carries_updates", True)


async def send_one(a: Attempt, channels: Channels, signer: LinkSigner, nonce: bytes | None,
                   clock: Clock, timed: Timed, jitter: Callable[[], float],
                   durable: Awaitable[bool] | None = None) -> Outcome:
    """One attempt of a claimed row: the checks, the send, and its outcome. At a
    notice's first attempt for a party with contact rules, the outcome also carries
    the rows for the notice's other contacts (written with it, or not at all).

    `durable`: the row's transaction is still committing. The checks and the message
    are done meanwhile; nothing leaves before it says True (False: not sent at all)."""
    if (dropped := stages.still_wanted(a)) is not None:
        return dropped
    sends = stages.spread(a)
    if sends is not None:
        first, extra = stages.spread_first(a, sends)
        if first is not None:
            return first
        outcome = await _send(a, channels, signer, nonce, clock, timed, jitter, durable)
        return replace(outcome, spread=extra)
    return await _send(a, channels, signer, nonce, clock, timed, jitter, durable)


async def _send(a: Attempt, channels: Channels, signer: LinkSigner, nonce: bytes | None,
                clock: Clock, timed: Timed, jitter: Callable[[], float],
                durable: Awaitable[bool] | None = None) -> Outcome:
    stop = stages.before_send(a)
    if stop is not None:
        return stop
    contact = a.contact
    assert contact is not None
    notifier = channels.notifiers.get(contact.channel)
    label = contact.channel if notifier else f"log:{contact.channel}"
    message = stages.compose(a, signer, nonce)
    if durable is not None and not await durable:
        return Outcome(a.row, None, {})  # its transaction failed: it never existed
    timeout = a.config.delivery.send_timeout.total_seconds()
    try:
        send = (notifier or channels.fallback).send(contact, message)
        # the send runs in the lane's own task under a deadline (`wait_for` made a task,
        # a waiter and a timer for every notice, and a loop turn before the POST started)
        async with asyncio.timeout(timeout):
            await timed(contact.channel, message, send)
    except Held:  # in the channel's queue: checked at this contact's fallback deadline
        return stages.held(a, label)
    except TimeoutError:
        error = NotifyError(f"no answer within {timeout:g} s", recoverable=True,
                            kind="timeout")
        return stages.failed(a, error, clock.now(), jitter())
    except NotifyError as exc:
        return stages.failed(a, exc, clock.now(), jitter())
    except Exception as exc:  # a channel bug must not stall the ladder
        log.exception("channel %s crashed on delivery %s", contact.channel, a.row.id)
        crashed = NotifyError(repr(exc), recoverable=False, kind="crashed")
        return stages.failed(a, crashed, clock.now(), jitter())
    return stages.accepted(a, label, clock.now())


async def check_one(a: Attempt, channels: Channels) -> Outcome:
    """A held notice's check: early (back to its queue), or released and moved on."""
    early = stages.check_early(a)
    if early is not None:
        return early
    contact = a.contact
    notifier = channels.notifiers.get(contact.channel) if contact is not None else None
    release = getattr(notifier, "release", None)
    verdict = await release(contact, a.row.id) if release and contact else "released"
    return stages.after_release(a, verdict)


async def untimed(channel: str, message: Message, send: Awaitable[None]) -> None:
    """The send as it is, when nobody times it (the service's metrics replace this)."""
    await send
