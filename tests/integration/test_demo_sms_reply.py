"""The demo shows contact rules and an SMS reply (issue 21, "Done when").

The demo's vendor has contact rules (SMS and e-mail at once, not one after the
other), and its simulated vendor answers the earth leakage by SMS reply, posted to
the real `/sms/inbound` as 46elks posts it (basic auth with the demo's inbound
credentials). Both are read here through the demo's own service and outbox.
"""

from __future__ import annotations

import aiohttp
from aiohttp.test_utils import TestServer

from escalator.commands.demo import VENDOR_PHONE, demo_app, demo_config, demo_env, sms_reply
from escalator.domain.model import Action, AlarmEvent, State


async def test_the_demo_vendor_is_told_at_once_and_takes_the_alarm_by_sms_reply(tmp_path,
                                                                               clock):
    env = demo_env({})
    config = demo_config(tmp_path, "127.0.0.1", 0, env)
    app = demo_app(config, env, clock)
    await app.start(serve_http=False, schedule=False)
    server = TestServer(app.web_app())
    await server.start_server()
    try:
        res = await app.service.ingest(AlarmEvent("terminal", "YX", "alarm", clock.now(),
                                                  point="Keskus 3, C-siipi"))
        await app.tick()
        await app.service.act(res.incident_id, Action.ESCALATE, "Nurse", party="ward-b")
        await app.tick()
        box = app.board.outbox
        assert box is not None
        vendor = [k for k in box.messages() if k.party == "alarm-vendor" and not k.update]
        assert {k.channel for k in vendor} == {"sms", "email"}  # at once: the rules' group
        [sms] = [k for k in vendor if k.channel == "sms"]
        assert f"#K{res.incident_id}" in sms.title + sms.text

        login = (env["ESCALATOR_DEMO_SMS_IN_USER"], env["ESCALATOR_DEMO_SMS_IN_PASSWORD"])
        url = str(server.make_url("")).rstrip("/")
        before = await app.store.transaction(lambda tx: tx.incidents.get(res.incident_id))
        async with aiohttp.ClientSession() as http:  # a forged login changes nothing
            await sms_reply(http, url, ("vendor", "guess"), VENDOR_PHONE, f"2 K{res.incident_id}")
            assert await app.store.transaction(
                lambda tx: tx.incidents.get(res.incident_id)) == before
            said = await sms_reply(http, url, login, VENDOR_PHONE, f"1 K{res.incident_id}")
        assert "yours now" in said, said  # the reply SMS (in English): what became of it
        after = await app.store.transaction(lambda tx: tx.incidents.get(res.incident_id))
        assert after is not None and after.state is State.ACKNOWLEDGED
        timeline = await app.store.transaction(
            lambda tx: tx.timeline.of_incident(res.incident_id))
        assert any(e["reason"] == "ACKED" and e["party"] == "alarm-vendor" for e in timeline)
    finally:
        await server.close()
        await app.stop()
