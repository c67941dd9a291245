"""An OPC UA source against an asyncua server whose alarm conditions the test drives.

The BMS is a real asyncua server on 127.0.0.1 (a free port) with ConditionRefresh
bound; each condition is an OffNormalAlarm reported by the Server object, as
most building automation servers do. The server keeps what it retains across a
stop, so a test can change alarms while the service is cut off and see them
settled by the refresh at reconnect.
"""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest
from asyncua import Server, ua
from intake_support import ENV, events, incidents, until

from escalator.domain.model import State
from escalator.entrypoints.receivers import opcua as receiver


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SHELF: Path | None = None  # the standard address space, built once (2 s) and reused


async def init(server: Server) -> None:
    """asyncua's `init`, from a cached address space after the first time.

    asyncua looks for the cache file itself, but the dbm it writes is two files
    beside that name (`.dat`, `.dir`); an empty file by the name makes it find them."""
    server.iserver.bind_condition_methods = True  # ConditionRefresh answers
    await server.init(SHELF)
    if SHELF is not None and not SHELF.is_file() and SHELF.with_suffix(".dat").is_file():
        SHELF.touch()


@pytest.fixture(scope="session", autouse=True)
def _address_space_cache(tmp_path_factory):
    global SHELF
    SHELF = tmp_path_factory.mktemp("opcua") / "aspace"
    yield
    SHELF = None


class Bms:
    """A building automation server with alarm conditions (name@point) the test sets."""

    def __init__(self) -> None:
        self.port = free_port()
        self.server = Server()
        self.generators: dict[str, object] = {}
        self.idx = 0

    async def start(self) -> None:
        await init(self.server)
        self.server.set_endpoint(f"opc.tcp://127.0.0.1:{self.port}/bms")
        self.server.set_security_policy([ua.SecurityPolicyType.NoSecurity])
        self.idx = await self.server.register_namespace("urn:test:bms")
        await self.server.start()

    async def set(self, name: str, point: str, *, active: bool, acked: bool = False,
                  retain: bool | None = None, message: str = "") -> None:
        key = f"{name}@{point}"
        gen = self.generators.get(key)
        if gen is None:
            gen = await self.server.get_event_generator(ua.ObjectIds.OffNormalAlarmType,
                                                        self.server.nodes.server)
            self.generators[key] = gen
        event = gen.event
        event.NodeId = ua.NodeId(key, self.idx)
        event.ConditionName, event.SourceName = name, point
        event.Message = ua.LocalizedText(message or f"{name} at {point}")
        event.Severity = 700
        setattr(event, "ActiveState/Id", active)
        setattr(event, "AckedState/Id", acked)
        # a condition stays retained while active or not yet acknowledged
        event.Retain = (active or not acked) if retain is None else retain
        await gen.trigger()

    async def stop(self) -> None:
        await self.server.stop()

    async def restart(self) -> None:
        await self.server.start()


@pytest.fixture
async def bms(monkeypatch):
    monkeypatch.setattr(receiver, "RETRY", (0.05, 0.2))  # reconnect quickly in tests
    server = Bms()
    await server.start()
    yield server
    await server.stop()


def ua_yaml(port: int, clear_on: str = "inactive") -> str:
    return f"""\
  ua:
    kind: opcua
    endpoint: opc.tcp://127.0.0.1:{port}/bms
    clear_on: {clear_on}
    timeout: 3s
    heartbeat_timeout: 20m
"""


async def connected(app, refreshes: int = 1):
    source = app.intake["ua"]

    async def ready() -> bool:
        return source.connected and source.refreshes >= refreshes

    await until(ready, f"refresh {refreshes}")
    return source


async def states(app) -> dict[str, tuple[State, int]]:
    return {f"{i.code}@{i.point}": (i.state, i.count) for i in await incidents(app)
            if i.source == "ua"}


async def settled(app, expected: dict[str, tuple[State, int]]) -> None:
    async def done() -> bool:
        return await states(app) == expected

    try:
        await until(done, f"incidents {expected}")
    except AssertionError:
        raise AssertionError(f"{await states(app)} != {expected}") from None


async def test_active_opens_inactive_clears_and_odd_events_are_harmless(intake_app, bms):
    app = await intake_app(ua_yaml(bms.port))
    await connected(app)
    await bms.set("FT", "Fire loop 2", active=True, message="Loop fault")
    await bms.set("YX", "Kitchen", active=True)
    await settled(app, {"FT@Fire loop 2": (State.OPEN, 1), "YX@Kitchen": (State.OPEN, 1)})
    [ft] = [i for i in await incidents(app) if i.code == "FT"]
    assert ft.text == "Loop fault"
    await bms.set("FT", "Fire loop 2", active=True)  # said again: still one incident
    await bms.set("FT", "Fire loop 2", active=False)  # inactive, not yet acked: clears
    await bms.set("YX\r\n" + "x" * 5000, "Kit\x00chen", active=True)  # hostile names
    await bms.set("", "Nowhere", active=True)  # not a condition name: ignored
    await settled(app, {"FT@Fire loop 2": (State.RESOLVED, 1), "YX@Kitchen": (State.OPEN, 1),
                        "YX " + "x" * 61 + "@Kit chen": (State.OPEN, 1)})
    assert app.health()["intake"]["sources"]["ua"]["connected"]
    # a RefreshEnd with no refresh of ours under way (another client's, a confused
    # server) must not be taken for "nothing is active any more"
    await app.intake["ua"].handle({"EventType": "i=2788"})
    assert (await states(app))["YX@Kitchen"] == (State.OPEN, 1)


