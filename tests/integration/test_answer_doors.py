"""One table of answers, driven end to end through every door that takes them.

The ack page (HTTP, as a ticket system reads it: JSON), a voice key (the gateway's
callback), the operator API, the board (a signed-in user), the demo outbox's card
buttons, a Telegram button (python-telegram-bot against the fake Bot API) and an SMS
reply (the gateway's inbound webhook, as 46elks posts it) each get
the same cases: the happy path, a party removed from the config, a revoked link, the
wrong ward, a viewer, the same answer forty times, a stale form, a resolved alarm and
a snooze over the limit. Every door must give the same outcome as its reader sees it,
the same reason inside (the answer use case is tapped, not replaced), and create the
same notices (rows in the delivery log).

A door added later joins by writing one adapter (a `Door` subclass) and adding it to
`DOORS`; where a case cannot happen at a door, `SKIP` says why.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import unquote

import pytest
from aiohttp.test_utils import TestClient, TestServer
from board_support import ENV as BOARD_ENV
from board_support import PASSWORDS, login_token
from fake_telegram import FakeTelegram
from outside import elks_inbound
from support import TOKENS, FakeClock, RecordingNotifier

from escalator.app import Escalator
from escalator.config import load_config
from escalator.domain.guards import Why
from escalator.domain.limits import NOTES_PER_INCIDENT
from escalator.domain.model import Action, AlarmEvent, Entry, Reason
from escalator.entrypoints.http.board.auth import hash_password
from escalator.i18n import t
from escalator.notify.outbox import Outbox, card_renderer
from escalator.notify.telegram.bot_settings import RateLimits
from escalator.usecases.answering import Answering, Command, Outcome
from escalator.usecases.chat_records import ChatRecords

CHAT_A, CHAT_B, CHAT_P = -1001234567890, -1009876543210, -1005555555555
USER_A, USER_B, USER_P = 1001, 2001, 3001
BEA = "bea-secret-4"
ENV = {**TOKENS, **BOARD_ENV, "BOARD_HASH_BEA": hash_password(BEA),
       "READER_TOKEN": "reader-token-789", "TG_TOKEN": "123456:TEST-token",
       "ELKS_IN_USER": "u1c3b7e2", "ELKS_IN_PASSWORD": "in-pass-5e9a"}

YAML = """
facility: {{id: lehtioja, name: Lehtioja, timezone: Europe/Helsinki, language: en}}
http:
  listen: 127.0.0.1:8089
  public_url: http://escalator.test
  max_snooze: {max_snooze}
  api_tokens:
    - {{name: operator, token_env: ESCALATOR_API_TOKEN, role: operator}}
    - {{name: Reader, token_env: READER_TOKEN, role: viewer}}
storage: "sqlite:///{db}"
people:
{ward_a}
  ward-b:
    name: Ward B nurse on duty
    telegram_user: {user_b}
    contact: [{{telegram: {chat_b}}}{sms_b}]
  purchaser:
    name: Purchaser
    role: viewer
    telegram_user: {user_p}
    contact: [{{telegram: {chat_p}}}{sms_p}]
  vendor:
    name: Security company
    contact: [{{email: faults@security.example}}]
  night:
    name: Night nurse
    contact: [{{email: night@lehtioja.example}}]
ladders:
  technical-fault:
    steps:
      - {{notify: [{step1}], escalate_after: 10m}}
      - {{notify: [vendor], escalate_after: 30m}}
routes:
  - ladder: technical-fault
board:
  users:
    - {{name: Anna, role: nurse, password_hash_env: BOARD_HASH_ANNA{anna_party}}}
    - {{name: Bea, role: nurse, password_hash_env: BOARD_HASH_BEA, party: ward-b}}
    - {{name: Maija, role: manager, password_hash_env: BOARD_HASH_MAIJA}}
    - {{name: Olli, role: viewer, password_hash_env: BOARD_HASH_OLLI}}
{channels}
"""
WARD_A = """  ward-a:
    name: Ward A nurse on duty
    telegram_user: {user_a}
    contact: [{{telegram: {chat_a}}}{sms_a}]"""
TELEGRAM = """channels:
  telegram:
    token_env: TG_TOKEN
    api_url: {api_url}
