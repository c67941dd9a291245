"""Bad input is a 4xx with a reason on every write path, on both stores (issue 19, point 6).

On PostgreSQL a note `"\\ud800"` (a lone surrogate) or a maintenance reason with NUL
was answered 503 "retry later", so clients retried for ever; a 30-digit cursor, a
`from` of 0001-01-01, minutes `²` and a 30-digit incident id in a URL were 500s. Each
row below sends one hostile value through one door (ack page, operator API, maintenance
API, safety register, board) of a real app on SQLite and on PostgreSQL, and asserts: a
4xx whose body says why, nothing stored, and the service still healthy afterwards.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from aiohttp.test_utils import TestClient, TestServer
from board_support import CSRF, ENV, board_config, sign_in
from support import TOKENS

from escalator.domain.model import AlarmEvent, SafetyCause, SafetyRecord

OPERATOR = {"Authorization": f"Bearer {TOKENS['ESCALATOR_API_TOKEN']}"}
AS_JSON = {"Accept": "application/json"}
SURROGATE, NUL = "a\ud800b", "a\x00b"
TEXTS = (SURROGATE, NUL)
NUMBERS = ("9" * 30, "²", "٣", "-1", "1_0")  # too big, not ASCII digits, signed, underscored
DATES = ("0001-01-01", "9999-12-31")
WINDOW = {"from": "2026-11-24 09:00", "until": "2026-11-24 12:00", "reason": "work"}
# What the stored state is made of: a refused request must leave every table as it was.
TABLES = ("incidents", "timeline", "deliveries", "maintenance_windows", "safety_notes",
          "safety_reviews", "audit_log")


@dataclass
class World:
    client: TestClient
    app: Any
    incident: int
    safety: int
    ack: str  # the ack page's path for the incident
    csrf: str  # the signed-in manager's form token


Send = Callable[[World], Awaitable[Any]]


def api(method: str, path: str, body: object = None, headers: dict[str, str] = OPERATOR
        ) -> Send:
    async def send(w: World) -> Any:
        return await w.client.request(method, path.format(i=w.incident, s=w.safety),
                                      json=body, headers=headers)
    return send


def ack(body: dict[str, str], *, as_json: bool) -> Send:
    async def send(w: World) -> Any:
        if as_json:
            return await w.client.post(w.ack, json=body, headers=AS_JSON)
        return await w.client.post(w.ack, data=body)
    return send


def board_form(path: str, form: dict[str, str]) -> Send:
    async def send(w: World) -> Any:
        return await w.client.post(path.format(i=w.incident), allow_redirects=False,
                                   data={**form, "csrf": w.csrf})
    return send


def board_get(path: str) -> Send:
    async def send(w: World) -> Any:
        return await w.client.get(path.format(i=w.incident), allow_redirects=False)
    return send


def rows() -> list[tuple[str, Send]]:
    """(what is sent, how): every write path with every hostile value it can carry."""
    table: list[tuple[str, Send]] = []
    for v in TEXTS:
        table += [
            (f"ack page JSON note {v!r}", ack({"action": "note", "note": v}, as_json=True)),
            (f"API note {v!r}", api("POST", "/api/v1/incidents/{i}/actions",
                                    {"action": "note", "note": v})),
            (f"API ack with note {v!r}", api("POST", "/api/v1/incidents/{i}/actions",
                                             {"action": "acknowledge", "note": v})),
            (f"maintenance reason {v!r}", api("POST", "/api/v1/maintenance",
                                              {**WINDOW, "reason": v})),
            (f"maintenance point {v!r}", api("POST", "/api/v1/maintenance",
                                             {**WINDOW, "match": {"point": v}})),
            (f"maintenance code {v!r}", api("POST", "/api/v1/maintenance",
                                            {**WINDOW, "match": {"code": v}})),
            (f"safety note {v!r}", api("POST", "/api/v1/safety-incidents/{s}/notes",
                                       {"note": v})),
            (f"safety close cause {v!r}", api("POST", "/api/v1/safety-incidents/{s}/close",
                                              {"cause": v})),
            (f"safety close measures {v!r}", api("POST", "/api/v1/safety-incidents/{s}/close",
                                                 {"cause": "checked", "measures": v})),
        ]
    table += [(f"safety list cause {v!r}", api("GET", f"/api/v1/safety-incidents?cause={quote(v)}"))
              for v in (NUL,)]  # a query string decodes a lone surrogate to U+FFFD
    table += [  # a form cannot carry a lone surrogate (it decodes to U+FFFD), NUL it can
        ("ack page form note NUL", ack({"action": "note", "note": NUL}, as_json=False)),
        ("board note NUL", board_form("/board/incidents/{i}/act",
                                      {"action": "note", "note": NUL})),
    ]
    for n in NUMBERS:
        table += [
            (f"API cursor {n!r}", api("GET", f"/api/v1/incidents?cursor={n}")),
            (f"API incident id {n!r}", api("POST", f"/api/v1/incidents/{n}/actions",
                                           {"action": "acknowledge"})),
            (f"API snooze minutes {n!r}", api("POST", "/api/v1/incidents/{i}/actions",
                                              {"action": "snooze", "minutes": n})),
            (f"ack page snooze minutes {n!r}",
             ack({"action": "snooze", "minutes": n}, as_json=True)),
            (f"ack page eta {n!r}", ack({"action": "on_way", "eta": n}, as_json=True)),
            (f"maintenance window id {n!r}", api("PATCH", f"/api/v1/maintenance/{n}",
                                                 {"until": "2026-11-24 12:00"})),
            (f"safety id {n!r}", api("POST", f"/api/v1/safety-incidents/{n}/notes",
                                     {"note": "checked"})),
            (f"safety cursor {n!r}", api("GET", f"/api/v1/safety-incidents?cursor={n}")),
            (f"board incident id {n!r}", board_get(f"/board/incidents/{n}")),
            (f"board action on incident {n!r}", board_form(f"/board/incidents/{n}/act",
                                                           {"action": "acknowledge"})),
            (f"board snooze minutes {n!r}", board_form("/board/incidents/{i}/act",
                                                       {"action": "snooze", "minutes": n})),
        ]
    for d in DATES:
        table += [
            (f"maintenance from {d}", api("POST", "/api/v1/maintenance",
                                          {**WINDOW, "from": f"{d} 00:00"})),
            (f"maintenance until {d}", api("POST", "/api/v1/maintenance",
                                           {**WINDOW, "until": f"{d} 00:00"})),
            (f"maintenance from {d} with offset", api("POST", "/api/v1/maintenance",
                                                      {**WINDOW, "from": f"{d}T00:00+02:00"})),
            (f"safety from {d}", api("GET", f"/api/v1/safety-incidents?from={d}")),
            (f"safety to {d}T00:00+02:00",
             api("GET", f"/api/v1/safety-incidents?to={d}T00:00%2B02:00")),
        ]
    return table


async def snapshot(app) -> dict[str, Any]:
    def read(tx) -> dict[str, Any]:
        return {t: tx.rows(f"SELECT * FROM {t} ORDER BY 1") for t in TABLES}
    return await app.store.transaction(read)


async def reason_of(resp) -> str:
    """The body's reason: a JSON `error`, or the words of an HTML page."""
    if resp.content_type == "application/json":
        return str((await resp.json()).get("error") or "")
    return await resp.text()


