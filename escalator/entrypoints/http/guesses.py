"""Guessing ack and voice links: limited and logged per address, at the HTTP edge.

An ack link or a voice callback URL is a credential: a signature over the
incident, the party, the expiry and a nonce. Guessing one is hopeless, but
nothing stopped anyone from trying, and nothing said that someone was
(issue 19). So every `/ack/...` and `/voice/...` answer that means "no such
link" (400 bad signature or form, 403 refused, 404 unknown) counts against the
address that asked; past `GUESSES` within `WINDOW` that address gets 429 with
Retry-After on those paths until its oldest failure is out of the window. The
service log says so at an address's 1st, 10th, 100th and every 1,000th
failure, and when it is held back.

Behind the reverse proxy every visitor arrives from the proxy's address: when
the peer is one of `http.trusted_clients` the address counted is the last hop
of X-Forwarded-For (the address nginx saw), so one guesser does not lock out
every nurse. Counted in memory on the service's clock, at most `MAX_ADDRESSES`
addresses (the least recent forgotten first): a restart forgets, which only
ever lets more through. This stands in front of the handlers and changes none.
"""

from __future__ import annotations

import logging
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Collection
from datetime import datetime, timedelta

from aiohttp import web

from escalator.domain.outbound import Network, address_of
from escalator.entrypoints.http.keys import CONTEXT
from escalator.entrypoints.http.views import message_page
from escalator.i18n import t

log = logging.getLogger(__name__)

GUESSES = 30  # failed link answers per address per window
WINDOW = timedelta(minutes=10)
MAX_ADDRESSES = 10_000
PATHS = ("/ack/", "/voice/")
FAILED = (400, 403, 404)  # a signature that does not check, a link refused, nothing there

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Guesses:
    """Failed link answers per address over a sliding window."""

    def __init__(self, limit: int = GUESSES, window: timedelta = WINDOW,
                 max_addresses: int = MAX_ADDRESSES) -> None:
        self.limit, self.window, self.max_addresses = limit, window, max_addresses
        self._failed: OrderedDict[str, deque[datetime]] = OrderedDict()
        self.held = 0  # requests answered 429

    def wait(self, address: str, now: datetime) -> timedelta | None:
        """How long `address` must wait before its next link is looked at; None: go on."""
        failed = self._recent(address, now)
        if len(failed) < self.limit:
            return None
        return failed[len(failed) - self.limit] + self.window - now

    def failed(self, address: str, now: datetime) -> int:
        """Count one failure; the address's failures within the window."""
        failed = self._recent(address, now)
        failed.append(now)
        self._failed[address] = failed
        self._failed.move_to_end(address)
        while len(self._failed) > self.max_addresses:
            self._failed.popitem(last=False)
        return len(failed)

    def _recent(self, address: str, now: datetime) -> deque[datetime]:
        failed = self._failed.get(address, deque())
        while failed and failed[0] <= now - self.window:
            failed.popleft()
        if not failed:
            self._failed.pop(address, None)
        return failed


GUESSES_KEY = web.AppKey("link_guesses", Guesses)


def client_address(request: web.Request, proxies: Collection[Network]) -> str:
    """The asking address; behind a listed proxy, the last hop it forwarded."""
    remote = request.remote or "?"
    found = address_of(remote)
    forwarded = request.headers.get("X-Forwarded-For", "")
    if forwarded and found is not None and any(
            found.version == net.version and found in net for net in proxies):
        last = forwarded.split(",")[-1].strip()
        if address_of(last) is not None:
            return last
    return remote


@web.middleware
async def link_guesses(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not request.path.startswith(PATHS):
        return await handler(request)
    guesses, context = request.app[GUESSES_KEY], request.app[CONTEXT]
    address = client_address(request, context.config.http.trusted_clients)
    now = context.now()
    wait = guesses.wait(address, now)
    if wait is not None:
        guesses.held += 1
        if guesses.held in (1, 10, 100) or guesses.held % 1000 == 0:
            log.warning("link guessing: %s held back for %d s (%d bad ack/voice links in %s)",
                        address, wait.total_seconds(), guesses.limit, guesses.window)
        return _held(request, wait)
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        if exc.status in FAILED:
            _count(guesses, address, now, request, exc.status)
        raise
    if response.status in FAILED:
        _count(guesses, address, now, request, response.status)
    return response


def _count(guesses: Guesses, address: str, now: datetime, request: web.Request,
           status: int) -> None:
    n = guesses.failed(address, now)
    if n in (1, 10, 100) or n % 1000 == 0:
        log.warning("link guessing: %s %s from %s answered %d (%d such answers to it in %s)",
                    request.method, request.path.split("/", 2)[1], address, status, n,
                    guesses.window)


def _held(request: web.Request, wait: timedelta) -> web.Response:
    seconds = max(1, int(wait.total_seconds() + 0.999))
    headers = {"Retry-After": str(seconds)}
    if request.path.startswith("/voice/"):
        return web.json_response({"error": "too many invalid links from this address"},
                                 status=429, headers=headers)
    lang = request.app[CONTEXT].config.facility.language
    minutes = max(1, (seconds + 59) // 60)
    page = message_page(lang, t(lang, "page.title"), t(lang, "page.too_many_links",
                                                       minutes=minutes), 429)
    page.headers.update(headers)
    return page
