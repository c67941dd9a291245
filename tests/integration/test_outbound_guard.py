"""Outgoing fetches (rosters, webhooks, gateways, pings) reach only what the config allows.

Real sockets: the peers are aiohttp servers on 127.0.0.1, which the production
rule refuses (loopback) unless `http.outbound_allow` lists it. These tests are
`strict_outbound`: the suite's loopback allowance (tests/conftest.py) is off.
"""

from __future__ import annotations

import ipaddress
import socket
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver
from aiohttp.test_utils import TestServer
from support import TOKENS, FakeClock

from escalator.config import load_config_text
from escalator.config.loader import load_config
from escalator.domain.errors import ConfigError, NotifyError
from escalator.notify.gateway import GatewayRequest, send
from escalator.security.outbound import failure_text, guarded_session

pytestmark = pytest.mark.strict_outbound
LOOPBACK = (ipaddress.ip_network("127.0.0.1/32"),)
INSIDE = "INTERNAL-PAGE-CONTENT 7f3a"  # what only the service itself may read


async def _page(request: web.Request) -> web.Response:
    return web.Response(text=INSIDE)


async def _hop(request: web.Request) -> web.Response:
    raise web.HTTPFound(request.query["to"])


async def _refuse(request: web.Request) -> web.Response:
    return web.Response(status=400, text=INSIDE, reason="Bad " + INSIDE[:8])


@pytest.fixture
async def inside():
    """A server standing for the service's own API or a device on the ward LAN."""
    app = web.Application()
    app.router.add_get("/", _page)
    app.router.add_get("/hop", _hop)
    app.router.add_post("/sms", _refuse)
    async with TestServer(app, host="127.0.0.1") as srv:
        yield srv


async def test_a_local_address_is_refused_unless_listed(inside):
    async with guarded_session() as session:
        with pytest.raises(aiohttp.ClientConnectorError) as caught:
            await session.get(inside.make_url("/"))
    assert "address not allowed" in failure_text(caught.value)
    async with guarded_session(LOOPBACK) as session, session.get(inside.make_url("/")) as resp:
        assert await resp.text() == INSIDE


class _Lying(AbstractResolver):
    """A DNS answer that points a public-looking name at loopback (rebinding)."""

    async def resolve(self, host, port=0, family=socket.AF_INET):
        return [{"hostname": host, "host": "127.0.0.1", "port": port, "family": socket.AF_INET,
                 "proto": 0, "flags": socket.AI_NUMERICHOST}]

    async def close(self) -> None:
        return None


async def test_a_name_resolving_to_loopback_is_refused_at_connect(inside):
    url = f"http://calendar.example:{inside.port}/"
    async with guarded_session(resolver=_Lying()) as session:
        with pytest.raises(aiohttp.ClientConnectorError) as caught:
            await session.get(url)
    assert "address not allowed" in failure_text(caught.value)


async def test_redirects_only_to_the_same_host_and_port(inside):
    other = web.Application()
    other.router.add_get("/", _page)
    async with TestServer(other, host="127.0.0.1") as elsewhere, \
            guarded_session(LOOPBACK) as session:
        same = inside.make_url("/hop").with_query(to=str(inside.make_url("/")))
        async with session.get(same) as resp:
            assert await resp.text() == INSIDE
        away = inside.make_url("/hop").with_query(to=str(elsewhere.make_url("/")))
        with pytest.raises(aiohttp.ClientError) as caught:
            await session.get(away)
        assert failure_text(caught.value) == "redirect to another host or port refused"


async def test_a_gateway_refusal_carries_none_of_the_answer(inside):
    req = GatewayRequest("POST", str(inside.make_url("/sms")), "form", {"to": "+358401234567"})
    async with guarded_session(LOOPBACK) as session:
        with pytest.raises(NotifyError) as caught:
            await send(session, req, {}, aiohttp.ClientTimeout(total=5), "sms")
    assert "400" in str(caught.value)
    assert "INTERNAL" not in str(caught.value) and "Bad" not in str(caught.value)


