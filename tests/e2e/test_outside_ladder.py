"""A whole ladder with every outside channel, each party answering from its own channel.

The nurse (chat, recorded) takes the alarm and passes it on; the vendor gets an
e-mail from a real SMTP server and answers by following the link in it; the
contractor gets an SMS at a local gateway and answers from the link in its
text; maintenance's ticket system gets a signed webhook and POSTs to the ack
link in the payload. Time is the FakeClock; every hop is real HTTP or SMTP.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from html.parser import HTMLParser

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from outside import Mailbox, free_port, outside_app, outside_config, sms_gateway, smtp_server
from support import TOKENS

from escalator.domain.model import read_params
from escalator.notify import gsm

pytestmark = pytest.mark.e2e


class Forms(HTMLParser):
    """The page's forms as a person sees them: the hidden fields of each answer."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.forms: dict[str, dict[str, str]] = {}
        self._current: dict[str, str] | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("method") == "post":
            self._current = {}
        elif tag == "input" and self._current is not None and a.get("type") == "hidden":
            self._current[a["name"]] = a["value"]
            if a["name"] == "action":
                self.forms[a["value"]] = self._current

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


class Party:
    """Someone with a link: opens the page and presses an answer, like a browser does."""

    def __init__(self, http: aiohttp.ClientSession, link: str) -> None:
        self.http, self.link = http, link

    async def answer(self, action: str, **fields: str) -> str:
        async with self.http.get(self.link) as resp:
            assert resp.status == 200
            forms = Forms(await resp.text()).forms
        async with self.http.post(self.link, data={**forms[action], **fields}) as resp:
            assert resp.status == 200, await resp.text()
            page = await resp.text()
        return re.search(r'<p class="msg"[^>]*>(.*?)</p>', page, re.S).group(1)