"""
SMS = """channels:
  sms:
    preset: 46elks
    from: Lehtioja
    inbound: 46elks
    inbound_user_env: ELKS_IN_USER
    inbound_password_env: ELKS_IN_PASSWORD
"""
PHONES = {"ward-a": "+358401110001", "ward-b": "+358401110002", "viewer": "+358401110003",
          "revoked": "+358401110001"}


def config_text(db: str, *, ward_a: bool = True, max_snooze: str = "4h",
                api_url: str | None = None, sms: bool = False) -> str:
    def phone(who: str) -> str:  # a second contact, for the SMS reply door only
        return f', {{sms: "{PHONES[who]}"}}' if sms else ""

    return YAML.format(
        db=db, max_snooze=max_snooze, user_b=USER_B, chat_b=CHAT_B, user_p=USER_P,
        chat_p=CHAT_P, sms_b=phone("ward-b"), sms_p=phone("viewer"),
        ward_a=WARD_A.format(user_a=USER_A, chat_a=CHAT_A, sms_a=phone("ward-a"))
        if ward_a else "",
        step1="ward-a, purchaser, night" if ward_a else "purchaser, night",
        anna_party=", party: ward-a" if ward_a else "",
        channels=TELEGRAM.format(api_url=api_url) if api_url else SMS if sms else "")


@dataclass(frozen=True)
class Tapped(Answering):
    """The real use case, with each outcome kept for the test to read."""

    seen: list[Outcome] = field(default_factory=list)

    async def answer(self, cmd: Command) -> Outcome:
        found = await super().answer(cmd)
        self.seen.append(found)
        return found


# -- what a reader of each door can tell ---------------------------------------------
DONE, NOT_APPLIED, REFUSED, INVALID, LIMITED = (
    "done", "not applied", "refused", "invalid", "limited")


@dataclass
class World:
    app: Escalator
    path: Path
    tapped: Tapped
    client: TestClient | None = None
    fake: FakeTelegram | None = None
    incident: int = 0
    nonce: bytes | None = None  # the incident's, as its links carry it
    version: str | None = None  # what the actor's page showed
    signed: str | None = None  # who is signed in to the board

    async def deliveries(self) -> int:
        return len(await self.app.store.transaction(
            lambda tx: tx.deliveries.of_incident(self.incident)))


class Door:
    """An adapter: builds the service as this door needs it, and answers through it."""

    name: ClassVar[str]
    party: ClassVar[str | None] = "ward-a"  # whom its actor answers for

    def notifiers(self, box: Outbox | None, recorder: RecordingNotifier) -> dict[str, Any]:
        return {"telegram": recorder, "email": recorder}

    async def look(self, w: World, who: str) -> None:
        """Open the page the actor will answer from (doors with forms keep its version)."""

    async def answer(self, w: World, who: str, action: Action, minutes: int | None) -> str:
        raise NotImplementedError


def _link(w: World, party: str, *, revoked: bool = False) -> str:
    app = w.app
    nonce = b"\x00" * 6 if revoked else None
    return app.signer.make(w.incident, party, app.clock.now(), nonce or w.nonce)


def _note(action: Action) -> dict[str, str]:
    """A note's words: every door that takes a note refuses an empty one."""
    return {"note": "the spare part comes tomorrow"} if action is Action.NOTE else {}


PARTIES = {"ward-a": "ward-a", "ward-b": "ward-b", "viewer": "purchaser",
           "revoked": "ward-a"}


class AckPage(Door):
    name = "ack page"
    JSON: ClassVar[dict[str, str]] = {"Accept": "application/json"}

    async def look(self, w: World, who: str) -> None:
        page = await (await w.client.get(f"/ack/{_link(w, PARTIES[who])}")).text()
        found = re.search(r'name="version" value="([^"]+)"', page)
        w.version = found.group(1) if found else None

    async def answer(self, w: World, who: str, action: Action, minutes: int | None) -> str:
        url = f"/ack/{_link(w, PARTIES[who], revoked=who == 'revoked')}"
        form = {"action": action.value, **({"minutes": str(minutes)} if minutes else {}),
                **({"version": w.version} if w.version else {}), **_note(action)}
        resp = await w.client.post(url, data=form, headers=self.JSON)
        return {200: DONE, 409: NOT_APPLIED, 400: INVALID, 429: LIMITED}.get(
            resp.status, REFUSED)


