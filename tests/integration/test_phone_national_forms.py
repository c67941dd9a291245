"""Numbers written as people dial them reach the SMS gateway in E.164.

A facility in Sweden (`facility.country: SE`): the contractor's number is
written as on a Swedish staff list ("070-123 45 67"), the Finnish alarm
vendor's with its country code and spaces. The real SMS channel must send
"+46701234567" to a local gateway, since a gateway abroad cannot dial "070".
"""

from __future__ import annotations

import pytest
from outside import free_port, outside_app, outside_config, sms_gateway

from escalator.domain.model import Action, AlarmEvent


@pytest.fixture
async def gateway():
    async with sms_gateway() as gw:
        yield gw


def national(text: str) -> str:
    for old, new in (('- sms: "+358401234567"', '- sms: "+358 40 123 4567"'),
                     ('- sms: "+46701234567"', '- sms: "070-123 45 67"'),
                     ("  timezone: Europe/Helsinki\n", "  timezone: Europe/Helsinki\n"
                                                        "  country: SE\n")):
        assert text.count(old) == 1
        text = text.replace(old, new)
    return text


async def test_national_and_spaced_numbers_are_sent_in_e164(tmp_path, clock, recorder, gateway):
    text = national(outside_config(f"sqlite:///{tmp_path}/sms.db", smtp_port=free_port(),
                                   sms_url=gateway.url("/a1/sms")))
    async with outside_app(text, clock, {"telegram": recorder, "email": recorder}) as app:
        vendor = app.config.parties["alarm-vendor"].contacts[1]
        assert (vendor.channel, vendor.address) == ("sms", "+358401234567")
        res = await app.service.ingest(AlarmEvent("terminal", "FT", "alarm", clock.now()))
        await app.tick()
        for _ in range(2):  # step 2: the vendor (e-mail and SMS); step 3: the contractor
            await app.service.act(res.incident_id, Action.ESCALATE, "test")
            await app.tick()
        assert [r.form["to"] for r in gateway.accepted] == ["+46701234567"]
