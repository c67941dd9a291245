"""MQTT intake against an amqtt broker started by the test, with aiomqtt publishing."""

from __future__ import annotations

import json

import pytest
from intake_support import events, incidents, until
from outside import free_port

from escalator.domain.model import State

aiomqtt = pytest.importorskip("aiomqtt")
amqtt_broker = pytest.importorskip("amqtt.broker")



@pytest.fixture
async def broker():
    port = free_port()
    server = amqtt_broker.Broker({
        "listeners": {"default": {"type": "tcp", "bind": f"127.0.0.1:{port}"}},
        "plugins": {"amqtt.plugins.authentication.AnonymousAuthPlugin":
                    {"allow_anonymous": True}},
    })
    await server.start()
    yield port
    await server.shutdown()


def mqtt_yaml(port: int) -> str:
    return f"""\
  sensors:
    kind: mqtt
    broker: 127.0.0.1:{port}
    topic: care/+/+/alarm
    username_env: MQTT_USER
    password_env: MQTT_PASS
    fields: {{code: type, point: "$topic[2]", state: state, text: message}}
"""


async def publish(port: int, topic: str, payload: object) -> None:
    body = payload if isinstance(payload, bytes) else json.dumps(payload)
    async with aiomqtt.Client("127.0.0.1", port) as client:
        await client.publish(topic, body, qos=1)


async def subscribed(app) -> None:
    async def ready() -> bool:
        return app.intake["sensors"].subscribed
    await until(ready, "the MQTT subscription")


async def test_sensor_messages_open_and_clear_incidents(intake_app, broker):
    app = await intake_app(mqtt_yaml(broker))
    await subscribed(app)
    await publish(broker, "care/wing-b/room-12/alarm",
                  {"type": "FA", "state": "alarm", "message": "Savua huoneessa"})

    async def opened() -> bool:
        return len(await incidents(app)) == 1
    await until(opened, "the alarm to be stored")
    [fire] = await incidents(app)
    assert (fire.code, fire.point, fire.text, fire.severity) == \
        ("FA", "room-12", "Savua huoneessa", "critical")
    await publish(broker, "care/wing-b/room-12/alarm", {"type": "FA", "state": "ok"})

    async def cleared() -> bool:
        return (await incidents(app))[0].state is State.RESOLVED
    await until(cleared, "the clear to be stored")


async def test_heartbeats_and_unreadable_messages(intake_app, broker):
    app = await intake_app(mqtt_yaml(broker))
    await subscribed(app)
    await publish(broker, "care/wing-a/room-1/alarm", {"type": "FA", "state": "heartbeat"})
    await publish(broker, "care/wing-a/room-2/alarm", b"not json")
    await publish(broker, "other/topic", {"type": "FA"})  # not subscribed: never seen

    async def both() -> bool:
        return len(await events(app, "sensors")) == 2
    await until(both, "two messages to be stored")
    stored = [(e["code"], e["state"], e["point"]) for e in await events(app, "sensors")]
    assert stored == [("heartbeat", "heartbeat", ""),
                      ("unreadable", "alarm", "care/wing-a/room-2/alarm")]
