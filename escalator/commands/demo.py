"""`escalator demo`: the whole story in one minute, on a fresh install, with no accounts.

The service starts on 127.0.0.1 with SQLite in a working directory and the
bundled demo config (30 s - 1 min ladder steps). A simulated building
terminal posts through the real intake (`POST /api/v1/events` with its
token): the fire-alarm loop fault and the earth leakage of the README's
story first, then now and then other alarms and their clears. Nothing is
sent: every message goes to the outbox, shown on the board as its reader
would see it. The terminal prints one URL that signs the visitor in.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import random
import secrets
import signal
import sys
from collections.abc import Mapping
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import aiohttp

from escalator.commands import demo_plc
from escalator.config import load_config
from escalator.config.model import Config
from escalator.domain.errors import ConfigError
from escalator.notify.outbox import Outbox, card_renderer
from escalator.notify.sms import takes_replies as sms_replies
from escalator.runtime.clock import Clock
from escalator.usecases.chat_records import ChatRecords

if TYPE_CHECKING:
    from escalator.app import Escalator

log = logging.getLogger(__name__)

SECRETS = ("ESCALATOR_API_TOKEN", "ESCALATOR_SECRET_KEY", "ESCALATOR_TERMINAL_TOKEN",
           "ESCALATOR_DEMO_SMS_AUTH", "ESCALATOR_DEMO_SMS_IN_USER",
           "ESCALATOR_DEMO_SMS_IN_PASSWORD")
# The vendor answers the earth leakage by SMS reply ("1 K<id>": takes it), as a
# contractor on the road would: through the gateway's inbound webhook, like 46elks.
VENDOR_PHONE = "+358401234567"
VENDOR_REPLY_AFTER = 75.0  # seconds after the alarm: the vendor's SMS went out by then

CHANNELS = ("telegram", "email", "sms", "webhook", "voice")
DEMO_USER = ("Demo", "manager")


@dataclass(frozen=True)
class Alarm:
    """One thing the simulated terminal says: after `delay` seconds (from the previous)."""

    delay: float
    code: str
    point: str
    state: str = "alarm"
    text: str = ""


# The story: the fire-alarm loop fault in wing B, then the earth leakage.
STORY = (
    Alarm(2, "FT", "Palosilmukka 2, B-siipi", text="Silmukkavika, ilmaisinlinja 2"),
    Alarm(8, "YX", "Keskus 3, C-siipi", text="Maavuoto, ryhmäkeskus 3"),
)
# Then, every few minutes, one of these appears and is later cleared at the terminal.
OTHERS = (
    ("YT", "Paloilmoitinkeskus", "Akkujännite alhainen"),
    ("AT", "Sähköpääkeskus", "Verkkojännite puuttuu"),
    ("WA", "Keittiö, astianpesu", "Vesivuoto lattialla"),
    ("YC", "Hälytyksensiirtolaite", "Yhteys hälytyskeskukseen katkennut"),
    ("TA", "Ilmoitinkeskus, A-siipi", "Kansi auki"),
)


def demo_config(workdir: Path, host: str, port: int, env: Mapping[str, str],
                bms_port: int | None = None) -> Config:
    """The bundled demo config, copied fresh into the working directory at every start
    so the board's config editor has a file of the demo's own to edit (never the
    installed package's); the host, port and database are the demo's, not the file's.
    With `bms_port`, a Modbus source polls the demo's building controller there."""
    bundled = resources.files("escalator").joinpath("examples/demo.yaml").read_text("utf-8")
    if bms_port is not None:
        bundled = demo_plc.with_source(bundled, bms_port)
    path = workdir / "escalator.yaml"
    path.write_text(bundled, encoding="utf-8")
    config, _ = load_config(path, env=env, strict_secrets=True)
    url = f"http://{host}:{port}"
    http = replace(config.http, host=host, port=port, public_url=url)
    return replace(config, http=http,
                   storage=f"sqlite:///{(workdir / 'escalator.db').resolve()}")


def demo_env(environ: Mapping[str, str]) -> dict[str, str]:
    """The process environment plus a random value for each secret not set."""
    env = dict(environ)
    for name in SECRETS:
        env[name] = env.get(name) or secrets.token_urlsafe(24)
    return env


class Terminal:
    """The building's alarm terminal, posting to the service like the real one would."""

    def __init__(self, url: str, token: str, rng: random.Random, gap: tuple[float, float],
                 plc: demo_plc.DemoPlc | None = None,
                 sms_login: tuple[str, str] | None = None) -> None:
        self.url = url
        self.sms_login = sms_login  # the gateway's inbound credentials: the vendor replies
        self.token = token
        self.rng = rng
        self.gap = gap
        self.plc = plc  # `--bms modbus`: the points it wires are its coils, not webhooks
        self._sent = 0

    async def run(self) -> None:
        async with aiohttp.ClientSession() as http:
            replies = []
            for alarm in STORY:
                await asyncio.sleep(alarm.delay)
                incident = await self._post(http, alarm)
                if alarm.code == "YX" and incident is not None and self.sms_login:
                    replies.append(asyncio.create_task(self._vendor_replies(http, incident)))
            while True:
                code, point, text = self.rng.choice(OTHERS)
                await asyncio.sleep(self.rng.uniform(*self.gap))
                await self._post(http, Alarm(0, code, point, text=text))
                await asyncio.sleep(self.rng.uniform(*self.gap))
                await self._post(http, Alarm(0, code, point, state="clear"))

    async def _vendor_replies(self, http: aiohttp.ClientSession, incident: int) -> str:
        """The vendor's "1 K<id>" after its SMS: the reply SMS (the response's body)."""
        await asyncio.sleep(VENDOR_REPLY_AFTER)
        return await sms_reply(http, self.url, self.sms_login or ("", ""), VENDOR_PHONE,
                               f"1 K{incident}")

    async def _post(self, http: aiohttp.ClientSession, alarm: Alarm) -> int | None:
        coil = next((c for c, code, point, _ in demo_plc.POINTS
                     if (code, point) == (alarm.code, alarm.point)), None)
        if self.plc is not None and coil is not None:  # the controller's contact closes
            self.plc.set(coil, alarm.state == "alarm")
            return None
        self._sent += 1
        body = {"id": f"demo-{secrets.token_hex(4)}-{self._sent}", "code": alarm.code,
                "point": alarm.point, "state": alarm.state, "text": alarm.text}
        try:
            async with http.post(f"{self.url}/api/v1/events", json=body,
                                 headers={"Authorization": f"Bearer {self.token}"}) as resp:
                if resp.status >= 300:
                    log.warning("demo terminal: %s %s -> %s", alarm.code, alarm.state,
                                resp.status)
                    return None
                return int((await resp.json()).get("incident") or 0) or None
        except aiohttp.ClientError as exc:
            log.warning("demo terminal: %s", exc)
            return None


async def sms_reply(http: aiohttp.ClientSession, url: str, login: tuple[str, str],
                    sender: str, message: str) -> str:
    """An SMS reply as the gateway (46elks) posts it to `/sms/inbound`: basic auth with
    the credentials of its `sms_url`, the sender and the text as form fields. Returns
    the reply SMS escalator answered with (46elks sends the body back to the sender)."""
    form = {"direction": "incoming", "from": sender, "to": "+46766861004", "message": message}
    try:
        basic = base64.b64encode(f"{login[0]}:{login[1]}".encode()).decode()
        async with http.post(f"{url}/sms/inbound", data=form,
                             headers={"Authorization": f"Basic {basic}"}) as resp:
            said = await resp.text()
            log.info("demo vendor replied %r by SMS: %s %s", message, resp.status, said)
            return said
    except aiohttp.ClientError as exc:
        log.warning("demo vendor's SMS reply: %s", exc)
        return ""


def demo_app(config: Config, env: Mapping[str, str], clock: Clock | None = None) -> Escalator:
    """The service as the demo runs it: every channel into the outbox, each taking
    what the real channel takes (`Outbox.channels`), the outbox on the board."""
    from escalator.app import Escalator

    outbox = Outbox(lambda: app.clock.now(), lambda: app.config.facility.name,
                    on_new=lambda: app.board.changes.notify(()),  # the outbox count follows
                    sms_replies=lambda: sms_replies(app.config.channels.get("sms", {})))
    app = Escalator(config, clock=clock, env=env, notifiers=outbox.channels(CHANNELS),
                    demo=True)
    outbox.card = card_renderer(ChatRecords(app.store), app.clock, lambda: app.config,
                                lambda: app.service.directory)
    app.board.outbox = outbox
    return app


async def serve(workdir: Path, host: str, port: int, environ: Mapping[str, str],
                gap: tuple[float, float] = (120.0, 240.0), bms: str | None = None) -> int:

    env = demo_env(environ)
    # No bot token is expected here: the outbox shows the chat instead.
    logging.getLogger("escalator.notify.telegram.bot_settings").setLevel(logging.ERROR)
    workdir.mkdir(parents=True, exist_ok=True)
    plc = demo_plc.DemoPlc() if bms == "modbus" else None
    if plc is not None:
        await plc.start()
    try:
        config = demo_config(workdir, host, port, env, plc.port if plc else None)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 1
    app = demo_app(config, env)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    try:
        await app.start()
    except OSError as exc:
        print(f"escalator demo: cannot listen on {host}:{port}: {exc.strerror or exc}; "
              f"try --port", file=sys.stderr)
        await app.store.close()
        return 1
    token = app.board.sessions.one_time(*DEMO_USER, app.clock.now())
    url = config.http.public_url
    print(f"\nescalator demo is running ({workdir}/escalator.db). Open this link to watch:\n\n"
          f"    {url}/board/login/once/{token}\n\n"
          f"(it signs you in once; Ctrl+C stops the demo)\n", flush=True)
    terminal = asyncio.create_task(
        Terminal(url, env["ESCALATOR_TERMINAL_TOKEN"], random.Random(), gap, plc,
                 (env["ESCALATOR_DEMO_SMS_IN_USER"], env["ESCALATOR_DEMO_SMS_IN_PASSWORD"])
                 ).run())
    if plc is not None:
        print(f"The building controller is a Modbus TCP device on 127.0.0.1:{plc.port}; "
              f"the fire-alarm loop fault is its coil 1.\n", flush=True)
    await stop.wait()
    terminal.cancel()
    await app.stop()
    if plc is not None:
        await plc.stop()
    return 0
