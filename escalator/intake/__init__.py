"""Intake adapters: how alarms arrive from the equipment that is actually installed.

`build_adapters` is called by the composition root (`escalator.app`); each kind
lives in its own module and is imported only when a source of that kind is
configured, so an unused kind's library need not even be installed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from escalator.clock import Clock
from escalator.config.model import Config
from escalator.domain.model import SOURCE_SILENT
from escalator.intake.base import Ingest, IntakeAdapter, IntakeContext
from escalator.storage import SqlStore


def build_adapters(config: Config, ingest: Ingest, clock: Clock,
                   secret: Callable[[str | None], str | None],
                   store: SqlStore | None = None) -> dict[str, IntakeAdapter]:
    """One adapter per configured source; webhook sources are served by the HTTP API."""
    adapters: dict[str, IntakeAdapter] = {}
    for sid, source in config.sources.items():
        ctx = IntakeContext(source, ingest, clock, secret,
                            _open_alarms(store, sid) if store is not None else None)
        adapter = _build(source.kind, ctx)
        if adapter is not None:
            adapters[sid] = adapter
    return adapters


def _open_alarms(store: SqlStore, source_id: str
                 ) -> Callable[[], Awaitable[set[tuple[str, str]]]]:
    async def read() -> set[tuple[str, str]]:
        found = await store.transaction(lambda tx: tx.incidents.listed("open", limit=100_000))
        return {(i.code, i.point) for i in found
                if i.source == source_id and i.code != SOURCE_SILENT}
    return read


def _build(kind: str, ctx: IntakeContext) -> IntakeAdapter | None:
    if kind == "poll":
        from escalator.intake.poll import PollSource
        return PollSource(ctx)
    if kind == "sia":
        from escalator.intake.sia import SiaReceiver
        return SiaReceiver(ctx)
    if kind == "espa":
        from escalator.intake.espa import EspaReceiver
        return EspaReceiver(ctx)
    if kind == "email":
        from escalator.intake.email import EmailReceiver
        return EmailReceiver(ctx)
    if kind == "mqtt":
        from escalator.intake.mqtt import MqttSource
        return MqttSource(ctx)
    return None


__all__ = ["IntakeAdapter", "IntakeContext", "build_adapters"]
