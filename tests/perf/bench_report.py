"""Benchmark of the weekly summary on SQLite; prints a table, never asserts a time.

    .venv/bin/python tests/perf/bench_report.py [--facilities 50] [--weeks 52]

Generates a year of history in the shape the service writes (incidents, their
timeline and delivery log, safety records): 193 alarms a week per facility,
so 50 facilities make 501,800 incidents. Then it times the
summary of one week end to end (read from the store, figures, HTML, PDF, CSV,
chart), for

1. one facility's own store with its year (the normal deployment), and
2. one store holding all 50 facilities' years: the summary then covers every
   alarm of that week (50 times a facility's), an upper bound for a shared
   database.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1]))

from support import TOKENS, config_text  # noqa: E402

from escalator.config import load_config_text  # noqa: E402
from escalator.reports import data, produce, render  # noqa: E402
from escalator.reports.pdf import pdf_bytes  # noqa: E402
from escalator.reports.weekly import summarize, week  # noqa: E402
from escalator.storage import open_store  # noqa: E402
from escalator.storage.rows import ts  # noqa: E402

PER_WEEK = 193  # alarms a week in one facility (~27 a day: a busy care home)
CODES = ("FT", "YX", "AT", "BT", "FA", "WA", "YT", "PA")
PARTIES = ("ward-a", "night-nurse", "alarm-vendor", "contractor", "maintenance")
END = datetime(2026, 11, 30, tzinfo=UTC)


def incident_rows(fac: int, n: int, weeks: int, rnd: random.Random):
    """Yield (incident, timeline rows, delivery rows, safety rows) for one facility."""
    start = END - timedelta(weeks=weeks)
    span = (END - start).total_seconds()
    for _ in range(n):
        opened = start + timedelta(seconds=rnd.random() * span)
        code, point = rnd.choice(CODES), f"f{fac}-point-{rnd.randrange(40)}"
        ward = "ward-a" if 7 <= opened.hour < 19 else "night-nurse"
        tl = [(opened, "OPENED", None, "{}"), (opened, "FIRST", ward, "")]
        dl = [(ward, "FIRST", 0, opened, "telegram")]
        t = opened + timedelta(minutes=rnd.randint(1, 20))
        kind = rnd.random()
        safety = []
        if kind < 0.2:  # escalated to the vendor, who takes it
            tl.append((opened + timedelta(minutes=10), "ESCALATED", "alarm-vendor", ""))
            dl.append(("alarm-vendor", "ESCALATED", 1, opened + timedelta(minutes=10), "email"))
            t = opened + timedelta(minutes=10 + rnd.randint(1, 30))
            tl.append((t, "ACKED", "alarm-vendor", json.dumps({"by": "vendor"})))
        elif kind < 0.3:  # a false alarm
            tl.append((t, "FALSE_ALARM", ward, json.dumps({"by": "nurse"})))
        elif kind < 0.31:  # nobody took it
            t = opened + timedelta(hours=2)
            tl.append((t, "EXHAUSTED", None, json.dumps({"cause": "nobody_acknowledged"})))
            safety.append(("nobody_acknowledged", t, json.dumps({"walks": 3})))
        else:
            tl.append((t, "ACKED", ward, json.dumps({"by": "nurse"})))
        resolved = t + timedelta(minutes=rnd.randint(5, 360))
        open_now = resolved > END
        if not open_now:
            tl.append((resolved, "CLEARED", None, ""))
        yield ((f"terminal-{fac}", code, point, opened, None if open_now else resolved),
               tl, dl, safety)


async def _schema(path: str) -> None:
    store = open_store(f"sqlite:///{path}")
    await store.open()
    await store.close()


def generate(path: str, facilities: int, weeks: int) -> int:
    """Write the history straight into a store made by the service's own schema."""
    asyncio.run(_schema(path))
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous=OFF")
    rnd = random.Random(7)
    total = 0
    next_id = 1
    for fac in range(facilities):
        incs, tls, dls, sfs = [], [], [], []
        for (source, code, point, opened, resolved), tl, dl, sf in incident_rows(
                fac, PER_WEEK * weeks, weeks, rnd):
            iid = next_id
            next_id += 1
            state = "open" if resolved is None else "resolved"
            incs.append((iid, source, code, point, "", "high", "technical-fault", state,
                         f"{source}\x1f{code}\x1f{point}\x1f{iid}", ts(opened), ts(opened), 1, 0,
                         0, ts(opened), ts(opened), 0, "[]", ts(resolved),
                         "source" if resolved else None))
            tls += [(iid, ts(at), reason, party, detail, 0) for at, reason, party, detail in tl]
            dls += [(iid, party, reason, step, 0, "", 0, "sent", 0, 1, ts(at), ts(at), ts(at),
                     channel) for party, reason, step, at, channel in dl]
            sfs += [(iid, cause, ts(at), detail) for cause, at, detail in sf]
        conn.executemany(
            "INSERT INTO incidents (id, source, code, point, text, severity, ladder, state,"
            " dedup_key, opened_at, last_seen_at, count, esc_loop, esc_step,"
            " esc_step_started_at, esc_last_notified_at, esc_exhausted, notified, resolved_at,"
            " resolved_by) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", incs)
        conn.executemany("INSERT INTO timeline (incident_id, at, reason, party, detail, step)"
                         " VALUES (?,?,?,?,?,?)", tls)
        conn.executemany(
            "INSERT INTO deliveries (incident_id, party, reason, step, loop, detail, is_update,"
            " status, contact_index, attempts, next_attempt_at, created_at, sent_at, channel)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", dls)
        conn.executemany("INSERT INTO safety_incidents (incident_id, cause, at, detail)"
                         " VALUES (?,?,?,?)", sfs)
        conn.commit()
        total += len(incs)
    conn.execute("ANALYZE")
    conn.commit()
    conn.close()
    return total


