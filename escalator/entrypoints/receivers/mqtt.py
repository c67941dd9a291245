"""MQTT (aiomqtt) for building sensors that publish JSON.

The source subscribes to `topic` (wildcards allowed) with QoS 1. Each message
is a JSON object; `fields` name where the code, point, text, severity and state
are (the same paths as the poll source, plus `$topic[N]`, the N-th level of
the topic, from 0). `state` words: alarm/active/on/true/1 -> alarm,
clear/ok/normal/off/false/0 -> clear, heartbeat/alive/ping -> heartbeat;
a missing state is an alarm. A message that is not a JSON object, or has no
code, is stored as an `unreadable` alarm for its topic, so a misconfigured
sensor is seen rather than ignored.

The PUBACK of a QoS 1 message is sent only after the event is stored (paho's
manual acknowledgement; the session is persistent when `client_id` is set, so
the broker redelivers what was not acknowledged). The connection is reopened
after a failure, waiting a little longer each time.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import aiomqtt

from escalator.codecs.fields import as_text, get_path
from escalator.domain.errors import StorageError
from escalator.domain.model import AlarmEvent
from escalator.entrypoints.receivers.base import IntakeContext
from escalator.runtime.tasks import cancel_and_wait

log = logging.getLogger(__name__)

CLEAR_WORDS = {"clear", "ok", "normal", "off", "false", "0", "inactive", "restored"}
HEARTBEAT_WORDS = {"heartbeat", "alive", "ping"}
RETRY = (1.0, 60.0)  # first and longest wait before reconnecting, seconds
MAX_PAYLOAD = 64 * 1024


class MqttSource:
    def __init__(self, ctx: IntakeContext) -> None:
        self.ctx = ctx
        self.source_id = ctx.source.id
        self.host, self.port = ctx.options["broker"]
        self.topic: str = ctx.options["topic"]
        self.subscribed = False  # connected and subscribed (for tests and health)
        self.last_error: str | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None

    def health(self) -> dict[str, object]:
        return {"kind": "mqtt", "running": self._task is not None and not self._task.done(),
                "subscribed": self.subscribed, "last_error": self.last_error}

    async def _run(self) -> None:
        wait = RETRY[0]
        while True:
            try:
                await self._session()
            except aiomqtt.MqttError as exc:
                self.last_error = str(exc)
                log.warning("source %s: MQTT %s:%s: %s; reconnecting in %.0f s",
                            self.source_id, self.host, self.port, exc, wait)
            self.subscribed = False
            await asyncio.sleep(wait)
            wait = min(wait * 2, RETRY[1])

    async def _session(self) -> None:
        opts = self.ctx.options
        client_id = opts.get("client_id")
        async with aiomqtt.Client(
            self.host, self.port, identifier=client_id,
            username=self.ctx.secret(opts.get("username_env")),
            password=self.ctx.secret(opts.get("password_env")),
            clean_session=False if client_id else None,
        ) as client:
            paho: Any = getattr(client, "_client", None)
            manual = paho is not None and hasattr(paho, "manual_ack_set")
            if manual:
                paho.manual_ack_set(True)
            await client.subscribe(self.topic, qos=1)
            self.subscribed, self.last_error = True, None
            log.info("source %s: subscribed to %s on %s:%s", self.source_id, self.topic,
                     self.host, self.port)
            async for message in client.messages:
                stored = await self._store(str(message.topic), message.payload)
                if manual and stored and message.qos > 0:
                    paho.ack(message.mid, message.qos)

    async def _store(self, topic: str, payload: Any) -> bool:
        try:
            await self.ctx.ingest(self.event_for(topic, payload))
        except StorageError:
            log.error("source %s: storage failed; not acknowledged, the broker redelivers",
                      self.source_id)
            return False
        return True

    def event_for(self, topic: str, payload: Any) -> AlarmEvent:
        raw = payload if isinstance(payload, bytes | bytearray) else str(payload or "").encode()
        data = _json_object(bytes(raw[:MAX_PAYLOAD + 1]))
        fields = self.ctx.options.get("fields", {})
        levels = topic.split("/")

        def field(name: str) -> str:
            path = fields.get(name)
            if not path or data is None:
                return ""
            if path.startswith("$topic["):
                index = int(path[7:-1])
                return levels[index] if index < len(levels) else ""
            return as_text(get_path(data, path)).strip()

        code = field("code") or self.ctx.options.get("code", "")
        if data is None or not code:
            text = raw[:200].decode("utf-8", "replace")
            return self.ctx.event("unreadable", "alarm", point=topic, text=text)
        state = _state(field("state"))
        if state == "heartbeat":
            return self.ctx.heartbeat()
        return self.ctx.event(code, state, point=field("point"), text=field("text"),
                              severity=field("severity"))


def _json_object(raw: bytes) -> dict[str, Any] | None:
    if len(raw) > MAX_PAYLOAD:
        return None
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def _state(word: str) -> str:
    value = word.strip().lower()
    if value in CLEAR_WORDS:
        return "clear"
    if value in HEARTBEAT_WORDS:
        return "heartbeat"
    return "alarm"  # missing or unknown: an alarm is the safe reading
