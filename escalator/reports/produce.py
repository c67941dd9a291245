"""Produce one weekly summary: read the store, compute, render every format, build the mail.

Used by the scheduler (sent automatically) and by `escalator report weekly`
(by hand), so both give the same bytes for the same week and data.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr

from escalator.config.model import Config, WeeklyReport
from escalator.domain.service_promises import Promise
from escalator.i18n import t
from escalator.reports import data, render
from escalator.reports.weekly import History, Summary, Week, summarize
from escalator.storage.sql import SqlStore


@dataclass(frozen=True)
class Produced:
    summary: Summary
    model: render.Model
    html: str
    pdf: bytes
    csv: str
    chart: bytes
    promises_csv: str = ""  # the promise table (a second attachment)


def language(config: Config) -> str:
    weekly = config.reports.weekly if config.reports else None
    return (weekly.language if weekly else None) or config.facility.language


def contracts(config: Config) -> dict[str, Promise]:
    """What each party's contract promises (only parties with a promise)."""
    return {pid: p.promise for pid, p in config.parties.items() if p.promise}


def names(config: Config) -> dict[str, str]:
    return {pid: p.name for pid, p in config.parties.items()}


async def produce(store: SqlStore, config: Config, w: Week, now: datetime) -> Produced:
    tz, lang = config.facility.timezone, language(config)
    staff = data.care_staff(config)
    weekly = config.reports.weekly if config.reports else None
    threshold = weekly.false_alarm_threshold if weekly else 2
    promised = sorted(contracts(config))
    history = await store.transaction(lambda tx: data.history(tx, w, tz, staff, now,
                                                                   config.maintenance, promised))
    # Figures, chart and PDF take CPU time: off the event loop, which keeps escalating.
    return await asyncio.to_thread(_render, w, history, config, staff, threshold, lang, tz)


def _render(w: Week, history: History, config: Config, staff: frozenset[str], threshold: int,
            lang: str, tz: str) -> Produced:
    from escalator.reports.pdf import pdf_bytes  # reportlab (~15 MB): loaded for a report only

    summary = summarize(w, history, staff, threshold, contracts(config))
    m = render.model(summary, lang, tz, names(config), config.facility.name)
    chart = render.chart_png(m)
    return Produced(summary, m, render.html(m), pdf_bytes(m, chart),
                    render.csv_text(summary, lang, tz, names(config)), chart,
                    render.promises_csv(summary, names(config)))


def recipients(config: Config, weekly: WeeklyReport) -> list[str]:
    """E-mail addresses: as given, or each named party's e-mail contacts."""
    found: list[str] = []
    for r in weekly.to:
        party = config.parties.get(r)
        found += [c.address for c in party.contacts if c.channel == "email"] if party else [r]
    return list(dict.fromkeys(found))


def mail(p: Produced, config: Config, to: list[str], sender: str, now: datetime) -> EmailMessage:
    lang, label = p.model.lang, p.summary.week.label
    msg = EmailMessage()
    msg["From"] = sender
    # Each recipient gets it on its own: the purchaser never sees the board's or another
    # party's address (Bcc is taken off by the SMTP client before the mail goes out).
    msg["To"] = "undisclosed-recipients:;"
    msg["Bcc"] = ", ".join(formataddr(("", a)) for a in to)
    msg["Subject"] = t(lang, "wk.subject", facility=config.facility.name, week=label)
    msg["Date"] = format_datetime(now)
    domain = parseaddr(sender)[1].rpartition("@")[2] or "escalator.invalid"
    # One Message-ID per facility and week: if the process dies after the server
    # accepted the mail but before `sent_at` was written, the resend carries the
    # same id and mail systems that deduplicate by it show the week once.
    msg["Message-ID"] = f"<weekly-{label}.{config.facility.id}@{domain}>"
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(f"{p.model.title}\n{p.model.period}\n\n{p.model.total}\n\n"
                    f"{t(lang, 'wk.mail_intro')}\n\n-- \n{p.model.footer}\n")
    msg.add_alternative(p.html, subtype="html")
    html_part = msg.get_body(("html",))
    assert isinstance(html_part, EmailMessage)
    html_part.add_related(p.chart, maintype="image", subtype="png", cid="<trend>",
                          filename="trend.png")
    stem = f"{config.facility.id}-{label}"
    msg.add_attachment(p.pdf, maintype="application", subtype="pdf", filename=f"{stem}.pdf")
    msg.add_attachment(p.csv.encode(), maintype="text", subtype="csv", filename=f"{stem}.csv")
    if p.summary.promises:
        msg.add_attachment(p.promises_csv.encode(), maintype="text", subtype="csv",
                           filename=f"{stem}-promises.csv")
    return msg
