"""Device receivers: how alarms arrive from the equipment that is actually installed.

Entry points like the HTTP handlers: each receiver does the I/O of its protocol (SIA
DC-09, ESPA 4.4.4, SMTP, MQTT, polling, BACnet/IP), decodes with the pure codecs of
escalator/codecs/ and hands each event to `Intake.ingest`, nothing else. It never
reaches the store or the service (tests/unit/test_layers.py).

`build_adapters` is called by the composition root (`escalator.app`); each kind
lives in its own module and is imported only when a source of that kind is
configured, so an unused kind's library need not even be installed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial

from escalator.config.model import Config
from escalator.entrypoints.receivers.base import Ingest, IntakeAdapter, IntakeContext
from escalator.runtime.clock import Clock

# (code, point) of a source's open incidents
OpenAlarms = Callable[[str], Awaitable[set[tuple[str, str]]]]


def build_adapters(config: Config, ingest: Ingest, clock: Clock,
                   secret: Callable[[str | None], str | None],
                   open_alarms: OpenAlarms | None = None) -> dict[str, IntakeAdapter]:
    """One adapter per configured source; webhook sources are served by the HTTP API.

    `open_alarms` is the named query `usecases.queries.open_alarms_reader` gives (a
    poller does not raise again at start what is already open)."""
    adapters: dict[str, IntakeAdapter] = {}
    for sid, source in config.sources.items():
        ctx = IntakeContext(source, ingest, clock, secret,
                            partial(open_alarms, sid) if open_alarms is not None else None)
        adapter = _build(source.kind, ctx)
        if adapter is not None:
            adapters[sid] = adapter
    return adapters


def _build(kind: str, ctx: IntakeContext) -> IntakeAdapter | None:
    if kind == "poll":
        from escalator.entrypoints.receivers.poll import PollSource
        return PollSource(ctx)
    if kind == "sia":
        from escalator.entrypoints.receivers.sia import SiaReceiver
        return SiaReceiver(ctx)
    if kind == "espa":
        from escalator.entrypoints.receivers.espa import EspaReceiver
        return EspaReceiver(ctx)
    if kind == "email":
        from escalator.entrypoints.receivers.smtp import EmailReceiver
        return EmailReceiver(ctx)
    if kind == "mqtt":
        from escalator.entrypoints.receivers.mqtt import MqttSource
        return MqttSource(ctx)
    if kind == "bacnet":
        from escalator.entrypoints.receivers.bacnet import BacnetSource
        return BacnetSource(ctx)
    if kind == "modbus":
        from escalator.entrypoints.receivers.modbus import ModbusSource
        return ModbusSource(ctx)
    if kind == "opcua":
        from escalator.entrypoints.receivers.opcua import OpcUaSource
        return OpcUaSource(ctx)
    return None


__all__ = ["IntakeAdapter", "IntakeContext", "build_adapters"]
