"""What /metrics exposes, kept with prometheus-client: counters, histograms, live gauges.

- `escalator_events_received_total{source,state}`: events stored, from every way in
  (the HTTP intake and every listener and poller go through `usecases.Intake.ingest`);
  `escalator_events_rejected_total{reason}`: events refused.
- `escalator_first_notice_seconds{source_kind}`: from the alarm opening to its first
  notice accepted by a channel (webhook, sia, espa, email, mqtt, poll; "internal" for
  the service's own alarms). Notices that wait in a Telegram digest are not counted.
- `escalator_send_seconds{channel,outcome}`: how long one send took (sent, held for a
  digest, failed).
- `escalator_answer_seconds{door,state}`: from the alarm opening to a person's answer
  that moved it on (taken, snoozed, false alarm, resolved), by the door it came through
  (ack_page, voice, api, board, outbox, telegram, sms; "other" for anything else).
- the store's gauges (incidents by state, deliveries, safety incidents, store up),
  read live on each scrape and handed to `render`.

Each service has its own registry, so two in one process (the tests) never mix.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterator
from contextvars import ContextVar
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import generate_latest

from escalator.domain.model import Incident, Reason, State
from escalator.notify.base import Held
from escalator.runtime.clock import Clock

disable_created_metrics()  # a `_created` series per label set is noise here

Series = dict[tuple[tuple[str, str], ...], float]
Gauges = dict[str, tuple[str, Series]]

# the way in the current answer came through; set per request by the HTTP server's
# middleware and by the Telegram press handler
DOOR: ContextVar[str] = ContextVar("escalator_door", default="other")

NOTICE_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600)
SEND_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
ANSWER_BUCKETS = (10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600)
FIRSTS_KEPT = 10_000  # incidents whose first notice was counted (not counted twice)


class Metrics:
    def __init__(self, clock: Clock | None = None,
                 source_kind: Callable[[str], str] = lambda _source: "internal") -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._clock = clock
        self._source_kind = source_kind
        self._firsts: OrderedDict[int, None] = OrderedDict()
        r = self.registry
        self._received = Counter("escalator_events_received_total",
                                 "Events accepted and stored, by source and state",
                                 ["source", "state"], registry=r)
        self._rejected = Counter("escalator_events_rejected_total", "Events refused, by reason",
                                 ["reason"], registry=r)
        self._first = Histogram("escalator_first_notice_seconds",
                                "From an alarm opening to its first notice sent, by source kind",
                                ["source_kind"], buckets=NOTICE_BUCKETS, registry=r)
        self._send = Histogram("escalator_send_seconds",
                               "How long one send took, by channel and outcome",
                               ["channel", "outcome"], buckets=SEND_BUCKETS, registry=r)
        self._answer = Histogram("escalator_answer_seconds",
                                 "From an alarm opening to an answer that moved it on, by door",
                                 ["door", "state"], buckets=ANSWER_BUCKETS, registry=r)

    # -- what happened -------------------------------------------------------------
    def received(self, source: str, state: str) -> None:
        self._received.labels(source=source, state=state).inc()

    def rejected(self, reason: str) -> None:
        self._rejected.labels(reason=reason).inc()

    async def timed_send(self, channel: str, message: Any, send: Awaitable[None]) -> None:
        """Await one send, timing it; a first notice also gives its incident's
        event-to-first-notice time."""
        started, outcome = time.perf_counter(), "failed"
        try:
            await send
            outcome = "sent"
        except Held:
            outcome = "held"
            raise
        finally:
            self._send.labels(channel=channel, outcome=outcome).observe(
                time.perf_counter() - started)
        incident = getattr(message, "incident", None)
        if isinstance(incident, Incident) and message.reason == Reason.FIRST.value \
                and not message.update:
            self.first_notice(incident)

    def first_notice(self, incident: Incident) -> None:
        if self._clock is None or incident.id in self._firsts:
            return
        self._firsts[incident.id] = None
        while len(self._firsts) > FIRSTS_KEPT:
            self._firsts.popitem(last=False)
        seconds = (self._clock.now() - incident.opened_at).total_seconds()
        self._first.labels(source_kind=self._source_kind(incident.source)).observe(
            max(0.0, seconds))

    def answered(self, incident: Incident) -> None:
        """A person's action went through (`EscalationService.listeners`); counted when it
        moved the alarm on, under the door of the request or press it came from."""
        if self._clock is None or incident.state is State.OPEN:
            return  # a note, a pass-on: not an answer to the alarm itself
        seconds = (self._clock.now() - incident.opened_at).total_seconds()
        self._answer.labels(door=DOOR.get(), state=incident.state.value).observe(
            max(0.0, seconds))

    # -- reading ---------------------------------------------------------------------
    def value(self, name: str, **labels: str) -> float:
        """One sample's value (0 when it was never set): for tests and the CLI."""
        found = self.registry.get_sample_value(name, labels)
        return 0.0 if found is None else found

    def render(self, gauges: Gauges) -> str:
        """The text exposition: this service's metrics, then the store's live gauges."""
        live = CollectorRegistry(auto_describe=False)
        live.register(_Live(gauges))
        return (generate_latest(self.registry) + generate_latest(live)).decode()


class _Live:
    """The gauges of one scrape, as a collector prometheus-client can expose."""

    def __init__(self, gauges: Gauges) -> None:
        self._gauges = gauges

    def collect(self) -> Iterator[Metric]:
        for name, (help_text, series) in sorted(self._gauges.items()):
            names = [k for k, _ in next(iter(series), ())]
            family = GaugeMetricFamily(name, help_text, labels=names)
            for key, value in sorted(series.items()):
                family.add_metric([v for _, v in key], value)
            yield family
