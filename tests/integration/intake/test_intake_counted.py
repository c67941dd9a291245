"""Every listener and poller takes events in through the Intake use case, so each event
is counted in `escalator_events_received_total` like one from the HTTP intake.

(Before, the listeners called the service directly: only HTTP events were counted.)
The senders and configs are the ones each listener's own tests use.
"""

from __future__ import annotations

import pytest
from intake_support import tcp_exchange, until
from test_intake_email import EMAIL, mail, send
from test_intake_espa import ACK, ENQ, ESPA, LOOP_FAULT, Panel
from test_intake_poll import active, bms, poll_yaml, started  # noqa: F401 - fixture
from test_intake_sia import FT_PLAIN, SIA, tcp_port, wire

RECEIVED = "escalator_events_received_total"


def counted(app, source: str, state: str = "alarm") -> float:
    return app.metrics.value(RECEIVED, source=source, state=state)


async def test_sia_events_are_counted(intake_app):
    app = await intake_app(SIA)
    await tcp_exchange(tcp_port(app), wire(FT_PLAIN), 1)
    assert counted(app, "panel") == 1


async def test_espa_events_are_counted(intake_app):
    app = await intake_app(ESPA)
    panel = await Panel.connect(app.intake["paging"].port)
    assert await panel.send(b"2" + ENQ) == ACK
    assert await panel.send(LOOP_FAULT) == ACK
    await panel.close()
    assert counted(app, "paging") == 1


async def test_email_events_are_counted(intake_app):
    app = await intake_app(EMAIL)
    await send(app, mail("Hälytys", "Palosilmukka 2 vika\nKeskus A"))
    assert counted(app, "mailbox") == 1


async def test_poll_events_are_counted(intake_app, bms):  # noqa: F811
    bms.body = active(("FT", "Loop 2"))
    app = await intake_app(poll_yaml(bms.url))
    await started(app)
    assert counted(app, "bms") == 1


async def test_mqtt_events_are_counted(intake_app):
    pytest.importorskip("aiomqtt")
    pytest.importorskip("amqtt.broker")
    from outside import free_port
    from test_intake_mqtt import amqtt_broker, mqtt_yaml, publish, subscribed

    port = free_port()
    broker = amqtt_broker.Broker({
        "listeners": {"default": {"type": "tcp", "bind": f"127.0.0.1:{port}"}},
        "plugins": {"amqtt.plugins.authentication.AnonymousAuthPlugin":
                    {"allow_anonymous": True}},
    })
    await broker.start()
    try:
        app = await intake_app(mqtt_yaml(port))
        await subscribed(app)
        await publish(port, "care/wing-b/room-12/alarm", {"type": "FA", "state": "alarm"})

        async def stored() -> bool:
            return counted(app, "sensors") == 1
        await until(stored, "the MQTT alarm to be counted")
        assert counted(app, "sensors") == 1
    finally:
        await broker.shutdown()
