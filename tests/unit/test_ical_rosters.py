"""Rosters from a staffing system's iCalendar export (tests/fixtures/ical/hoiva_shifts.ics).

The fixture is what such a system publishes for Lehtioja in spring 2027: a
daily night-shift series in Europe/Helsinki across the change to summer time
(Sunday 28 March 2027), one night taken out with EXDATE and given to a
substitute named only in the SUMMARY, a weekly day-shift series for the ward
(an ATTENDEE), an all-day on-call weekend for property maintenance, and one
night for a person escalator does not know.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from test_config_schema import schema_errors

from escalator.config import ConfigError, build_directory, load_config, load_config_text
from escalator.config.calendar_rosters import RosterFeed
from escalator.config.ical import CalendarError, read_calendar

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "ical" / "hoiva_shifts.ics"
HELSINKI = ZoneInfo("Europe/Helsinki")

CONFIG = """\
facility:
  id: lehtioja
  name: Lehtiojan palvelukeskus
  timezone: Europe/Helsinki
people:
  night-nurse:
    name: Anna Virtanen
    contact: [{email: anna.virtanen@lehtioja.example}]
  substitute:
    name: Mikko Korhonen
    contact: [{sms: "040 765 4321"}]
  ward-a:
    name: Ward A
    contact: [{telegram: -1001234567890}]
  maintenance:
    name: Property maintenance
    contact: [{sms: "+358 50 123 4567"}]
rosters:
  on-duty:
    ical: {file: shifts.ics}
    match:
      Osasto A: ward-a
      huolto@kiinteisto.example: maintenance
ladders:
  l:
    steps:
      - notify: [on-duty]
        escalate_after: 10 min
