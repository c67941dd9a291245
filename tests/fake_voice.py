"""A local voice gateway speaking 46elks' and Twilio's real call APIs over HTTP.

It stands where the phone network is: it accepts (or refuses, or never
answers) the request that places a call, then plays the callee's part on
demand: `press()` posts the key to the URL the call named (46elks `next`,
Twilio `<Gather action>`), `hang_up()` posts the end of the call (46elks
`whenhangup`, Twilio `StatusCallback`), with each gateway's own field names.
"""

from __future__ import annotations

import asyncio
import json
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer

ELKS_REQUIRED = ("from", "to", "voice_start")
TWILIO_REQUIRED = ("To", "From")


@dataclass
class PlacedCall:
    """One request to place a call, as the gateway received it."""

    kind: str  # 46elks | twilio | generic
    path: str
    headers: dict[str, str]
    form: dict[str, Any]  # the form fields, or the JSON body of a generic gateway
    status: int = 0
    ref: str = ""

    @property
    def actions(self) -> dict[str, Any]:
        """46elks: the call actions in `voice_start`."""
        return json.loads(self.form["voice_start"])

    @property
    def twiml(self) -> ET.Element:
        return ET.fromstring(self.form["Twiml"])

    @property
    def spoken(self) -> str:
        """The text read to the callee."""
        if self.kind == "generic":
            return str(self.form["text"])
        if self.kind == "46elks":
            return self.actions["ivr"].split("/", 1)[1]
        say = self.twiml.find("Gather/Say")
        assert say is not None
        return say.text or ""

    @property
    def key_url(self) -> str:
        if self.kind == "generic":
            return str(self.form["answer_url"])
        if self.kind == "46elks":
            return str(self.actions["next"])
        gather = self.twiml.find("Gather")
        assert gather is not None
        return gather.attrib["action"]

    @property
    def end_url(self) -> str:
        key = {"46elks": "whenhangup", "twilio": "StatusCallback", "generic": "status_url"}
        return str(self.form[key[self.kind]])


@dataclass
class VoiceGateway:
    auth: str
    calls: list[PlacedCall] = field(default_factory=list)
    answers: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    hang: bool = False  # never answer the request that places a call
    server: TestServer | None = None
    _released: asyncio.Event = field(default_factory=asyncio.Event)

    async def _elks(self, request: web.Request) -> web.Response:
        form = dict(parse_qsl((await request.read()).decode(), keep_blank_values=True))
        call = PlacedCall("46elks", request.path, dict(request.headers), form)
        return await self._answer(call, ELKS_REQUIRED, lambda ref: web.json_response(
            {"id": ref, "state": "ongoing", "direction": "outgoing", "from": form.get("from"),
             "to": form.get("to"), "created": "2026-11-24T07:00:00.000000"}))

    async def _twilio(self, request: web.Request) -> web.Response:
        form = dict(parse_qsl((await request.read()).decode(), keep_blank_values=True))
        call = PlacedCall("twilio", request.path, dict(request.headers), form)
        if "Twiml" not in form and "Url" not in form:
            return web.json_response({"code": 21205, "message": "Url or Twiml is required",
                                      "status": 400}, status=400)
        return await self._answer(call, TWILIO_REQUIRED, lambda ref: web.json_response(
            {"sid": ref, "status": "queued", "direction": "outbound-api", "to": form.get("To"),
             "from": form.get("From"), "account_sid": request.match_info["account"]},
            status=201))

    async def _generic(self, request: web.Request) -> web.Response:
        body = await request.json()
        call = PlacedCall("generic", request.path, dict(request.headers), body)
        return await self._answer(call, ("to", "text", "answer_url", "status_url"),
                                  lambda ref: web.json_response({"call_id": ref}, status=202))

    async def _answer(self, call: PlacedCall, required: tuple[str, ...], ok: Any
                      ) -> web.Response:
        self.calls.append(call)
        if self.hang:
            await self._released.wait()
        if call.headers.get("Authorization") != self.auth:
            call.status = 401
            return web.Response(status=401, text="Wrong API credentials")
        missing = [k for k in required if not call.form.get(k)]
        if missing:
            call.status = 400
            return web.Response(status=400, text=f"Missing key {missing[0]}")
        if self.answers:
            call.status, headers = self.answers.pop(0)
            return web.json_response({"error": "told to fail"}, status=call.status,
                                     headers=headers)
        prefix = {"46elks": "c", "twilio": "CA", "generic": "g"}[call.kind]
        call.ref = f"{prefix}{len(self.calls):032x}"
        response = ok(call.ref)
        call.status = response.status
        return response

    def release(self) -> None:
        self._released.set()

    def url(self, path: str) -> str:
        assert self.server is not None
        return str(self.server.make_url(path))

    @property
    def placed(self) -> list[PlacedCall]:
        return [c for c in self.calls if c.status < 300]

    # -- the callee's side ------------------------------------------------------
    async def press(self, call: PlacedCall, digit: str) -> tuple[int, str]:
        if call.kind == "generic":
            return await _post(call.key_url, {"call_id": call.ref, "digits": digit}, json=True)
        if call.kind == "46elks":
            form = {"callid": call.ref, "digits": digit, "direction": "outgoing",
                    "from": call.form["from"], "to": call.form["to"]}
        else:
            form = {"CallSid": call.ref, "Digits": digit, "CallStatus": "in-progress",
                    "From": call.form["From"], "To": call.form["To"]}
        return await _post(call.key_url, form)

    async def hang_up(self, call: PlacedCall, outcome: str) -> tuple[int, str]:
        """`outcome`: 46elks success|failed|busy; Twilio completed|busy|no-answer|failed."""
        if call.kind == "generic":
            return await _post(call.end_url, {"call_id": call.ref, "status": outcome}, json=True)
        if call.kind == "46elks":
            form = {"callid": call.ref, "direction": "outgoing", "state": outcome,
                    "from": call.form["from"], "to": call.form["to"], "duration": "0"}
        else:
            form = {"CallSid": call.ref, "CallStatus": outcome, "CallDuration": "0",
                    "From": call.form["From"], "To": call.form["To"]}
        return await _post(call.end_url, form)


async def _post(url: str, form: dict[str, str], *, json: bool = False) -> tuple[int, str]:
    kwargs: dict[str, Any] = {"json": form} if json else {"data": form}
    async with aiohttp.ClientSession() as session, session.post(url, **kwargs) as resp:
        return resp.status, await resp.text()


@asynccontextmanager
async def voice_gateway(auth: str) -> AsyncIterator[VoiceGateway]:
    gateway = VoiceGateway(auth)
    app = web.Application()
    app.router.add_post("/a1/calls", gateway._elks)
    app.router.add_post("/2010-04-01/Accounts/{account}/Calls.json", gateway._twilio)
    app.router.add_post("/calls", gateway._generic)
    async with TestServer(app, host="127.0.0.1") as server:
        gateway.server = server
        try:
            yield gateway
        finally:
            gateway.release()