class TicketSystem:
    """Maintenance's ticket system: keeps signed webhook payloads, rejects forged ones."""

    def __init__(self) -> None:
        self.payloads: list[dict] = []

    async def hook(self, request: web.Request) -> web.Response:
        body = await request.read()
        ts = request.headers["X-Escalator-Timestamp"]
        want = "sha256=" + hmac.new(TOKENS["MAINT_HOOK_SECRET"].encode(),
                                    ts.encode() + b"." + body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(want, request.headers["X-Escalator-Signature"]):
            return web.Response(status=401)
        self.payloads.append(json.loads(body))
        return web.json_response({"ticket": f"INC-{len(self.payloads)}"})


def link_in(text: str, base: str) -> str:
    m = re.search(re.escape(base) + r"/ack/[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+", text)
    assert m, text
    return m.group(0)


async def test_a_full_ladder_each_party_answers_from_its_own_channel(tmp_path, clock, recorder):
    mailbox, tickets = Mailbox(), TicketSystem()
    hook_app = web.Application()
    hook_app.router.add_post("/hook", tickets.hook)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    async with smtp_server(mailbox, auth_require_tls=False) as smtp_port, \
            sms_gateway() as gateway, \
            TestServer(hook_app, host="127.0.0.1") as hooks:
        text = outside_config(f"sqlite:///{tmp_path}/ladder.db", smtp_port=smtp_port,
                              sms_url=gateway.url("/a1/sms"),
                              hook_url=str(hooks.make_url("/hook")),
                              http_port=port, public_url=base)
        async with outside_app(text, clock, {"telegram": recorder}, serve_http=True) as app, \
                aiohttp.ClientSession() as http:
            # -- the terminal reports a fault over HTTP; the nurse hears first --------
            async with http.post(f"{base}/api/v1/events", json={
                    "id": "t-1", "code": "FT", "point": "Loop 2, wing B", "state": "alarm"},
                    headers={"Authorization": f"Bearer {TOKENS['ESCALATOR_TERMINAL_TOKEN']}"},
            ) as resp:
                assert resp.status == 202
                incident_id = (await resp.json())["incident"]
            await app.tick()
            [first] = recorder.to("ward-a")
            assert first.reason == "FIRST"
            nurse = Party(http, first.ack_url)
            assert first.ack_url.startswith(f"{base}/ack/")
            said = await nurse.answer("acknowledge")
            assert said.startswith("Kiitos.")
            said = await nurse.answer("escalate")  # she looked: a job for the vendor
            assert said == "Kiitos. Hälytys on siirretty eteenpäin: Security company fault hotline."

            # -- the vendor: an e-mail in English, answered through its link ----------
            await app.tick()
            [mail] = mailbox.to("faults@security.example")
            body = mail.get_body(("plain",)).get_content()
            assert mail["X-Escalator-Reason"] == "ESCALATED" and "escalated to you" in body
            vendor = Party(http, link_in(body, base))
            said = await vendor.answer("acknowledge", eta="10:30")
            assert said == ("Thank you. The nurse on duty has been told you take it and arrive "
                            "by 10:30.")
            await app.tick()
            acked = [m for m in recorder.to("ward-a") if m.reason == "ACKED"]
            assert "Security company fault hotline" in acked[-1].text
            assert "perillä viimeistään klo 10.30" in acked[-1].text  # the nurse reads the ETA
            said = await vendor.answer("note", note="Wiring in the building, not our panel.")
            assert said.startswith("Thank you. Your note is recorded and passed on")
            said = await vendor.answer("escalate")
            assert said == ("Thank you. The alarm has been passed on to: "
                            "Local electrical contractor.")
            await app.tick()
            note = [m for m in recorder.to("ward-a") if m.reason == "NOTE"]
            assert "Wiring in the building, not our panel." in note[0].text

            # -- the contractor: an SMS in Swedish, answered from the link in it ------
            sms = [r for r in gateway.accepted if r.form["to"] == "+46701234567"]
            assert len(sms) == 1 and gsm.measure(sms[0].form["message"]).segments <= 2
            assert "Ta det eller skicka det vidare" in sms[0].form["message"]  # what to do
            contractor = Party(http, link_in(sms[0].form["message"], base))
            said = await contractor.answer("on_way", eta="11:00")
            assert said == ("Tack. Sjuksköterskan i tjänst har fått veta att ni är på plats "
                            "senast kl. 11.00.")
            await app.tick()
            vendor_mails = mailbox.to("faults@security.example")
            taken = vendor_mails[-1].get_body(("plain",)).get_content()
            # in the vendor's English, never the contractor's Swedish or the nurse's Finnish
            assert taken.startswith("On the way: Local electrical contractor, there by 11:00")
            said = await contractor.answer("escalate")
            assert said == "Tack. Larmet har skickats vidare till: Property maintenance."

            # -- maintenance: a signed webhook; the ticket system POSTs the ack link --
            await app.tick()
            [call] = [p for p in tickets.payloads if p["reason"] == "ESCALATED"]
            assert call["to"] == "maintenance" and call["incident"] == incident_id
            async with http.post(call["ack_url"],
                                 data={"action": "acknowledge", "note": "ticket INC-1"},
                                 headers={"Accept": "application/json"}) as resp:
                assert resp.status == 200
                answer = await resp.json()
            assert answer["state"] == "acknowledged" and answer["incident"] == incident_id

            # -- the terminal clears: everyone told so far hears it on their channel --
            async with http.post(f"{base}/api/v1/events", json={
                    "id": "t-2", "code": "FT", "point": "Loop 2, wing B", "state": "clear"},
                    headers={"Authorization": f"Bearer {TOKENS['ESCALATOR_TERMINAL_TOKEN']}"},
            ) as resp:
                assert resp.status == 202
            await app.tick()
            inc = await app.store.transaction(lambda tx: tx.incidents.get(incident_id))
            rows = await app.store.transaction(lambda tx: tx.deliveries.of_incident(incident_id))
            tl = await app.store.transaction(lambda tx: tx.timeline.of_incident(incident_id))
            names = {pid: p.name for pid, p in app.config.parties.items()}

    assert inc.state.value == "resolved"
    assert recorder.to("ward-a")[-1].reason == "CLEARED"
    vendor_mails = mailbox.to("faults@security.example")
    assert vendor_mails[-1]["X-Escalator-Reason"] == "CLEARED"
    assert len({m["References"] for m in vendor_mails}) == 1  # one thread from first to last
    assert "Återställt i terminalen" in gateway.accepted[-1].form["message"]
    assert tickets.payloads[-1]["reason"] == "CLEARED"
    # every delivery went out on the party's own channel, none failed
    channels = {(d.party, d.channel) for d in rows}
    assert channels == {("ward-a", "telegram"), ("alarm-vendor", "email"),
                        ("contractor", "sms"), ("maintenance", "webhook")}
    assert {d.status for d in rows} == {"sent"}
    # and the record says who answered what, from which link
    def answered(e: dict) -> bool:  # the actor's own ACKED / EN_ROUTE line; ESCALATED calls
        given = read_params(e["detail"])
        if e["reason"] in ("ACKED", "EN_ROUTE"):
            return given.get("by") == names[e["party"]]
        return e["reason"] == "ESCALATED" and "by" in given and "to" not in given

    answers = [(e["reason"], e["party"]) for e in tl if answered(e)]
    assert answers == [
        ("ACKED", "ward-a"), ("ESCALATED", "alarm-vendor"),
        ("ACKED", "alarm-vendor"), ("ESCALATED", "contractor"),
        ("EN_ROUTE", "contractor"), ("ESCALATED", "maintenance"),
        ("ACKED", "maintenance"),
    ]
    notes = " | ".join(e["detail"] for e in tl)
    assert "Wiring in the building, not our panel" in notes and "ticket INC-1" in notes