async def test_changes_while_the_device_is_down_are_read_by_the_refresh(intake_app, bms):
    await bms.set("FT", "Fire loop 2", active=True)
    await bms.set("WL", "Boiler room", active=True)
    app = await intake_app(ua_yaml(bms.port))
    source = await connected(app)
    await settled(app, {"FT@Fire loop 2": (State.OPEN, 1), "WL@Boiler room": (State.OPEN, 1)})
    await bms.stop()  # the BMS restarts; meanwhile its alarms change
    await until(lambda: _not(source.connected), "the loss to be seen")
    await bms.set("FT", "Fire loop 2", active=False, acked=True)  # gone, not retained
    await bms.set("YX", "Kitchen", active=True)
    await bms.restart()
    await connected(app, refreshes=2)
    await settled(app, {"FT@Fire loop 2": (State.RESOLVED, 1), "WL@Boiler room": (State.OPEN, 1),
                        "YX@Kitchen": (State.OPEN, 1)})
    assert source.sessions == 2


async def test_a_service_restart_neither_raises_again_nor_misses_a_clear(intake_app, bms):
    await bms.set("FT", "Fire loop 2", active=True)
    await bms.set("TMP", "Freezer", active=True)
    first = await intake_app(ua_yaml(bms.port))
    await connected(first)
    await settled(first, {"FT@Fire loop 2": (State.OPEN, 1), "TMP@Freezer": (State.OPEN, 1)})
    await first.stop()
    await bms.set("TMP", "Freezer", active=False, acked=True)
    second = await intake_app(ua_yaml(bms.port))
    await connected(second)
    await settled(second, {"FT@Fire loop 2": (State.OPEN, 1), "TMP@Freezer": (State.RESOLVED, 1)})
    stored = [(e["code"], e["state"]) for e in await events(second, "ua")]
    assert stored.count(("FT", "alarm")) == 1


async def test_clear_on_inactive_and_acked_waits_for_the_acknowledgement(intake_app, bms):
    app = await intake_app(ua_yaml(bms.port, clear_on="inactive_and_acked"))
    await connected(app)
    await bms.set("FT", "Fire loop 2", active=True)
    await settled(app, {"FT@Fire loop 2": (State.OPEN, 1)})
    await bms.set("FT", "Fire loop 2", active=False, acked=False)
    await bms.set("YX", "Kitchen", active=True)  # a later event, as a marker
    await settled(app, {"FT@Fire loop 2": (State.OPEN, 1), "YX@Kitchen": (State.OPEN, 1)})
    await bms.set("FT", "Fire loop 2", active=False, acked=True)
    await settled(app, {"FT@Fire loop 2": (State.RESOLVED, 1), "YX@Kitchen": (State.OPEN, 1)})


async def test_a_server_that_stops_answering_makes_the_source_silent(intake_app, bms, clock):
    app = await intake_app(ua_yaml(bms.port))
    source = await connected(app)
    await bms.stop()
    await until(lambda: _not(source.connected), "the loss to be seen")
    await app.tick()
    clock.advance(minutes=21)
    await app.tick()
    assert [i.code for i in await incidents(app, "open") if i.source == "ua"] == ["source_silent"]
    assert app.intake["ua"].last_error
    await bms.restart()
    await connected(app, refreshes=2)
    await app.tick()
    assert [i for i in await incidents(app, "open") if i.source == "ua"] == []


async def test_a_peer_that_speaks_garbage_is_retried_and_opens_nothing(intake_app, monkeypatch):
    monkeypatch.setattr(receiver, "RETRY", (0.05, 0.2))
    tries = []

    async def junk(reader, writer):
        tries.append(await reader.read(100))
        writer.write(b"HELF\xff\xff\xff\x7f" + b"\x00" * 64)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(junk, "127.0.0.1", 0)
    try:
        app = await intake_app(ua_yaml(server.sockets[0].getsockname()[1]))
        source = app.intake["ua"]
        await until(lambda: _value(len(tries) >= 2 and source.last_error is not None),
                    "two attempts")
        assert not source.connected and source.health()["running"]
        assert [i for i in await incidents(app) if i.source == "ua"] == []
    finally:
        server.close()
        await server.wait_closed()


async def _not(value: bool) -> bool:
    return not value


