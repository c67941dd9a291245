"""OPC UA Alarms & Conditions (asyncua): subscribe to a BMS's alarm events.

The source connects to `endpoint`, subscribes to the events of `node` (default
the Server object, where most servers report every condition) for
AlarmConditionType and the ConditionRefresh markers, and calls ConditionRefresh
after every (re)connect: the server then re-sends every condition it still
retains, between a RefreshStart and a RefreshEnd. What the refresh lists as
active opens (if not open already); what was open here and is no longer listed
clears; so alarms raised or cleared while the connection was down, or while the
service was down (the previous state is this source's open incidents), are
settled at reconnect. Meaning of each event: `codecs.opcua.read_event`.

Supervision: while the session is up (asyncua's watchdog reads the server state
every few seconds), a sign of life is recorded now and then; when the server
stops answering the watchdog drops the session, signs of life stop and the
source goes silent after `heartbeat_timeout`, like any other source. The
session is reopened with a growing wait. A failure to store an event also drops
the session: the refresh on reconnect reads it again (OPC UA has no per-event
acknowledgement to hold back).

Security: `security_policy`/`security_mode` with our `certificate` and
`private_key` (and optionally the `server_certificate` to trust); user and
password only from the environment (`username_env`, `password_env`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path
from typing import Any

from asyncua import Client, ua
from asyncua.crypto import security_policies
from cryptography import x509

from escalator.codecs.opcua import FIELDS, Reading, read_event
from escalator.domain.errors import StorageError
from escalator.entrypoints.receivers.base import IntakeContext, Throttle, heartbeat_every
from escalator.runtime.tasks import cancel_and_wait

log = logging.getLogger(__name__)
logging.getLogger("asyncua").setLevel(logging.WARNING)  # its info lines are every request

RETRY = (1.0, 60.0)  # first and longest wait before reconnecting, seconds
PUBLISH_MS = 100  # the server sends what happened at most this often (an alarm waits no longer)
SESSION_MS = 600_000  # what servers grant anyway; asking for more only logs a warning
LIFE_EVERY = 5.0  # seconds between checks that record a (throttled) sign of life
POLICIES: dict[str, Any] = {
    "Basic256Sha256": security_policies.SecurityPolicyBasic256Sha256,
    "Aes128_Sha256_RsaOaep": security_policies.SecurityPolicyAes128Sha256RsaOaep,
    "Aes256_Sha256_RsaPss": security_policies.SecurityPolicyAes256Sha256RsaPss,
}
EVENT_TYPES = (ua.ObjectIds.AlarmConditionType, ua.ObjectIds.RefreshStartEventType,
               ua.ObjectIds.RefreshEndEventType)


class SessionLost(Exception):
    pass


class _Handler:
    """asyncua calls this from its publish loop; the session consumes the queue in order."""

    def __init__(self, queue: asyncio.Queue[tuple[str, Any]]) -> None:
        self.queue = queue

    def event_notification(self, event: Any) -> None:
        self.queue.put_nowait(("event", plain_fields(event)))

    def status_change_notification(self, status: Any) -> None:
        self.queue.put_nowait(("status", status))

    def datachange_notification(self, *args: Any) -> None:
        pass


def plain_fields(event: Any) -> dict[str, Any]:
    """The selected fields as plain values (NodeIds as `i=2787`, LocalizedText as text)."""
    fields: dict[str, Any] = {}
    for name in FIELDS:
        value = getattr(event, name, None)
        if isinstance(value, ua.NodeId):
            value = value.to_string()
        elif isinstance(value, ua.LocalizedText):
            value = value.Text
        fields[name] = value
    return fields


def certificate_uri(path: str) -> str | None:
    """The application URI in a certificate's subjectAltName (DER or PEM), if any."""
    data = Path(path).read_bytes()
    try:
        cert = x509.load_pem_x509_certificate(data) if data.lstrip().startswith(b"-----") \
            else x509.load_der_x509_certificate(data)
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (ValueError, x509.ExtensionNotFound):
        return None
    uris = names.get_values_for_type(x509.UniformResourceIdentifier)
    return uris[0] if uris else None