async def store_healthy(w: World) -> bool:
    """What /healthz says of the store (the test runs no scheduler, so not its `ok`)."""
    body = await (await w.client.get("/healthz", headers=OPERATOR)).json()
    return bool(body["store"]["ok"]) and body["open_incidents"] is not None


async def world(store_url: str, clock, recorder):
    from escalator.app import Escalator
    from escalator.config import load_config_text

    cfg, _ = load_config_text(board_config(store_url), env=ENV)
    app = Escalator(cfg, clock=clock, env=ENV,
                    notifiers={"telegram": recorder, "email": recorder, "sms": recorder})
    await app.start(serve_http=False, schedule=False)
    found = await app.service.ingest(AlarmEvent("terminal", "FT", "alarm", clock.now(),
                                                point="Loop 2 / B-wing"))
    await app.tick()

    def add_record(tx) -> int:
        tx.safety.add(found.incident_id,
                      [SafetyRecord(SafetyCause.NOBODY_ACKNOWLEDGED, clock.now())])
        return int(tx.one("SELECT max(id) AS id FROM safety_incidents")["id"])

    safety = await app.store.transaction(add_record)
    client = TestClient(TestServer(app.web_app()))
    await client.start_server()
    assert await sign_in(client, "Maija") == 303  # the manager may act on every alarm
    page = await (await client.get(f"/board/incidents/{found.incident_id}")).text()
    ack_path = f"/ack/{await app.ack_token(found.incident_id, 'ward-a')}"
    return World(client, app, found.incident_id, safety, ack_path,
                 CSRF.search(page).group(1))