ROSTER = """\
facility: {{id: f, name: F, timezone: Europe/Helsinki}}
storage: "sqlite:///{db}"
{http}people:
  nurse: {{name: Anna Virtanen, contact: [{{email: anna@example.org}}]}}
rosters:
  nights:
    ical: {{url: "{url}"}}
ladders:
  l:
    steps:
      - {{notify: [nights], escalate_after: 10 min}}
      - {{notify: [nurse], escalate_after: 10 min}}
routes: [{{ladder: l}}]
"""


async def test_a_roster_url_at_the_service_itself_is_not_fetched(make_app, tmp_path, inside):
    """The issue's case: a roster URL pointing at a local port came back inside an error."""
    app = await make_app(ROSTER.format(db=tmp_path / "e.db", http="", url=inside.make_url("/")))
    app.clock = FakeClock(datetime(2027, 3, 20, 8, 0, tzinfo=UTC))
    await app.tick()
    await app.rosters.settle()
    health = app.health()["rosters"]["rosters"]["nights"]
    assert health["ok"] is False
    assert "address not allowed" in str(health)
    assert INSIDE not in str(health)


async def test_a_webhook_to_a_local_address_is_not_sent(inside):
    from escalator.domain.availability import Contact
    from escalator.domain.model import Incident, State
    from escalator.notify.base import Message
    from escalator.notify.webhook import WebhookNotifier

    at = datetime(2027, 3, 20, 8, 0, tzinfo=UTC)
    inc = Incident(id=3, source="terminal", code="FT", point="B", text="", severity="",
                   ladder="l", state=State.OPEN, opened_at=at, last_seen_at=at)
    msg = Message(delivery_id=1, incident=inc, party="vendor", party_name="Vendor",
                  reason="FIRST", step=1, detail="", update=False, language="fi", subject="s",
                  text="t", ack_url="http://127.0.0.1:8080/ack/abc")

    async with guarded_session() as session:
        notifier = WebhookNotifier(lambda: session, lambda _: None, lambda: 0)
        with pytest.raises(NotifyError) as caught:
            await notifier.send(Contact("webhook", str(inside.make_url("/"))), msg)
    assert "address not allowed" in str(caught.value)


def _check(tmp_path: Path, ical: str) -> str:
    config = tmp_path / "escalator.yaml"
    config.write_text(ROSTER.replace('{{url: "{url}"}}', ical).format(db=tmp_path / "e.db",
                                                                      http="", url=""))
    with pytest.raises(ConfigError) as caught:
        load_config(config, env=TOKENS)
    return "\n".join(str(p) for p in caught.value.problems)


def test_roster_files_only_beside_the_config_and_no_hint_of_others(tmp_path):
    (tmp_path / "outside.ics").write_text("SECRET=1\n")
    inner = tmp_path / "conf"
    inner.mkdir()
    (inner / "secrets.env").write_text("ESCALATOR_SECRET_KEY=hunter2\n")
    texts = {name: _check(inner, "{{file: " + name + "}}").replace(name, "NAME")
             for name in ("/proc/self/environ", "../outside.ics", "missing.ics", "secrets.env",
                          "/etc/hostname")}
    assert len(set(texts.values())) == 1, texts  # missing, forbidden, elsewhere: one answer
    shown = next(iter(texts.values()))
    assert "SECRET" not in shown and "hunter2" not in shown and "PATH" not in shown
    assert "No such file" not in shown and "Permission" not in shown


def test_check_warns_at_the_line_of_a_local_url(tmp_path):
    hook = """\
facility: {id: f, name: F, timezone: Europe/Helsinki}
%speople:
  vendor:
    name: Vendor
    contact:
      - webhook: http://10.1.2.3:8080/hook
ladders:
  l: {steps: [{notify: [vendor], escalate_after: 10 min}]}
routes: [{ladder: l}]
"""
    _, warnings = load_config_text(hook % "", env=TOKENS)
    local = [w for w in map(str, warnings) if "10.1.2.3" in w]
    assert local and ":6:" in local[0] and "outbound_allow" in local[0]
    _, warnings = load_config_text(hook % "http: {outbound_allow: [10.1.0.0/16]}\n", env=TOKENS)
    assert not [w for w in map(str, warnings) if "10.1.2.3" in w]
    with pytest.raises(ConfigError) as caught:
        load_config_text(hook % "http: {outbound_allow: [not-a-network]}\n", env=TOKENS)
    assert "outbound_allow" in str(caught.value.problems[0])