routes: [{ladder: l}]
"""


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=HELSINKI)


@pytest.fixture
def config_file(tmp_path):
    shutil.copy(FIXTURE, tmp_path / "shifts.ics")
    path = tmp_path / "escalator.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def on_duty(config, when: datetime) -> list[str]:
    directory = build_directory(config)
    return [r.party for r in directory.resolve("on-duty", when) if r.available]


@pytest.mark.parametrize(("when", "who"), [
    ("2027-03-26 23:00", ["night-nurse"]),   # a night of the daily series (ATTENDEE e-mail)
    ("2027-03-27 12:00", ["ward-a", "maintenance"]),  # the ward's day (match:), on-call day 1
    ("2027-03-28 03:30", ["night-nurse", "maintenance"]),  # 03:30 EET: before the clock jumps
    ("2027-03-28 06:59", ["night-nurse", "maintenance"]),  # summer time now; shift to 07:00
    ("2027-03-28 07:00", ["ward-a", "maintenance"]),  # 07:00 EEST = 04:00 UTC: the day shift
    ("2027-03-29 00:30", ["night-nurse"]),  # the all-day on-call ended at Monday midnight
    ("2027-03-31 23:00", ["substitute"]),  # EXDATE took Anna's night out; SUMMARY names Mikko
    ("2027-04-04 23:00", ["night-nurse"]),  # the series' last night (UNTIL)
])
def test_who_is_on_shift(config_file, when, who):
    config, _ = load_config(config_file, env={})
    assert sorted(on_duty(config, local(when))) == sorted(who)


def test_the_night_across_the_change_to_summer_time_is_nine_hours(config_file):
    config, _ = load_config(config_file, env={})
    calendar = config.rosters["on-duty"].calendar
    [night] = [s for s in calendar.between(local("2027-03-27 22:00"), local("2027-03-27 23:00"))
               if s.who == "night-nurse"]
    assert (night.start, night.end) == (datetime(2027, 3, 27, 19, tzinfo=UTC),
                                        datetime(2027, 3, 28, 4, tzinfo=UTC))


def test_nobody_known_on_shift_is_a_gap_not_a_guess(config_file):
    config, _ = load_config(config_file, env={})
    [reach] = build_directory(config).resolve("on-duty", local("2027-04-05 23:00"))
    assert not reach.available and "no_shift" in (reach.why or "")


def test_unknown_names_are_reported_at_their_line_of_the_calendar(config_file):
    _, warnings = load_config(config_file, env={})
    assert [w for w in warnings if "rosters." in w] == [
        f'{config_file}:20: rosters.on-duty.ical: shifts.ics:62: event '
        '"yovuoro-matti-20270405@hoivavuorot.example": "Matti Meikäläinen" matches nobody in '
        'people or match, so this shift calls no one (add it to match:, e.g. '
        '"Matti Meikäläinen": party-id)']


def test_without_match_the_events_it_maps_are_reported_too(config_file):
    text = CONFIG.replace("    match:\n      Osasto A: ward-a\n"
                          "      huolto@kiinteisto.example: maintenance\n", "")
    config_file.write_text(text, encoding="utf-8")
    _, warnings = load_config(config_file, env={})
    warnings = [w for w in warnings if "rosters." in w]
    assert [w.split(": event ")[0].rsplit(" ", 1)[1] for w in warnings] == [
        "shifts.ics:45", "shifts.ics:54", "shifts.ics:62"]
    assert '"Osasto A"' in warnings[0] and '"Huoltopäivystys"' in warnings[1]


def test_weekly_entries_and_a_calendar_together(config_file):
    text = CONFIG.replace("    ical: {file: shifts.ics}\n", "    ical: {file: shifts.ics}\n"
                          "    entries:\n      - {who: maintenance, when: \"ma-pe 7-15\"}\n")
    config_file.write_text(text, encoding="utf-8")
    config, _ = load_config(config_file, env={})
    assert sorted(on_duty(config, local("2027-03-29 08:00"))) == ["maintenance", "ward-a"]
    assert set(config.rosters["on-duty"].members) == {
        "maintenance", "night-nurse", "substitute", "ward-a"}


ERRORS = {
    "missing file": ("{file: shifts.ics}", "{file: nowhere.ics}",
                     "cfg.yaml:20: rosters.on-duty.ical.file: found \"nowhere.ics\" ("),
    "file and url": ("{file: shifts.ics}", "{file: shifts.ics, url: 'https://x.example/a.ics'}",
                     "cfg.yaml:20: rosters.on-duty.ical: give one of 'file' or 'url'"),
    "refresh too often": ("{file: shifts.ics}", "{url: 'https://x.example/a.ics', refresh: 5 s}",
                          'cfg.yaml:20: rosters.on-duty.ical.refresh: found "5 s", expected a '
                          "duration of at least 60 s"),
    "match to nobody": ("Osasto A: ward-a", "Osasto A: ward-b",
                        "cfg.yaml:22: rosters.on-duty.match.Osasto A: unknown party 'ward-b' "
                        "(did you mean 'ward-a'?)"),
    "unknown key": ("    ical: {file", "    icall: {file",
                    "cfg.yaml:20: rosters.on-duty: unknown key 'icall' (did you mean 'ical'?)"),
    "not a calendar": ("{file: shifts.ics}", "{file: garbage.ics}",
                       "cfg.yaml:20: rosters.on-duty.ical.file: found \"garbage.ics\" "
                       "(garbage.ics: not an iCalendar (it starts '<html><body>Kirjaudu"),
}


@pytest.mark.parametrize(("old", "new", "expected"), ERRORS.values(), ids=ERRORS.keys())
def test_errors_name_the_line(tmp_path, old, new, expected):
    shutil.copy(FIXTURE, tmp_path / "shifts.ics")
    (tmp_path / "garbage.ics").write_text("<html><body>Kirjaudu sisään</body></html>")
    assert CONFIG.count(old) == 1
    path = tmp_path / "cfg.yaml"
    path.write_text(CONFIG.replace(old, new), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path, env={})
    [problem] = caught.value.problems
    assert problem.startswith(f"{tmp_path}/{expected}"), problem


def test_a_url_roster_is_a_feed_for_the_service(tmp_path):
    text = CONFIG.replace("{file: shifts.ics}",
                          '{url: "https://vuorot.example/lehtioja.ics", refresh: 5 min}')
    config, _ = load_config_text(text, env={})
    assert config.roster_feeds == {"on-duty": RosterFeed(
        "on-duty", "https://vuorot.example/lehtioja.ics", refresh=config.roster_feeds[
            "on-duty"].refresh, match=(("Osasto A", "ward-a"),
                                      ("huolto@kiinteisto.example", "maintenance")))}
    assert config.roster_feeds["on-duty"].refresh.total_seconds() == 300
    assert config.rosters["on-duty"].calendar is None  # fetched by the running service
    assert set(config.rosters["on-duty"].members) == {"ward-a", "maintenance"}


def test_the_schema_accepts_calendar_rosters_and_refuses_file_and_url():
    assert schema_errors(CONFIG) == []
    assert schema_errors(CONFIG.replace("{file: shifts.ics}",
                                        "{url: 'https://x.example/a.ics', refresh: 15 min}")) == []
    assert schema_errors(CONFIG.replace("{file: shifts.ics}", "{}")) != []
    assert schema_errors(CONFIG.replace("    ical: {file", "    icall: {file")) != []


@pytest.mark.parametrize("text", ["", "<html></html>", "BEGIN:VCALENDAR\nBEGIN:VEVENT\n",
                                  "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\n"
                                  "DTSTART:20270101T000000Z\r\nRRULE:FREQ=NEVER\r\n"
                                  "END:VEVENT\r\nEND:VCALENDAR\r\n"])
def test_what_is_not_a_calendar_raises_calendar_error(text):
    with pytest.raises(CalendarError):
        read_calendar(text, source="x", parties={}, match={}, zone=HELSINKI)


def test_refresh_on_a_file_is_warned_about(config_file):
    text = CONFIG.replace("{file: shifts.ics}", "{file: shifts.ics, refresh: 5 min}")
    config_file.write_text(text, encoding="utf-8")
    _, warnings = load_config(config_file, env={})
    assert f"{config_file}:20: rosters.on-duty.ical.refresh: 'refresh' is for a calendar at " \
           "a url; a file is read at start and at every reload (SIGHUP)" in warnings


def test_text_checked_in_hand_finds_the_calendar_beside_its_file(config_file, monkeypatch,
                                                                 tmp_path_factory):
    """The editor checks the text it holds, named by its path: shifts.ics is beside it."""
    monkeypatch.chdir(tmp_path_factory.mktemp("elsewhere"))
    config, _ = load_config_text(CONFIG, filename=str(config_file), env={})
    assert config.rosters["on-duty"].calendar is not None


def test_the_board_shows_who_now_who_next_and_where_the_shifts_come_from(config_file):
    from escalator.entrypoints.http.board import duty

    config, _ = load_config(config_file, env={})
    [roster] = duty.rosters(config, build_directory(config), local("2027-04-05 20:00"))
    assert roster.label == "on-duty (shifts.ics)"
    assert roster.now == ("Ward A",)
    assert (roster.next_names, roster.next_at) == ((), local("2027-04-05 21:00"))  # Matti's
    assert not roster.gap  # ... unknown night is the gap to come, shown as "nobody from"
