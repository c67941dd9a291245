"""Paging out to the ward's handsets over ESPA 4.4.4, against a simulated paging system.

The channel alone (answers, NAKs once, hangs, refuses, is busy, drops the line, is
not there), then the real service on SQLite: a DECT contact that fails hands the
alarm to the party's next contact like any channel, and `config check` explains
`channels.paging` and the contacts at their line.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from outside import free_port
from paging_sim import paging_system, serial_paging_system

from escalator.config.checking import check_text
from escalator.domain.availability import Contact
from escalator.domain.errors import ConfigError, NotifyError
from escalator.domain.model import AlarmEvent, Escalation, Incident, State
from escalator.notify.base import Message
from escalator.notify.paging import PagingNotifier

NOW = datetime(2026, 12, 7, 2, 14, tzinfo=UTC)
FAST = {"answer_within": timedelta(seconds=0.2), "retries": 1}


def message(reason: str = "FIRST", update: bool = False, code: str = "FA") -> Message:
    inc = Incident(id=7, source="panel", code=code, point="F-siipi h. 12", text="",
                   severity="", ladder="fire", state=State.OPEN, opened_at=NOW,
                   last_seen_at=NOW, escalation=Escalation())
    return Message(1, inc, "ward-a", "Ward A", reason, 0, "", update, "fi", "s", "t",
                   "http://x/ack/t", tz="Europe/Helsinki")


def notifier(port: int, **more) -> PagingNotifier:
    settings = {"host": "127.0.0.1", "port": port, **FAST, **more}
    return PagingNotifier(lambda: settings)


async def send(n: PagingNotifier, msg: Message | None = None) -> None:
    await asyncio.wait_for(n.send(Contact("dect", "4711"), msg or message()), 10)


async def test_the_system_acks_and_the_handset_gets_the_call():
    async with paging_system() as system:
        await send(notifier(system.port, max_text=40))
    assert system.selections == 1 and system.releases == 1
    [call] = system.calls
    assert call.header == "1"
    assert call.records == {1: "4711", 2: "Palohälytys, F-siipi h. 12. Uusi", 6: "3"}


async def test_a_station_address_of_its_own_is_selected():
    async with paging_system(address="5") as system:
        await send(notifier(system.port, address="5"))
    assert len(system.calls) == 1


async def test_a_block_nakked_once_is_sent_again_and_accepted():
    async with paging_system("nak_first") as system:
        await send(notifier(system.port))
    assert system.blocks_seen == 2 and len(system.calls) == 1


@pytest.mark.parametrize(("mode", "kind", "recoverable"), [
    ("hang", "timeout", True),         # selected, never answers
    ("busy", "busy", True),            # NAKs the selection: not ready
    ("refuse", "refused", False),      # NAKs the block every time: next contact at once
    ("drop", "unreachable", True),     # closes the line when selected
    ("drop_block", "unreachable", True),  # closes the line when the block comes
])
async def test_a_failing_system_is_a_notify_error_the_dispatcher_understands(
        mode, kind, recoverable):
    async with paging_system(mode) as system:
        with pytest.raises(NotifyError) as err:
            await send(notifier(system.port))
    assert (err.value.kind, err.value.recoverable) == (kind, recoverable)
    assert not system.calls
    if mode == "refuse":
        assert system.blocks_seen == 2  # the first try and one retry


async def test_a_hanging_block_is_tried_again_then_times_out():
    async with paging_system("hang") as system:
        with pytest.raises(NotifyError):
            await send(notifier(system.port))
    assert system.selections == 2  # the selection was retried; no block without an ACK


async def test_no_system_listening_is_unreachable():
    with pytest.raises(NotifyError) as err:
        await send(notifier(free_port()))
    assert (err.value.kind, err.value.recoverable) == ("unreachable", True)


async def test_updates_are_not_paged():
    async with paging_system() as system:
        with pytest.raises(NotifyError) as err:
            await send(notifier(system.port), message("ACKED", update=True))
    assert err.value.kind == "not_carried" and not system.selections


async def test_sends_take_turns_on_the_one_line():
    async with paging_system() as system:
        n = notifier(system.port)
        await asyncio.gather(*(send(n) for _ in range(3)))
    assert len(system.calls) == 3 and system.connections == 3


def test_a_notifier_without_host_is_refused_at_build():
    with pytest.raises(ConfigError) as err:
        PagingNotifier(lambda: {"port": 9000})
    assert "channels.paging.host" in str(err.value)


# -- the service: a failing DECT contact hands over like any channel -----------------

YAML = """
facility: {{id: koivula, name: Koivulan hoivakoti, timezone: Europe/Helsinki, language: fi}}
storage: "sqlite:///{db}"
sources:
  panel: {{kind: webhook, token_env: ESCALATOR_TERMINAL_TOKEN}}