class VoiceKey(Door):
    name = "voice key"
    KEYS: ClassVar[dict[Action, str]] = {Action.ACKNOWLEDGE: "1", Action.ESCALATE: "2",
                                         Action.EN_ROUTE: "4", Action.ON_SITE: "5"}

    async def answer(self, w: World, who: str, action: Action, minutes: int | None) -> str:
        rows = await w.app.store.transaction(lambda tx: tx.deliveries.of_incident(w.incident))
        party = PARTIES[who]
        call = next((d.id for d in rows if d.party == party), rows[0].id)
        resp = await w.client.post(
            f"/voice/{_link(w, party, revoked=who == 'revoked')}/{call}/key",
            json={"digits": self.KEYS[action]})
        if resp.status != 200:
            return REFUSED
        said = json.loads(await resp.text())["say"]
        if said.startswith("Thank you"):
            return DONE
        if said == t("en", "page.link_revoked"):
            return REFUSED
        return NOT_APPLIED


class OperatorApi(Door):
    name = "operator API"
    party = None  # an operator token answers for no party: the ward is told too

    async def answer(self, w: World, who: str, action: Action, minutes: int | None) -> str:
        token = ENV["READER_TOKEN"] if who == "viewer" else ENV["ESCALATOR_API_TOKEN"]
        resp = await w.client.post(
            f"/api/v1/incidents/{w.incident}/actions", headers={
                "Authorization": f"Bearer {token}"},
            json={"action": action.value, **({"minutes": minutes} if minutes else {}),
                  **_note(action)})
        if resp.status == 200:
            body = await resp.json()
            return DONE if body["outcome"] == Why.OK.value else NOT_APPLIED
        return {409: NOT_APPLIED, 400: INVALID, 429: LIMITED}.get(resp.status, REFUSED)


class Board(Door):
    name = "board"
    USERS: ClassVar[dict[str, str]] = {"ward-a": "Anna", "ward-b": "Bea", "viewer": "Olli"}

    async def _sign_in(self, w: World, who: str) -> None:
        name = self.USERS[who]
        if w.signed == name:
            return
        w.signed = name
        w.client.session.cookie_jar.clear()
        resp = await w.client.post("/board/login", data={
            "name": name, "password": PASSWORDS.get(name, BEA), "next": "/board/",
            "csrf": await login_token(w.client)}, allow_redirects=False)
        assert resp.status == 303

    async def look(self, w: World, who: str) -> None:
        await self._sign_in(w, who)
        page = await (await w.client.get(f"/board/incidents/{w.incident}")).text()
        found = re.search(r'name="version" value="([^"]+)"', page)
        w.version = found.group(1) if found else None

    async def answer(self, w: World, who: str, action: Action, minutes: int | None) -> str:
        await self._sign_in(w, who)
        page = await (await w.client.get(f"/board/incidents/{w.incident}")).text()
        csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        resp = await w.client.post(f"/board/incidents/{w.incident}/act", data={
            "csrf": csrf, "action": action.value,
            **({"minutes": str(minutes)} if minutes else {}),
            **({"version": w.version} if w.version else {}), **_note(action)},
            allow_redirects=False)
        if resp.status == 303:
            return DONE
        if resp.status == 200 and t("en", "answer.repeat") in await resp.text():
            return NOT_APPLIED
        return {409: NOT_APPLIED, 400: INVALID, 429: LIMITED}.get(resp.status, REFUSED)


class DemoOutbox(Board):
    name = "demo outbox"

    def notifiers(self, box: Outbox | None, recorder: RecordingNotifier) -> dict[str, Any]:
        assert box is not None
        return box.channels(("telegram", "email", "sms", "webhook", "voice"))

    async def answer(self, w: World, who: str, action: Action, minutes: int | None) -> str:
        await self._sign_in(w, who)
        box = w.app.board.outbox
        assert box is not None
        card = next(k for k in box.messages() if k.channel == "telegram"
                    and k.party == "ward-a" and k.incident_id == w.incident)
        page = await (await w.client.get("/board/outbox")).text()
        csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        data = _data(action, w.incident, minutes)
        resp = await w.client.post("/board/outbox/press", data={
            "csrf": csrf, "kept": str(card.id), "data": data}, allow_redirects=False)
        if resp.status == 303:
            said = unquote(resp.headers["Location"].split("said=", 1)[1])
            return NOT_APPLIED if "ℹ️" in said else DONE
        return {400: INVALID, 429: LIMITED}.get(resp.status, REFUSED)