async def test_every_write_path_refuses_bad_input_with_a_4xx_and_stores_nothing(
        store_url, clock, recorder):
    w = await world(store_url, clock, recorder)
    try:
        assert await store_healthy(w)
        wrong = []
        for name, send in rows():
            before = await snapshot(w.app)
            resp = await send(w)
            said = await reason_of(resp)
            if not (400 <= resp.status < 500 and resp.status != 429) or not said.strip():
                wrong.append(f"{name}: {resp.status} {said[:120]!r}")
            elif await snapshot(w.app) != before:
                wrong.append(f"{name}: {resp.status}, but something was stored")
            if not w.app.store.healthy or not await store_healthy(w):
                wrong.append(f"{name}: the store is called unhealthy afterwards")
        assert not wrong, "\n".join(wrong)
        # still healthy, and a good answer still goes through the same doors
        assert await store_healthy(w)
        good = await api("POST", "/api/v1/incidents/{i}/actions",
                         {"action": "note", "note": "checked the loop"})(w)
        assert good.status == 200, await good.text()
        good = await api("POST", "/api/v1/safety-incidents/{s}/notes", {"note": "checked"})(w)
        assert good.status == 201, await good.text()
    finally:
        await w.client.close()
        await w.app.stop()


async def test_a_refused_value_says_why_in_the_readers_language(store_url, clock, recorder):
    """The reason names the field and the trouble; the ack page and the board say it in
    the reader's words (Finnish here), not "retry later"."""
    w = await world(store_url, clock, recorder)
    try:
        resp = await api("POST", "/api/v1/incidents/{i}/actions",
                         {"action": "note", "note": SURROGATE})(w)
        assert (await resp.json())["error"] == \
            "note: contains a broken character (a lone UTF-16 surrogate)"
        resp = await api("POST", "/api/v1/maintenance", {**WINDOW, "reason": NUL})(w)
        assert (await resp.json())["error"] == "reason: contains a NUL character"
        resp = await api("GET", f"/api/v1/incidents?cursor={'9' * 30}")(w)
        assert (await resp.json())["error"].startswith("cursor must be a whole number from 0")
        resp = await api("GET", "/api/v1/safety-incidents?from=0001-01-01")(w)
        assert (await resp.json())["error"] == \
            "from: expected a date from 2000 to 2100, got '0001-01-01'"
        resp = await ack({"action": "note", "note": NUL}, as_json=False)(w)
        assert resp.status == 400 and "ei voi tallentaa" in await resp.text()
        resp = await board_form("/board/incidents/{i}/act", {"action": "note", "note": NUL})(w)
        assert resp.status == 400 and "ei voi tallentaa" in await resp.text()
    finally:
        await w.client.close()
        await w.app.stop()


async def test_the_board_page_after_an_action_reads_odd_minutes_as_the_default(
        store_url, clock, recorder):
    """`?done=snooze&minutes=²` (a URL the board makes after a snooze, typed by hand) was
    a 500: `"²".isdigit()` is true and `int("²")` raises. It is a page to read, not a write,
    so it shows the alarm and words for the default length."""
    w = await world(store_url, clock, recorder)
    try:
        for n in NUMBERS:
            resp = await board_get(f"/board/incidents/{{i}}?done=snooze&minutes={n}")(w)
            assert resp.status == 200, n
    finally:
        await w.client.close()
        await w.app.stop()


async def test_an_event_time_out_of_range_is_taken_as_unknown_not_a_500(
        make_app, aiohttp_client, clock):
    """A panel whose clock was reset still has an alarm: year 1 is accepted as "time not
    known" (the time it was received is used) rather than a 500 or a refused alarm."""
    app = await make_app()
    client = await aiohttp_client(app.web_app())
    resp = await client.post("/api/v1/events", json={
        "code": "FT", "state": "alarm", "point": "Loop 1", "time": "0001-01-01T00:00:00+02:00"},
        headers={"Authorization": f"Bearer {TOKENS['ESCALATOR_TERMINAL_TOKEN']}"})
    assert resp.status == 202, await resp.text()
    incident_id = (await resp.json())["incident"]
    incident = await app.store.transaction(lambda tx: tx.incidents.get(incident_id))
    assert incident is not None and incident.opened_at.year == clock.now().year