people:
  ward-a:
    name: Ward A nurse on duty
    contact:
      - dect: 4711
      - sms: "+358401234567"
ladders:
  fire:
    steps:
      - {{notify: [ward-a], escalate_after: 10m}}
routes:
  - ladder: fire
delivery: {{fallback_after: 2m, send_timeout: 5s}}
channels:
  paging: {{host: 127.0.0.1, port: {port}, answer_within: 0.2s, retries: 1, fallback_after: 20s}}
"""


async def walk(app, clock, until: timedelta) -> None:
    """Follow the dispatcher's own retry times on the fake clock, up to `until` from now."""
    end = clock.now() + until
    await app.tick()
    for _ in range(100):
        due = await app.store.transaction(lambda tx: tx.deliveries.earliest())
        if due is None or due > end:
            return
        clock.set(max(due, clock.now()))
        await app.tick()


async def fire(make_app, tmp_path, clock, port: int):
    app = await make_app(YAML.format(db=f"{tmp_path}/paging.db", port=port))
    res = await app.service.ingest(AlarmEvent("panel", "FA", "alarm", clock.now(),
                                              point="F-siipi h. 12"))
    return app, res.incident_id


async def rows(app, iid):
    return await app.store.transaction(lambda tx: tx.deliveries.of_incident(iid))


async def test_an_acked_page_is_the_delivery(make_app, tmp_path, clock, recorder):
    async with paging_system() as system:
        app, iid = await fire(make_app, tmp_path, clock, system.port)
        await walk(app, clock, timedelta(seconds=5))
    [row] = await rows(app, iid)
    assert (row.status, row.channel, row.contact_index) == ("sent", "dect", 0)
    assert [c.records[1] for c in system.calls] == ["4711"]
    assert recorder.to("ward-a") == []


@pytest.mark.parametrize("mode", ["refuse", "hang", "drop"])
async def test_a_failing_paging_system_falls_back_to_the_next_contact(
        make_app, tmp_path, clock, recorder, mode):
    async with paging_system(mode) as system:
        app, iid = await fire(make_app, tmp_path, clock, system.port)
        opened = clock.now()
        await walk(app, clock, timedelta(minutes=2))
    [row] = await rows(app, iid)
    assert (row.status, row.channel, row.contact_index) == ("sent", "sms", 1)
    assert [m.reason for m in recorder.to("ward-a")] == ["FIRST"]
    assert system.selections >= 1  # the paging system was tried first
    # refused: the next contact at once; timeouts and drops: retried until
    # channels.paging.fallback_after (20 s), not delivery.fallback_after (2 min)
    took = row.sent_at - opened
    if mode == "refuse":
        assert took < timedelta(seconds=1)
    else:
        assert timedelta(seconds=15) <= took <= timedelta(seconds=25)
    assert not system.calls


# -- config check at the line -----------------------------------------------------------