def _data(action: Action, incident: int, minutes: int | None) -> str:
    """A card button's data: a snooze or an arrival carries its minutes."""
    if action in (Action.SNOOZE, Action.EN_ROUTE):
        return f"{action.value}{minutes}:{incident}"
    return f"{action.value}:{incident}"


class TelegramButton(Door):
    name = "Telegram button"
    WHERE: ClassVar[dict[str, tuple[int, int]]] = {
        "ward-a": (CHAT_A, USER_A), "ward-b": (CHAT_B, USER_B), "viewer": (CHAT_P, USER_P)}

    def notifiers(self, box: Outbox | None, recorder: RecordingNotifier) -> dict[str, Any]:
        return {"email": recorder}

    async def answer(self, w: World, who: str, action: Action, minutes: int | None) -> str:
        fake = w.fake
        assert fake is not None
        chat, user = self.WHERE[who]
        cards = fake.chat_messages(chat)
        data = _data(action, w.incident, minutes)
        query = fake.press(chat, cards[0].message_id if cards else 1, user, data)
        await fake.wait_for(lambda: any(a["callback_query_id"] == query
                                        for a in fake.answers()))
        text = next(a for a in fake.answers() if a["callback_query_id"] == query)["text"]
        if text.startswith("ℹ️"):
            return NOT_APPLIED
        if text.startswith("You are not authorised"):
            return REFUSED
        if text.startswith("A snooze this long"):
            return INVALID
        return DONE


class SmsReply(Door):
    """A reply to the alarm SMS, as 46elks posts it: "1 K7", "2 K7", "3 60 K7"."""

    name = "SMS reply"
    KEYS: ClassVar[dict[Action, str]] = {Action.ACKNOWLEDGE: "1", Action.ESCALATE: "2",
                                         Action.SNOOZE: "3"}
    REFUSALS: ClassVar[tuple[str, ...]] = ("sms.reply.not_yours", "sms.reply.unknown_number",
                                           "sms.reply.unknown_code", "sms.reply.none_open")

    def notifiers(self, box: Outbox | None, recorder: RecordingNotifier) -> dict[str, Any]:
        return {"telegram": recorder, "email": recorder, "sms": recorder}

    async def answer(self, w: World, who: str, action: Action, minutes: int | None) -> str:
        text = " ".join([self.KEYS[action], *([str(minutes)] if minutes else []),
                         f"K{w.incident}"])
        headers, form = elks_inbound(PHONES[who], text, user=ENV["ELKS_IN_USER"],
                                     password=ENV["ELKS_IN_PASSWORD"])
        resp = await w.client.post("/sms/inbound", data=form, headers=headers)
        if resp.status != 200:
            return REFUSED
        said = await resp.text()
        if any(said.startswith(t("en", key).split(":")[0]) for key in self.REFUSALS):
            return REFUSED
        if said.startswith("A snooze this long"):
            return INVALID
        done = t("en", f"pop.done.{action.value}", duration="").split(" ")[0]
        return DONE if said.startswith(done) else NOT_APPLIED


DOORS = [AckPage(), VoiceKey(), OperatorApi(), Board(), DemoOutbox(), TelegramButton(),
         SmsReply()]


# -- the cases ---------------------------------------------------------------------
@dataclass(frozen=True)
class Case:
    name: str
    who: str = "ward-a"
    action: Action = Action.ACKNOWLEDGE
    minutes: int | None = None
    seen: str = NOT_APPLIED  # as the door's reader sees it
    why: Why | None = None  # the use case's reason (None: the door refused before asking)
    told: bool = False  # the answer tells the others (the happy path)
    times: int = 1


