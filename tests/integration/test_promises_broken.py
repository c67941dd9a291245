"""A broken service promise becomes a safety record when it breaks, once, by the tick.

The vendor promises an answer within 15 min, on site within 1 h and the alarm
cleared within 4 h. Tue 12:00 an earth leakage; the ward does not answer; at
12:10 the ladder asks the vendor (its first ask). No answer by 12:25: a record
at 12:25 exactly (the waker came back at the deadline). The vendor answers at
12:30 ("on my way" is not on site): not on site by 13:10, a second record. The
terminal clears at 14:00, within 4 h: no third record. Ticks in between write
nothing twice.
"""

from __future__ import annotations

from datetime import timedelta

from report_support import act, alarm, local, report_yaml, run_until

from escalator.domain.model import read_params
from escalator.reports.produce import mail, produce
from escalator.reports.safety_text import cause_text
from escalator.reports.weekly import week

M = timedelta(minutes=1)
PROMISE = """    promise: {answer_within: 15 min, on_site_within: 1 h, cleared_within: 4 h}
"""


def promised_yaml(storage: str) -> str:
    text = report_yaml(storage)
    anchor = "    name: Security company fault hotline\n"
    assert text.count(anchor) == 1
    return text.replace(anchor, anchor + PROMISE)


async def records(app):
    return await app.store.transaction(lambda tx: tx.rows(
        "SELECT incident_id, cause, at, detail FROM safety_incidents ORDER BY id"))


async def test_a_broken_promise_is_recorded_at_its_deadline_once(make_app, clock, store_url):
    app = await make_app(promised_yaml(store_url), storage=store_url)
    clock.set(local(2026, 11, 24, 11))
    iid = await alarm(app, clock, local(2026, 11, 24, 12), code="YX", point="Kitchen")
    await run_until(app, clock, local(2026, 11, 24, 12, 24))
    assert await records(app) == []
    await run_until(app, clock, local(2026, 11, 24, 12, 29))
    first = await records(app)
    assert [(r["incident_id"], r["cause"], r["at"]) for r in first] == [
        (iid, "promise_broken", local(2026, 11, 24, 12, 25).isoformat(timespec="microseconds"))]
    said = read_params(first[0]["detail"])
    assert (said["party"], said["promise"], said["within_s"], said["since"]) == (
        "alarm-vendor", "answer", 15 * 60, local(2026, 11, 24, 12, 10).isoformat())
    await act(app, clock, local(2026, 11, 24, 12, 30), iid, "acknowledge", "alarm-vendor")
    await run_until(app, clock, local(2026, 11, 24, 13, 9))
    assert len(await records(app)) == 1  # the late answer is not a second record
    await run_until(app, clock, local(2026, 11, 24, 13, 11))
    second = (await records(app))[1:]
    assert [(r["cause"], read_params(r["detail"])["promise"], r["at"]) for r in second] == [
        ("promise_broken", "on_site",
         local(2026, 11, 24, 13, 10).isoformat(timespec="microseconds"))]
    await alarm(app, clock, local(2026, 11, 24, 14), code="YX", point="Kitchen", state="clear")
    await run_until(app, clock, local(2026, 11, 25, 12))
    assert len(await records(app)) == 2  # cleared within 4 h: kept

    detail = first[0]["detail"]
    assert cause_text("fi", "promise_broken", detail, "Europe/Helsinki") == (
        "Security company fault hotline ei pitänyt sopimuksen lupausta: vastaus 15 min kuluessa"
        " (pyydetty ensin 24.11. 12.10)")
    assert "höll inte avtalets löfte: svar inom 15 min" in cause_text(
        "sv", "promise_broken", detail, "Europe/Helsinki")
    assert "did not keep the contract's promise: answer within 15 min" in cause_text(
        "en", "promise_broken", detail, "Europe/Helsinki")

    # the summary's table (the 12 weeks read lean, on both databases): the answer came
    # 20 min after the first ask, on site never, cleared 1 h 50 min after it
    produced = await produce(app.store, app.config, week("2026-W48", "Europe/Helsinki"),
                             local(2026, 11, 30, 9))
    rows = {r.kind: r for r in produced.summary.promises}
    assert [(k, r.week.kept, r.week.broken, r.week.figures.median) for k, r in rows.items()] == [
        ("answer", 0, 1, 20 * M), ("on_site", 0, 1, None), ("cleared", 1, 0, 110 * M)]
    assert all(r.weeks == r.week for r in rows.values())
    assert "Security company fault hotline,answer,15,week,0,1,20,20" in produced.promises_csv
    assert "Palvelulupaukset (sopimukset)" in produced.html
    assert "Paikalla 1 h kuluessa" in produced.html
    # the first page's 12-week average of "answered within 15 min" (it read "–"): one
    # monitored week, its one alarm not answered within 15 min of the first call
    answered = produced.model.front[0].rows[1]
    assert answered[1:] == ("0/1 (0\xa0%)", "ei seurattu", "0,0/1,0 (0\xa0%)")
    sent = mail(produced, app.config, ["tilaaja@kunta.example"], "alarms@lehtioja.example",
                local(2026, 11, 30, 9))
    assert [a.get_filename() for a in sent.iter_attachments()] == [
        "lehtioja-2026-W48.pdf", "lehtioja-2026-W48.csv", "lehtioja-2026-W48-promises.csv"]