CHECKED = """facility: {id: koivula, name: Koivulan hoivakoti}
sources:
  panel: {kind: webhook, token_env: ESCALATOR_TERMINAL_TOKEN}
people:
  ward-a:
    name: Ward A
    contact:
      - dect: %s
ladders:
  fire:
    steps:
      - {notify: [ward-a], escalate_after: 10m}
routes:
  - ladder: fire
%s"""


def problems(contact: str = "4711", channels: str = "channels:\n  paging: {host: dect-gw, "
             "port: 9000}\n") -> list[str]:
    checked = check_text(CHECKED % (contact, channels), "escalator.yaml",
                         env={"ESCALATOR_TERMINAL_TOKEN": "x", "ESCALATOR_SECRET": "y"})
    return [str(p) for p in checked.problems]


def test_config_check_takes_a_dect_contact_with_paging_set_up():
    assert problems() == []
    assert problems('"0815"') == []


def test_config_check_explains_each_paging_problem_at_its_line():
    found = problems("47-11")
    assert any(":8:" in p and "1 to 16 digits" in p for p in found), found
    found = problems(channels="channels:\n  paging: {port: 9000, adress: 2}\n")
    assert any(":16:" in p and "adress" in p and "address" in p for p in found), found
    found = problems(channels="channels:\n  paging:\n    host: gw\n    port: 9000\n"
                              "    address: 12\n    retries: 9\n    max_text: 5\n")
    assert any(":19:" in p and "station address" in p for p in found), found
    assert any(":20:" in p and "retries" in p for p in found), found
    assert any(":21:" in p and "max_text" in p for p in found), found
    found = problems(channels="channels:\n  paging:\n    port: 9000\n")
    assert any(":16:" in p and "missing required key 'host'" in p for p in found), found


def test_config_check_refuses_a_dect_contact_without_a_paging_system():
    found = problems(channels="")
    assert any(":8:" in p and "channels.paging is not set up" in p for p in found), found


# -- over a serial line (a pseudo-terminal stands in for the RS-232 cable) ---------------

def serial_notifier(device: str) -> PagingNotifier:
    settings = {"device": device, "baudrate": 9600, **FAST}
    return PagingNotifier(lambda: settings)


async def test_a_page_over_a_serial_line_is_acked():
    async with serial_paging_system() as (system, device):
        n = serial_notifier(device)
        await send(n)
        await send(n, message(code="FT"))  # the port is opened again for each page
        for _ in range(200):  # the last EOT may still be on its way through the pty
            if system.releases == 2:
                break
            await asyncio.sleep(0.01)
    assert [(c.records[1], c.records[6]) for c in system.calls] == [("4711", "3"), ("4711", "2")]
    assert system.selections == 2 and system.releases == 2


@pytest.mark.parametrize(("mode", "kind", "recoverable"), [
    ("hang", "timeout", True), ("refuse", "refused", False), ("busy", "busy", True)])
async def test_a_failing_system_on_a_serial_line(mode, kind, recoverable):
    async with serial_paging_system(mode) as (system, device):
        with pytest.raises(NotifyError) as err:
            await send(serial_notifier(device))
    assert (err.value.kind, err.value.recoverable) == (kind, recoverable)


async def test_a_missing_serial_device_is_unreachable(tmp_path):
    with pytest.raises(NotifyError) as err:
        await send(serial_notifier(str(tmp_path / "ttyUSB9")))
    assert (err.value.kind, err.value.recoverable) == ("unreachable", True)


def test_config_check_takes_a_serial_device_instead_of_host_and_port():
    assert problems(channels="channels:\n  paging: {device: /dev/ttyUSB0, baudrate: 19200}\n") \
        == []
    found = problems(channels="channels:\n  paging: {device: /dev/ttyUSB0, host: gw}\n")
    assert any(":16:" in p and "not both" in p for p in found), found
    found = problems(channels="channels:\n  paging:\n    device: ttyUSB0\n    baudrate: 9601\n")
    assert any(":17:" in p and "/dev/ttyUSB0" in p for p in found), found
    assert any(":18:" in p and "9600, 19200" in p for p in found), found