CASES = [
    Case("happy path", seen=DONE, why=Why.OK, told=True),
    Case("removed party", seen=REFUSED, why=Why.PARTY_REMOVED),
    Case("revoked link", who="revoked", seen=REFUSED, why=Why.LINK_REVOKED),
    Case("wrong ward", who="ward-b", seen=REFUSED, why=Why.NOT_YOURS),
    Case("viewer", who="viewer", seen=REFUSED, why=Why.VIEWER),
    Case("the same answer 40 times", seen=DONE, why=Why.OK, told=True, times=40),
    Case("stale form", why=Why.CHANGED),
    Case("resolved incident", why=Why.CLOSED),
    Case("snooze over the limit", action=Action.SNOOZE, minutes=60, seen=INVALID,
         why=Why.SNOOZE_TOO_LONG),
    Case("note limit", action=Action.NOTE, seen=INVALID, why=Why.NOTES_FULL),
    # answers as people give them: a promise takes the alarm and tells the others
    Case("on my way, there within 1 h", action=Action.EN_ROUTE, minutes=60, seen=DONE,
         why=Why.OK, told=True),
    Case("on site, working on it", action=Action.ON_SITE, seen=DONE, why=Why.OK, told=True),
    Case("on my way, the same again", action=Action.EN_ROUTE, minutes=60, seen=DONE,
         why=Why.OK, told=True, times=3),
    Case("on my way at a time not offered", action=Action.EN_ROUTE, minutes=45,
         seen=INVALID, why=Why.BAD_TIME),
]
# Where a case cannot happen at a door, and why.
SKIP = {
    ("revoked link", "operator API"): "no link: a token is the credential",
    ("revoked link", "board"): "no link: a session is the credential",
    ("revoked link", "demo outbox"): "no link: a session is the credential",
    ("revoked link", "Telegram button"): "no link: the chat and user are the credential",
    ("removed party", "operator API"): "a token answers for no party",
    ("removed party", "board"): "a user's party must exist (config check); a removed "
                                "user's session is the sign-in rules' business",
    ("wrong ward", "operator API"): "an operator answers every alarm",
    ("snooze over the limit", "voice key"): "the phone offers no snooze",
    ("stale form", "voice key"): "covered by 'resolved' and '40 times': a key has no form",
    ("note limit", "voice key"): "a phone call takes no note",
    ("note limit", "demo outbox"): "a card has no note button",
    ("note limit", "Telegram button"): "a card has no note button (a chat takes no notes)",
    ("on my way at a time not offered", "voice key"): "key 4 is always one hour",
    ("on my way at a time not offered", "Telegram button"): "a card carries only the "
                                                            "offered times (callback test)",
    ("revoked link", "SMS reply"): "no link: the number and the gateway's signature are "
                                   "the credential",
    ("note limit", "SMS reply"): "an SMS reply takes 1, 2 or 3, never a note",
    ("on my way, there within 1 h", "SMS reply"): "an SMS reply takes 1, 2 or 3 only",
    ("on site, working on it", "SMS reply"): "an SMS reply takes 1, 2 or 3 only",
    ("on my way, the same again", "SMS reply"): "an SMS reply takes 1, 2 or 3 only",
    ("on my way at a time not offered", "SMS reply"): "an SMS reply takes 1, 2 or 3 only",
}
# The door turns the request away before asking the use case (same rule, its own place).
DOOR_REFUSES = {
    ("wrong ward", "voice key"),  # no call was placed to that party on this alarm
    ("viewer", "operator API"),  # a viewer token may not act at all
    ("on my way at a time not offered", "demo outbox"),  # not a card's button data
    ("removed party", "SMS reply"),  # the number is nobody's now: "not a known number"
}
# The reason differs where the door cannot know more: a removed party's chat is
# simply a chat of nobody's.
WHY_AT = {("removed party", "Telegram button"): Why.NOT_YOURS}


@pytest.fixture
async def fake_tg(clock: FakeClock):
    fake = await FakeTelegram(clock=clock).start()
    yield fake
    await fake.stop()


