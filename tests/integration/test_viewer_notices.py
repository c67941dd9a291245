"""A viewer (the purchaser) in `on_exhausted` gets ONE read-only notice per incident.

Issue 20, point 5: the purchaser received 16 e-mails in 35 minutes, every update
about the incident, with the nurse's instructions and "take it or answer". Here a
fault walks the whole ladder on a FakeClock over hours (exhausted, walked again
every hour), the ward takes it and writes a note, it runs past its deadline (a
second record), the vendor calls it false and it is not cleared in time (a third),
and the terminal clears it at last. The mail server is a real one (aiosmtpd); the
purchaser's deliveries are counted per channel.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from outside import Mailbox, outside_app, outside_config, sms_gateway, smtp_server

from escalator.domain.model import Action, AlarmEvent, Reason
from escalator.i18n import t
from escalator.i18n.codes import code_todo

PURCHASER = """  purchaser:
    name: Hyvinvointialueen tilaaja
    role: viewer
    contact:
      - email: tilaaja@hyvinvointialue.example
      - sms: "+358409999999"
ladders:"""


@pytest.fixture
def mailbox():
    return Mailbox()


@pytest.fixture
async def gateway():
    async with sms_gateway() as gw:
        yield gw


@pytest.fixture
async def app(tmp_path, clock, recorder, mailbox, gateway):
    async with smtp_server(mailbox, auth_require_tls=False) as port:
        text = outside_config(f"sqlite:///{tmp_path}/viewer.db", smtp_port=port,
                              sms_url=gateway.url("/a1/sms"))
        text = text.replace("ladders:", PURCHASER, 1).replace(
            "        escalate_after: 2h\n    on_exhausted: [manager]",
            "        escalate_after: 2h\n    on_exhausted: [manager, purchaser]", 1)
        async with outside_app(text, clock, {"telegram": recorder}) as app:
            yield app


async def run_for(app, clock, **span: float) -> None:
    """Tick at every due time, as the waker would, until `span` has passed."""
    end = clock.now() + timedelta(**span)
    for _ in range(5_000):
        due = await app.tick()
        if due is None or due > end:
            break
        clock.set(max(due, clock.now() + timedelta(seconds=1)))
    clock.set(end)
    await app.tick()


async def test_hours_of_escalation_send_the_purchaser_one_read_only_mail(
        app, clock, mailbox, gateway):
    res = await app.service.ingest(AlarmEvent("terminal", "FT", "alarm", clock.now(),
                                              point="Silmukka 2 / B-siipi"))
    iid = res.incident_id
    await run_for(app, clock, hours=6)  # exhausted after 3 h 40 min, then walked again
    await app.service.act(iid, Action.ACKNOWLEDGE, "Hoitaja Aino", party="ward-a")
    await app.service.act(iid, Action.NOTE, "Hoitaja Aino", party="ward-a",
                          note="Käyn katsomassa")
    await run_for(app, clock, hours=2)  # taken, not resolved in time: a second record
    await app.service.act(iid, Action.FALSE_ALARM, "Vendor", party="alarm-vendor")
    await run_for(app, clock, hours=5)  # not cleared at the terminal in time: a third
    await app.service.ingest(AlarmEvent("terminal", "FT", "clear", clock.now(),
                                        point="Silmukka 2 / B-siipi"))
    await run_for(app, clock, minutes=30)

    rows = await app.store.transaction(lambda tx: tx.deliveries.of_incident(iid))
    records = await app.store.transaction(lambda tx: tx.safety.listed(limit=10))
    assert len([r for r in records if r["incident_id"] == iid]) >= 3
    manager = [d for d in rows if d.party == "manager"]
    assert len(manager) > 3  # staff in on_exhausted hear the later updates

    mine = [d for d in rows if d.party == "purchaser"]
    channels = {}
    for d in mine:
        channels[d.channel] = channels.get(d.channel, 0) + 1
    assert channels == {"email": 1}, [(d.reason, d.channel, d.is_update) for d in mine]
    assert (mine[0].reason, mine[0].is_update) == (Reason.EXHAUSTED.value, False)
    assert [r for r in gateway.requests if "358409999999" in str(r.form or r.json)] == []

    mails = mailbox.to("tilaaja@hyvinvointialue.example")
    assert len(mails) == 1
    text = mails[0].get_body(("plain",)).get_content()
    html = mails[0].get_body(("html",)).get_content()
    assert t("fi", "reason.EXHAUSTED").split(":")[0] in text  # what happened: the record
    assert t("fi", "label.act") not in text  # no "Kuittaa tai kerro tilanne"
    assert code_todo("fi", "FT") not in text  # no instructions for the staff
    assert f"{t('fi', 'label.record')}: http://escalator.test/ack/" in text
    assert t("fi", "mail.open_record") in html and t("fi", "mail.open") not in html
