"""BACnet/IP intake against a bacpypes3 device simulator, both on 127.0.0.1."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest
from intake_support import events, incidents, until

from escalator.domain.errors import StorageError
from escalator.domain.model import Action, State

pytest.importorskip("bacpypes3")
from bacnet_sim import SimDevice, free_udp_port, settle  # noqa: E402

DEVICE = 1001


@pytest.fixture
async def sims():
    made: list[SimDevice] = []

    async def make(port: int | None = None, device_id: int = DEVICE) -> SimDevice:
        sim = SimDevice.at(port or free_udp_port(), device_id)
        made.append(sim)
        await settle()
        return sim

    yield make
    for sim in made:
        sim.close()


def bacnet_yaml(our_port: int, device_port: int, classes: str = "[1]", ack: str = "false"
                ) -> str:
    return f"""\
  bms:
    kind: bacnet
    ack_in_bms: {ack}
    listen: 127.0.0.1:{our_port}
    device_id: 599
    every: 1h
    timeout: 1s
    heartbeat_timeout: 20m
    devices:
      - address: 127.0.0.1:{device_port}
        device_id: {DEVICE}
        notification_classes: {classes}
        points:
          binary-input,3: {{code: FT, point: "Fire loop 1"}}
"""


async def started(app):
    source = app.intake["bms"]

    async def checked() -> bool:
        return source.rounds >= 1
    await until(checked, "the first check of the devices")
    return source


async def states(app) -> dict[tuple[str, str], State]:
    return {(i.code, i.point): i.state for i in await incidents(app) if i.source == "bms"}


async def wait_for(app, key: tuple[str, str], state: State) -> None:
    async def there() -> bool:
        return (await states(app)).get(key) is state
    await until(there, f"{key} to be {state.name}")


async def test_notifications_open_and_clear_and_we_are_subscribed(intake_app, sims):
    sim, ours = await sims(), free_udp_port()
    app = await intake_app(bacnet_yaml(ours, sim.port))
    source = await started(app)
    assert source.devices[0].up
    [entry] = sim.recipients(1)  # our address was written into the recipient list
    assert bytes(entry.recipient.address.macAddress) == bytes([127, 0, 0, 1]) + \
        ours.to_bytes(2, "big")
    [ack] = await sim.notify("binary-input,3", "offnormal", message="Palosilmukka 1 vika")
    assert type(ack).__name__ == "SimpleAckPDU"  # acked: after the event was stored
    [fire] = [i for i in await incidents(app) if i.source == "bms"]
    assert (fire.code, fire.point, fire.text, fire.severity, fire.state) == \
        ("FT", "Fire loop 1", "Palosilmukka 1 vika", "high", State.OPEN)
    await sim.notify("analog-input,7", "fault", confirmed=False, priority=10)
    await wait_for(app, ("BACNET", f"{DEVICE}/analog-input,7"), State.OPEN)
    [fault] = [i for i in await incidents(app) if i.code == "BACNET"]
    assert fault.severity == "critical" and fault.text == "normal -> fault"
    await sim.notify("binary-input,3", "normal")
    await sim.notify("analog-input,7", "normal", confirmed=False)
    await wait_for(app, ("BACNET", f"{DEVICE}/analog-input,7"), State.RESOLVED)
    assert (await states(app))[("FT", "Fire loop 1")] is State.RESOLVED


async def test_alarms_while_away_are_read_at_start_and_after_a_reconnect(intake_app, sims):
    sim = await sims()
    sim.set_state("binary-input,3", "offnormal")
    for n in range(4):  # more than a page: the receiver must ask for the rest
        sim.set_state(f"analog-input,{n}", "high-limit", priority=150)
    app = await intake_app(bacnet_yaml(free_udp_port(), sim.port))
    source = await started(app)
    opened = await states(app)
    assert opened[("FT", "Fire loop 1")] is State.OPEN
    assert {k for k in opened if k[0] == "BACNET"} == \
        {("BACNET", f"{DEVICE}/analog-input,{n}") for n in range(4)}
    sim.muted = True
    assert not await source.check_once()
    assert not source.devices[0].up
    sim.set_state("binary-input,3", "normal")  # cleared while we could not hear
    sim.set_state("binary-output,9", "fault")  # and a new one
    sim.muted = False
    assert await source.check_once()
    now = await states(app)
    assert now[("FT", "Fire loop 1")] is State.RESOLVED
    assert now[("BACNET", f"{DEVICE}/binary-output,9")] is State.OPEN
    assert now[("BACNET", f"{DEVICE}/analog-input,0")] is State.OPEN
    stored = [(e["code"], e["state"]) for e in await events(app, "bms")]
    assert stored.count(("BACNET", "alarm")) == 5  # nothing raised twice


async def test_a_restart_does_not_raise_standing_alarms_again(intake_app, sims, recorder):
    sim = await sims()
    sim.set_state("binary-input,3", "offnormal")
    ours = free_udp_port()
    first = await intake_app(bacnet_yaml(ours, sim.port))
    await started(first)
    await first.stop()
    sim.set_state("analog-input,1", "low-limit")
    second = await intake_app(bacnet_yaml(ours, sim.port))
    await started(second)
    stored = [(e["code"], e["state"]) for e in await events(second, "bms")]
    assert stored.count(("FT", "alarm")) == 1 and stored.count(("BACNET", "alarm")) == 1


async def test_a_device_restart_is_subscribed_again_and_read(intake_app, sims):
    sim = await sims()
    app = await intake_app(bacnet_yaml(free_udp_port(), sim.port))
    source = await started(app)
    await sim.notify("binary-input,3", "offnormal")
    sim.close()
    await asyncio.sleep(0)
    again = await sims(port=sim.port)  # a new process: empty recipient list, its own states
    again.set_state("analog-input,4", "fault")
    assert again.recipients(1) == []
    assert await source.check_once()
    assert len(again.recipients(1)) == 1
    now = await states(app)
    assert now[("FT", "Fire loop 1")] is State.RESOLVED  # not active after the restart
    assert now[("BACNET", f"{DEVICE}/analog-input,4")] is State.OPEN
    await again.notify("binary-input,3", "offnormal")
    assert (await states(app))[("FT", "Fire loop 1")] is State.OPEN


async def test_an_older_device_is_read_with_get_alarm_summary(intake_app, sims):
    sim = await sims()
    sim.event_information = False
    sim.set_state("binary-input,3", "offnormal")
    app = await intake_app(bacnet_yaml(free_udp_port(), sim.port, classes="[]"))
    source = await started(app)
    assert source.devices[0].up and sim.recipients(1) == []  # no classes: not subscribed
    assert (await states(app)) == {("FT", "Fire loop 1"): State.OPEN}


async def test_foreign_hostile_and_garbage_input(intake_app, sims):
    sim = await sims()
    ours = free_udp_port()
    app = await intake_app(bacnet_yaml(ours, sim.port))
    source = await started(app)
    # garbage datagrams, a truncated BVLL header, a BVLL frame with a junk NPDU
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(asyncio.DatagramProtocol,
                                                       remote_addr=("127.0.0.1", ours))
    for junk in (b"\x00" * 3, b"\x81", b"\x81\x0a\x00\x08\xff\xff\xff\xff", bytes(range(256)),
                 b"\x81\x0a\xff\xff" + b"A" * 1400):
        transport.sendto(junk)
    transport.close()
    # a device we do not know, and our device's id from another address
    stranger = await sims(device_id=666)
    await stranger.notify("binary-input,1", "offnormal", to=("127.0.0.1", ours),
                          confirmed=False)
    await stranger.notify("binary-input,2", "offnormal", to=("127.0.0.1", ours),
                          confirmed=False, device_id=DEVICE)
    # an acknowledgement in the BMS changes nothing; hostile text is cleaned and cut
    await sim.notify("binary-input,3", "offnormal", notify_type="ack-notification")
    await sim.notify("multi-state-input,2", "offnormal",
                     message="Vuoto\x00\x1b[31m" + "x" * 5000)

    async def two_dropped() -> bool:
        return source.dropped == 2
    await until(two_dropped, "the strangers' notifications to be dropped")
    [leak] = [i for i in await incidents(app) if i.source == "bms"]
    assert leak.point == f"{DEVICE}/multi-state-input,2"
    assert "\x00" not in leak.text and "\x1b" not in leak.text and len(leak.text) <= 2000
    assert app.health()["intake"]["sources"]["bms"]["dropped"] == 2


async def test_a_device_that_stops_answering_makes_the_source_silent(intake_app, sims, clock):
    sim = await sims()
    app = await intake_app(bacnet_yaml(free_udp_port(), sim.port))
    source = await started(app)
    sim.muted = True
    await app.tick()
    clock.advance(minutes=21)
    assert not await source.check_once()
    await app.tick()
    [silent] = [i for i in await incidents(app, "open") if i.source == "bms"]
    assert silent.code == "source_silent"
    assert "no answer" in app.health()["intake"]["sources"]["bms"]["devices"][DEVICE][
        "last_error"]
    sim.muted = False
    assert await source.check_once()
    assert [i for i in await incidents(app, "open") if i.source == "bms"] == []


async def test_taking_an_incident_acknowledges_the_alarm_in_the_bms(intake_app, sims):
    sim = await sims()
    sim.set_state("analog-input,5", "high-limit")  # read at start, with its time stamps
    app = await intake_app(bacnet_yaml(free_udp_port(), sim.port, ack="true"))
    source = await started(app)
    await sim.notify("binary-input,3", "offnormal", stamp=42)
    taken = {i.point: i for i in await incidents(app) if i.source == "bms"}
    await app.service.act(taken["Fire loop 1"].id, Action.ACKNOWLEDGE, "Nurse Anna",
                          party="ward-a")
    await app.service.act(taken[f"{DEVICE}/analog-input,5"].id, Action.ACKNOWLEDGE,
                          "Nurse Anna", party="ward-a")
    await app.service.act(taken["Fire loop 1"].id, Action.NOTE, "Nurse Anna", note="on it")

    async def both() -> bool:
        return source.acks.sent == 2
    await until(both, "two acknowledgements in the BMS")
    assert sorted(sim.acks) == [("analog-input,5", "high-limit", 1, "escalator"),
                                ("binary-input,3", "offnormal", 42, "escalator")]


async def test_without_ack_in_bms_nothing_is_acknowledged(intake_app, sims):
    sim = await sims()
    app = await intake_app(bacnet_yaml(free_udp_port(), sim.port))
    await started(app)
    await sim.notify("binary-input,3", "offnormal")
    [fire] = [i for i in await incidents(app) if i.source == "bms"]
    await app.service.act(fire.id, Action.ACKNOWLEDGE, "Nurse Anna", party="ward-a")
    await sim.notify("binary-input,4", "offnormal")  # a round trip after the answer
    assert sim.acks == [] and app.intake["bms"].acks.sent == 0


async def test_a_notification_that_could_not_be_stored_is_read_again(intake_app, sims):
    sim = await sims()
    app = await intake_app(bacnet_yaml(free_udp_port(), sim.port))
    source = await started(app)
    real = source.ctx

    async def failing(event):
        raise StorageError("disk full")

    source.ctx = dataclasses.replace(real, ingest=failing)
    with pytest.raises(BaseException, match="operational-problem"):
        await sim.notify("binary-input,3", "offnormal")  # not acked: the device would repeat
    await sim.notify("binary-input,4", "offnormal", confirmed=False)  # lost: never repeated
    assert not await source.check_once()  # still failing: the device stays to be read
    source.ctx = real
    assert await source.check_once()
    assert await states(app) == {("FT", "Fire loop 1"): State.OPEN,
                                 ("BACNET", f"{DEVICE}/binary-input,4"): State.OPEN}