async def time_report(path: str) -> dict[str, float]:
    # the vendor's contract promises (the summary's promise table over 12 weeks)
    text = config_text(f"sqlite:///{path}").replace(
        "    name: Security company fault hotline\n",
        "    name: Security company fault hotline\n"
        "    promise: {answer_within: 15 min, on_site_within: 4 h, cleared_within: 24 h}\n")
    cfg, _ = load_config_text(text, env=TOKENS)
    contracts = produce.contracts(cfg)
    store = open_store(f"sqlite:///{path}")
    await store.open()
    tz, staff = cfg.facility.timezone, data.care_staff(cfg)
    names = {p: x.name for p, x in cfg.parties.items()}
    w = week("2026-W48", tz)
    got: dict[str, float] = {}
    cpu0 = time.process_time()  # every thread: the store's thread does the SQL
    t0 = time.perf_counter()
    history = await store.transaction(lambda tx: data.history(tx, w, tz, staff, END, (),
                                                                   sorted(contracts)))
    got["read"] = time.perf_counter() - t0
    t = time.perf_counter()
    summary = summarize(w, history, staff, 2, contracts)
    got["figures"] = time.perf_counter() - t
    t = time.perf_counter()
    m = render.model(summary, "fi", tz, names, cfg.facility.name)
    html = render.html(m)
    csv_text = render.csv_text(summary, "fi", tz, names) + render.promises_csv(summary, names)
    got["html+csv"] = time.perf_counter() - t
    t = time.perf_counter()
    chart = render.chart_png(m)
    got["chart"] = time.perf_counter() - t
    t = time.perf_counter()
    pdf = pdf_bytes(m, chart)
    got["pdf"] = time.perf_counter() - t
    got["total"] = time.perf_counter() - t0
    got["cpu"] = time.process_time() - cpu0
    got["alarms"] = summary.total
    got["bytes"] = len(html) + len(pdf) + len(csv_text)
    await store.close()
    return got


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--facilities", type=int, default=50)
    ap.add_argument("--weeks", type=int, default=52)
    ap.add_argument("--keep", help="keep the generated stores in this directory and reuse them")
    ap.add_argument("--profile", action="store_true", help="print where the time goes")
    args = ap.parse_args()
    import matplotlib.pyplot  # noqa: F401 - a running service has imported it once already
    import reportlab.platypus  # noqa: F401

    with tempfile.TemporaryDirectory() as scratch:
        tmp = args.keep or scratch
        rows = []
        for label, facilities in (("one facility's store", 1),
                                  (f"{args.facilities} facilities in one store",
                                   args.facilities)):
            path = f"{tmp}/{facilities}x{args.weeks}.db"
            t = time.perf_counter()
            if Path(path).exists():
                n = sqlite3.connect(path).execute("SELECT COUNT(*) FROM incidents").fetchone()[0]
                asyncio.run(_schema(path))  # indexes added since it was made
            else:
                n = generate(path, facilities, args.weeks)
            made = time.perf_counter() - t
            if args.profile:
                import cProfile
                import pstats

                prof = cProfile.Profile()
                prof.enable()
                asyncio.run(time_report(path))
                prof.disable()
                pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
            size = Path(path).stat().st_size / 1e6
            got = asyncio.run(time_report(path))
            rows.append((label, n, size, made, got))
        print(f"\nweekly summary of 2026-W48 on SQLite ({args.weeks} weeks of history)\n")
        print(f"{'store':<28}{'incidents':>10}{'MB':>7}{'alarms':>8}{'read':>7}"
              f"{'figures':>8}{'html+csv':>9}{'chart':>7}{'pdf':>6}{'total s':>9}{'CPU s':>7}")
        for label, n, size, _, got in rows:
            print(f"{label:<28}{n:>10,}{size:>7.0f}{int(got['alarms']):>8,}{got['read']:>7.2f}"
                  f"{got['figures']:>8.2f}{got['html+csv']:>9.2f}{got['chart']:>7.2f}"
                  f"{got['pdf']:>6.2f}{got['total']:>9.2f}{got['cpu']:>7.2f}")
        label, n, _, _, got = rows[-1]
        print(f"\none weekly report over {n:,} incidents: {got['total']:.2f} s"
              f" ({got['cpu']:.2f} s of CPU; target: under 5 s)")
        print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        print("\n(generation: " + ", ".join(f"{label} {made:.0f} s" for label, _, _, made, _
                                              in rows) + ")")


if __name__ == "__main__":
    main()