async def _value(value: bool) -> bool:
    return value


def make_certificate(folder, name: str, uri: str, server: bool):
    """A self-signed application certificate (DER) and its key (PEM), as OPC UA wants them."""
    from asyncua.crypto import cert_gen
    from cryptography import x509
    from cryptography.x509.oid import ExtendedKeyUsageOID

    key = cert_gen.generate_private_key()
    use = ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH
    cert = cert_gen.generate_self_signed_app_certificate(
        key, name, {}, [x509.UniformResourceIdentifier(uri), x509.DNSName("localhost")], [use])
    from cryptography.hazmat.primitives.serialization import Encoding

    (folder / f"{name}.der").write_bytes(cert.public_bytes(Encoding.DER))
    (folder / f"{name}.pem").write_bytes(cert_gen.dump_private_key_as_pem(key))
    return folder / f"{name}.der", folder / f"{name}.pem"


class OnlyOne:
    """The BMS's user database: one user, one password."""

    def get_user(self, iserver, username=None, password=None, certificate=None):
        from asyncua.crypto.permission_rules import User, UserRole

        if username == "bms-reader" and password == "s3cret":
            return User(role=UserRole.User, name=username)
        return None


async def test_signed_and_encrypted_with_user_and_password_from_the_environment(
        intake_app, tmp_path, monkeypatch):
    monkeypatch.setattr(receiver, "RETRY", (0.05, 0.2))
    server_cert, server_key = make_certificate(tmp_path, "bms", "urn:test:bms", True)
    client_cert, client_key = make_certificate(tmp_path, "escalator", "urn:test:escalator",
                                               False)
    bms = Bms()
    bms.server = Server(user_manager=OnlyOne())
    await init(bms.server)
    bms.server.set_endpoint(f"opc.tcp://127.0.0.1:{bms.port}/bms")
    bms.server.set_security_policy([ua.SecurityPolicyType.Basic256Sha256_SignAndEncrypt])
    await bms.server.load_certificate(str(server_cert))
    await bms.server.load_private_key(str(server_key))
    bms.idx = await bms.server.register_namespace("urn:test:bms")
    await bms.server.start()
    try:
        await bms.set("FT", "Fire loop 2", active=True)
        yaml = ua_yaml(bms.port) + f"""\
    security_policy: Basic256Sha256
    security_mode: SignAndEncrypt
    certificate: {client_cert}
    private_key: {client_key}
    server_certificate: {server_cert}
    username_env: UA_USER
    password_env: UA_PASS
"""
        wrong = await intake_app(yaml, env={**ENV, "UA_USER": "bms-reader", "UA_PASS": "nope"},
                                 db="wrong.db")
        source = wrong.intake["ua"]
        await until(lambda: _value(source.last_error is not None), "a refused login")
        assert not source.connected and "s3cret" not in source.last_error
        await wrong.stop()
        app = await intake_app(yaml, env={**ENV, "UA_USER": "bms-reader", "UA_PASS": "s3cret"})
        source = await connected(app)
        await settled(app, {"FT@Fire loop 2": (State.OPEN, 1)})
        assert source.application_uri == "urn:test:escalator"  # from our certificate
    finally:
        await bms.stop()


class Freezer:
    """A TCP relay to the BMS that can go quiet: the connection stays open, nothing passes
    (a hung server, a switch dropping packets), the case a closed socket does not cover."""

    def __init__(self, port: int) -> None:
        self.port, self.frozen = port, False
        self.server: asyncio.Server | None = None
        self.writers: list[asyncio.StreamWriter] = []

    async def start(self) -> int:
        self.server = await asyncio.start_server(self.handle, "127.0.0.1", 0)
        return self.server.sockets[0].getsockname()[1]

    async def handle(self, reader, writer) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.port)
        self.writers += [writer, up_writer]
        await asyncio.gather(self.pipe(reader, up_writer), self.pipe(up_reader, writer),
                             return_exceptions=True)

    async def pipe(self, reader, writer) -> None:
        while data := await reader.read(65536):
            if not self.frozen:
                writer.write(data)
                await writer.drain()

    async def stop(self) -> None:
        for writer in self.writers:
            writer.close()
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()


async def test_a_server_that_hangs_with_the_connection_open_is_dropped(intake_app, bms, clock):
    relay = Freezer(bms.port)
    port = await relay.start()
    try:
        app = await intake_app(ua_yaml(port).replace("timeout: 3s", "timeout: 1s"))
        source = await connected(app)
        relay.frozen = True  # from now on the server says nothing, and the socket stays up
        await until(lambda: _not(source.connected), "the watchdog to drop the session")
        await app.tick()
        clock.advance(minutes=21)
        await app.tick()
        assert [i.code for i in await incidents(app, "open") if i.source == "ua"] == \
            ["source_silent"]
        relay.frozen = False
        await connected(app, refreshes=2)
    finally:
        await relay.stop()
