"""Roster calendar figures; run by hand, never as timed assertions in CI.

    .venv/bin/python tests/perf/bench_rosters.py [staff]

A year of a care home's shifts as a staffing system exports them: three
shifts a day, each its own VEVENT with an ATTENDEE, for `staff` people in
turn (about 1,100 events, ~400 KB), plus one daily RRULE series. Measured:
reading and matching the file, the first lookup of a day (its recurrences
expanded), later lookups (remembered), and the board's one-week scan of a
roster (672 lookups at 15-minute steps).
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from escalator.config.ical import read_calendar
from escalator.domain.availability import Contact, Directory, Party, Roster

HELSINKI = ZoneInfo("Europe/Helsinki")
SHIFTS = ((7, 14), (14, 21), (21, 7))


def calendar(staff: int) -> str:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//bench//EN"]
    day0 = datetime(2027, 1, 1)
    n = 0
    for d in range(365):
        for start, end in SHIFTS:
            begin = day0 + timedelta(days=d, hours=start)
            finish = day0 + timedelta(days=d + (end < start), hours=end)
            who = n % staff
            n += 1
            lines += ["BEGIN:VEVENT", f"UID:shift-{n}@bench", "DTSTAMP:20261201T000000Z",
                      f"DTSTART;TZID=Europe/Helsinki:{begin:%Y%m%dT%H%M%S}",
                      f"DTEND;TZID=Europe/Helsinki:{finish:%Y%m%dT%H%M%S}",
                      "SUMMARY:Vuoro", f"ATTENDEE;CN=Hoitaja {who}:mailto:h{who}@x.example",
                      "END:VEVENT"]
    lines += ["BEGIN:VEVENT", "UID:oncall@bench", "DTSTAMP:20261201T000000Z",
              "DTSTART;TZID=Europe/Helsinki:20270101T080000",
              "DTEND;TZID=Europe/Helsinki:20270101T160000", "RRULE:FREQ=DAILY",
              "SUMMARY:Päivystys: Hoitaja 0", "END:VEVENT", "END:VCALENDAR"]
    return "\r\n".join(lines) + "\r\n"


def main(staff: int) -> None:
    text = calendar(staff)
    parties = {f"h{i}": Party(f"h{i}", f"Hoitaja {i}", (Contact("email", f"h{i}@x.example"),))
               for i in range(staff)}
    t0 = time.perf_counter()
    cal = read_calendar(text, source="bench.ics", parties=parties, match={}, zone=HELSINKI)
    read = time.perf_counter() - t0
    directory = Directory(parties, {"r": Roster("r", (), cal)}, HELSINKI)
    at = datetime(2027, 6, 15, 10, 0, tzinfo=UTC)
    t0 = time.perf_counter()
    directory.resolve("r", at)
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    for _ in range(1000):
        directory.resolve("r", at)
    again = (time.perf_counter() - t0) / 1000
    t0 = time.perf_counter()
    for k in range(672):
        directory.resolve("r", at + timedelta(minutes=15 * k))
    scan = time.perf_counter() - t0
    print("| staff | events | bytes | read+match | first lookup of a day | later lookup |"
          " board week scan |")
    print("|---|---|---|---|---|---|---|")
    print(f"| {staff} | {len(cal.unmatched) + 365 * 3 + 1:,} | {len(text):,} | "
          f"{read * 1000:,.0f} ms | {first * 1000:,.1f} ms | {again * 1e6:,.1f} µs | "
          f"{scan * 1000:,.0f} ms |")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 12)