class OpcUaSource:
    def __init__(self, ctx: IntakeContext) -> None:
        self.ctx = ctx
        self.source_id = ctx.source.id
        opts = ctx.options
        self.endpoint: str = opts["endpoint"]
        self.node: str = opts["node"]
        self.timeout: float = opts["timeout"].total_seconds()
        self.connected = False  # subscribed and refreshed (for tests and health)
        self.sessions = 0  # sessions that got as far as the refresh
        self.refreshes = 0  # refreshes completed
        self.last_error: str | None = None
        self.application_uri: str | None = None  # ours, from our certificate when we have one
        self._active: dict[tuple[str, str], Reading] | None = None  # None: not known yet
        self._seen: set[tuple[str, str]] | None = None  # during a refresh
        self._throttle = Throttle(ctx.clock, heartbeat_every(ctx.source))
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None

    def health(self) -> dict[str, object]:
        return {"kind": "opcua", "running": self._task is not None and not self._task.done(),
                "connected": self.connected, "refreshes": self.refreshes,
                "last_error": self.last_error}

    async def _run(self) -> None:
        wait = RETRY[0]
        while True:
            try:
                await self._session()
            except Exception as exc:  # whatever a hostile server makes the library raise,
                # the source must reconnect, not die (it would stay silent for good)
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.warning("source %s: OPC UA %s: %s; reconnecting in %.0f s", self.source_id,
                            self.endpoint, self.last_error, wait)
            if self.connected:
                wait = RETRY[0]  # it worked for a while: start the backoff again
            self.connected, self._seen = False, None
            await asyncio.sleep(wait)
            wait = min(wait * 2, RETRY[1])

    async def _client(self) -> Client:
        opts = self.ctx.options
        client = Client(self.endpoint, timeout=self.timeout,
                        watchdog_intervall=min(LIFE_EVERY, self.timeout))
        client.session_timeout = SESSION_MS
        user = self.ctx.secret(opts.get("username_env"))
        if user:
            client.set_user(user)
            client.set_password(self.ctx.secret(opts.get("password_env")) or "")
        policy = opts["security_policy"]
        if policy != "None":
            # servers check that the session's ApplicationUri is the one in our certificate
            self.application_uri = certificate_uri(opts["certificate"])
            if self.application_uri:
                client.application_uri = self.application_uri
            await client.set_security(
                POLICIES[policy], opts["certificate"], opts["private_key"],
                server_certificate=opts.get("server_certificate"),
                mode=getattr(ua.MessageSecurityMode, opts["security_mode"]))
        return client

    async def _session(self) -> None:
        queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        client = await self._client()

        async def lost(exc: Exception) -> None:
            queue.put_nowait(("lost", exc))

        client.connection_lost_callback = lost
        try:
            await asyncio.wait_for(client.connect(), self.timeout)
            subscription = await client.create_subscription(PUBLISH_MS, _Handler(queue))
            await subscription.subscribe_events(ua.NodeId.from_string(self.node),
                                                list(EVENT_TYPES))
            if self._active is None:
                self._active = await self._stored()
            self.sessions += 1
            self._seen = set()  # until RefreshEnd; a server may send its markers late
            await client.get_node(ua.ObjectIds.ConditionType).call_method(
                ua.NodeId.from_string(f"i={ua.ObjectIds.ConditionType_ConditionRefresh}"),
                ua.Variant(subscription.subscription_id, ua.VariantType.UInt32))
            self.connected, self.last_error = True, None
            await self._consume(queue)
        finally:
            client.connection_lost_callback = None
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.disconnect(), self.timeout)

    async def _stored(self) -> dict[tuple[str, str], Reading]:
        stored = await self.ctx.open_alarms() if self.ctx.open_alarms else set()
        return {key: Reading("alarm", *key) for key in stored if key[0] != "source_silent"}

    async def _consume(self, queue: asyncio.Queue[tuple[str, Any]]) -> None:
        loop = asyncio.get_running_loop()
        refresh_by = loop.time() + self.timeout
        while True:
            await self._alive()
            if self._seen is not None and loop.time() > refresh_by:
                log.warning("source %s: no RefreshEnd within %.0f s; taking the refresh "
                            "as complete", self.source_id, self.timeout)
                await self._refresh_end()
            try:
                what, value = await asyncio.wait_for(queue.get(), min(LIFE_EVERY, self.timeout))
            except TimeoutError:
                continue
            if what == "lost":
                raise SessionLost(str(value) or type(value).__name__)
            if what == "status":
                code = getattr(value, "Status", value)
                if getattr(code, "is_good", lambda: False)():
                    continue
                raise SessionLost(f"subscription status {code}")
            await self.handle(value)

    async def _alive(self) -> None:
        if self.connected and self._throttle.due():
            with contextlib.suppress(StorageError):
                await self.ctx.ingest(self.ctx.heartbeat())

    async def handle(self, fields: dict[str, Any]) -> None:
        """One event, in order: open, clear, or the refresh's markers."""
        opts = self.ctx.options
        reading = read_event(fields, code=opts.get("code", ""), clear_on=opts["clear_on"])
        assert self._active is not None
        if reading.kind == "refresh_start":
            self._seen = set()
            return
        if reading.kind == "refresh_end":
            await self._refresh_end()
            return
        if reading.kind == "ignore":
            log.info("source %s: event ignored: %s", self.source_id, reading.why)
            return
        key = self.ctx.stored_key(reading.code, reading.point)
        if self._seen is not None and reading.kind in ("alarm", "standing"):
            self._seen.add(key)
        if reading.kind == "alarm" and key not in self._active:
            await self.ctx.ingest(self.ctx.event(reading.code, "alarm", point=reading.point,
                                                 text=reading.text))
            self._active[key] = reading
        elif reading.kind == "clear" and key in self._active:
            await self.ctx.ingest(self.ctx.event(reading.code, "clear", point=reading.point))
            del self._active[key]

    async def _refresh_end(self) -> None:
        """What was open here and the refresh no longer lists has cleared meanwhile."""
        assert self._active is not None
        if self._seen is None:
            return  # an end without a refresh of ours (another item's): nothing to settle
        seen, self._seen = self._seen, None
        for key in [k for k in self._active if k not in seen]:
            code, point = key
            await self.ctx.ingest(self.ctx.event(code, "clear", point=point))
            del self._active[key]
        self.refreshes += 1