async def world(door: Door, case: Case, tmp_path: Path, clock: FakeClock,
                recorder: RecordingNotifier, fake: FakeTelegram) -> World:
    path = tmp_path / "escalator.yaml"
    telegram = isinstance(door, TelegramButton)
    text = config_text(str(tmp_path / "doors.db"),
                       max_snooze="30m" if case.action is Action.SNOOZE else "4h",
                       api_url=fake.url if telegram else None,
                       sms=isinstance(door, SmsReply))
    path.write_text(text)
    cfg, _ = load_config(str(path), env={**ENV, "TG_TOKEN": fake.token})
    box = Outbox(clock.now, lambda: "Lehtioja") if isinstance(door, DemoOutbox) else None
    app = Escalator(cfg, clock=clock, env={**ENV, "TG_TOKEN": fake.token},
                    notifiers=door.notifiers(box, recorder))
    if box is not None:
        box.card = card_renderer(ChatRecords(app.store), app.clock, lambda: app.config,
                                 lambda: app.service.directory)
        app.board.outbox = box
    tapped = Tapped(**{f.name: getattr(app.answering, f.name) for f in fields(Answering)})
    app.answering = tapped
    if app.telegram is not None:
        app.telegram_in.answer_with = tapped.answer
        conn = app.telegram.connection
        conn.settings = replace(conn.settings, limits=RateLimits(1000, 100_000),
                                poll_timeout=1)
    await app.start(serve_http=False, schedule=False)
    w = World(app, path, tapped, fake=fake if telegram else None)
    if telegram:
        await fake.wait_for(app.telegram.connection.connected.is_set)
    else:
        w.client = TestClient(TestServer(app.web_app()))
        await w.client.start_server()
    result = await app.service.ingest(AlarmEvent("terminal", "FT", "alarm", clock.now(),
                                                 point="Loop 2"))
    w.incident = result.incident_id
    await app.tick()
    w.nonce = await app.store.transaction(lambda tx: tx.nonces.get(w.incident))
    return w


async def arrange(w: World, door: Door, case: Case) -> None:
    app = w.app
    if case.name == "stale form":
        await door.look(w, case.who)
        await app.service.act(w.incident, Action.ACKNOWLEDGE, "Night nurse")
    elif case.name == "resolved incident":
        await app.service.act(w.incident, Action.RESOLVE, "Facility manager")
    elif case.name == "note limit":  # the incident already holds all the notes it may
        notes = [Entry(app.clock.now(), Reason.NOTE, "vendor", f"note {n}")
                 for n in range(NOTES_PER_INCIDENT)]
        await app.store.transaction(lambda tx: tx.timeline.add(w.incident, notes))
    elif case.name == "removed party":
        w.path.write_text(config_text(str(w.path.parent / "doors.db"), ward_a=False,
                                      api_url=w.fake.url if w.fake else None,
                                      sms=isinstance(door, SmsReply)))
        # the purchaser on step 1 is warned about (a viewer on a ladder step), on purpose:
        # the doors must refuse a viewer that was told of the alarm
        assert [p for p in app.reload() if getattr(p, "code", "") != "cfg.viewer_on_step"] == []


@pytest.mark.parametrize("door", DOORS, ids=lambda d: d.name)
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
async def test_every_door_gives_the_same_outcome_and_the_same_notices(
        door, case, tmp_path, clock, recorder, fake_tg):
    if (case.name, door.name) in SKIP:
        pytest.skip(SKIP[case.name, door.name])
    w = await world(door, case, tmp_path, clock, recorder, fake_tg)
    try:
        await arrange(w, door, case)
        before = await w.deliveries()
        seen = [await door.answer(w, case.who, case.action, case.minutes)
                for _ in range(case.times)]
        made = await w.deliveries() - before
    finally:
        if w.client is not None:
            await w.client.close()
        await w.app.stop()
    assert seen[0] == case.seen, (door.name, case.name, seen[0])
    assert seen[1:] == [NOT_APPLIED] * (case.times - 1)  # a repeat changes nothing
    reasons = [o.why for o in w.tapped.seen]
    if (case.name, door.name) in DOOR_REFUSES:
        assert reasons == []
    else:
        expected = WHY_AT.get((case.name, door.name), case.why)
        assert reasons == [expected] + [Why.REPEAT] * (case.times - 1)
    # The ward's answer tells the purchaser; an operator's tells the ward as well.
    assert made == ((1 if door.party else 2) if case.told else 0), (door.name, case.name)
