"""The configuration loader: what it builds, and the exact line of every problem.

Each error case is one small edit of BASE and the one problem it must cause,
with file, line, path and the expected text, because that line is all a
facility manager gets to fix the file with.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from escalator.config import Config, ConfigError, load_config, load_config_text
from escalator.domain.availability import Contact

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "config" / "example.yaml"

BASE = """\
facility:
  id: demo
  name: Demo house
  timezone: Europe/Helsinki
  language: fi
  holidays: FI
  closed_days: [2026-06-01]

http:
  listen: 127.0.0.1:8080
  public_url: http://localhost:8080/
  link_ttl: 7d

storage: "sqlite:///:memory:"

sources:
  terminal:
    kind: webhook
    token_env: TERMINAL_TOKEN
    heartbeat_timeout: 15m
    ladder: fault

people:
  ward:
    name: Ward nurse
    telegram_user: [1001, 1002]
    contact:
      - telegram: -100123
      - sms: "+358 40 123 4567"
  vendor:
    name: Vendor
    hours: Mon-Fri 07:00-16:00
    absent: ["2026-12-24..2026-12-26"]
    open_on_holidays: false
    language: en
    contact:
      - email: duty@vendor.example
      - webhook: https://vendor.example/hook
        secret_env: VENDOR_SECRET
  night:
    name: Night nurse
    contact:
      - telegram: "@night_nurse"

rosters:
  on-duty:
    - {who: ward, when: "Mon-Sun 07:00-21:00"}
    - {who: night, when: "Mon-Sun 21:00-07:00"}

ladders:
  fault:
    steps:
      - notify: [on-duty]
        repeat_every: 5m
        escalate_after: 10m
      - notify: [vendor, night]
        escalate_after: 1h
    loops: 1
    on_exhausted: [ward]

routes:
  - match: {code: [FT, 130], source: terminal}
    ladder: fault
    false_alarm_clear_within: 4h
    clears: [vendor]
  - ladder: fault

channels:
  telegram: {token_env: TG_TOKEN, mode: polling, staff_users: [1001]}
  email: {host: smtp.example, port: 587, security: starttls, username_env: SMTP_USER}
  sms: {preset: generic, url: "https://sms.example/send", method: POST, body: json,
        auth_header_env: SMS_AUTH, params: {sender: Demo}}
"""

ENV = {name: "x" for name in (
    "ESCALATOR_API_TOKEN", "ESCALATOR_SECRET_KEY", "TERMINAL_TOKEN", "VENDOR_SECRET",
    "TG_TOKEN", "SMTP_USER", "SMS_AUTH")}


def edit(*changes: tuple[str, str]) -> str:
    """BASE with each `old` (which must occur exactly once) replaced by `new`."""
    text = BASE
    for old, new in changes:
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
        text = text.replace(old, new)
    return text


def load(text: str, **kwargs: object) -> tuple[Config, list[str]]:
    kwargs.setdefault("env", ENV)
    return load_config_text(text, filename="cfg.yaml", **kwargs)  # type: ignore[arg-type]


def problems_of(text: str, **kwargs: object) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load(text, **kwargs)
    return caught.value.problems


# --- what a valid file builds ------------------------------------------------


def test_base_loads_without_warnings():
    config, warnings = load(BASE)
    assert warnings == []
    assert config.path is None
    assert config.facility.id == "demo"
    assert config.facility.holidays == "FI"
    assert config.facility.closed_days == (date(2026, 6, 1),)
    assert config.storage == "sqlite:///:memory:"


def test_http_settings_and_defaults():
    config, _ = load(BASE)
    assert (config.http.host, config.http.port) == ("127.0.0.1", 8080)
    assert config.http.public_url == "http://localhost:8080"  # trailing slash dropped
    assert config.http.link_ttl == timedelta(days=7)
    assert config.http.api_token_env == "ESCALATOR_API_TOKEN"

    config, _ = load(edit(("  listen: 127.0.0.1:8080\n  public_url: http://localhost:8080/\n",
                           "  listen: 0.0.0.0:9000\n")))
    assert config.http.public_url == "http://0.0.0.0:9000"


def test_sources_are_built():
    config, _ = load(BASE)
    source = config.sources["terminal"]
    assert (source.kind, source.token_env, source.ladder) == ("webhook", "TERMINAL_TOKEN", "fault")
    assert source.heartbeat_timeout == timedelta(minutes=15)


def test_parties_are_built():
    config, _ = load(BASE)
    ward, vendor, night = (config.parties[p] for p in ("ward", "vendor", "night"))
    assert ward.contacts == (Contact("telegram", "-100123"), Contact("sms", "+358401234567"))
    assert ward.telegram_users == (1001, 1002)
    assert ward.hours is None and ward.open_on_holidays is None and ward.language is None
    assert vendor.contacts[1] == Contact("webhook", "https://vendor.example/hook",
                                         (("secret_env", "VENDOR_SECRET"),))
    assert vendor.hours is not None and vendor.hours.text == "Mon-Fri 07:00-16:00"
    assert [p.text for p in vendor.absent] == ["2026-12-24..2026-12-26"]
    assert (vendor.open_on_holidays, vendor.language) == (False, "en")
    assert night.contacts == (Contact("telegram", "@night_nurse"),)


def test_single_telegram_user_is_a_tuple():
    config, _ = load(edit(("telegram_user: [1001, 1002]", "telegram_user: 1001")))
    assert config.parties["ward"].telegram_users == (1001,)


def test_rosters_ladders_and_routes_are_built():
    config, _ = load(BASE)
    assert [e.who for e in config.rosters["on-duty"].entries] == ["ward", "night"]
    ladder = config.ladders["fault"]
    assert [s.notify for s in ladder.steps] == [("on-duty",), ("vendor", "night")]
    assert ladder.steps[0].repeat_every == timedelta(minutes=5)
    assert ladder.steps[1].escalate_after == timedelta(hours=1)
    assert ladder.steps[1].repeat_every is None
    assert (ladder.loops, ladder.on_exhausted) == (1, ("ward",))
    first, catch_all = config.routes
    assert first.codes == ("FT", "130")  # a numeric YAML code becomes text
    assert first.sources == ("terminal",)
    assert first.false_alarm_clear_within == timedelta(hours=4)
    assert first.clears == ("vendor",) and catch_all.clears == ()
    assert (first.ack_timeout, first.eta_grace, first.reopen_within) == (None, None, None)
    assert ladder.rewalk_every == timedelta(hours=1)  # the default
    assert (catch_all.codes, catch_all.sources, catch_all.ladder) == ((), (), "fault")


def test_single_strings_for_lists():
    config, _ = load(edit(("notify: [vendor, night]", "notify: vendor"),
                          ("{code: [FT, 130], source: terminal}", "{code: FT}")))
    assert config.ladders["fault"].steps[1].notify == ("vendor",)
    assert config.routes[0].codes == ("FT",)


def test_channels_are_plain_dicts_with_defaults():
    config, _ = load(BASE)
    assert config.channels["telegram"] == {
        "api_url": "https://api.telegram.org", "token_env": "TG_TOKEN", "mode": "polling",
        "staff_users": [1001]}
    assert config.channels["email"]["port"] == 587
    assert config.channels["sms"]["params"] == {"sender": "Demo"}
    assert type(config.channels["sms"]) is dict


def test_minimal_file_gets_defaults():
    text = ("facility: {id: x, name: X}\npeople: {a: {name: A, contact: [{email: a@b.c}]}}\n"
            "ladders: {l: {steps: [{notify: [a], escalate_after: 5m}]}}\nroutes: [{ladder: l}]\n")
    config, warnings = load(text)
    assert config.facility.timezone == "Europe/Helsinki"
    assert config.facility.language == "fi"
    assert config.facility.holidays is None
    assert config.storage == "sqlite:///escalator.db"
    assert config.http.public_url == "http://127.0.0.1:8080"
    assert config.sources == {} and config.rosters == {} and config.channels == {}
    assert config.ladders["l"].loops == 0 and config.ladders["l"].on_exhausted == ()
    assert warnings == []


@pytest.mark.parametrize("url", [
    "sqlite:///relative.db", "sqlite:////abs/path.db", "sqlite:///:memory:",
    "postgresql://user@host/db", "postgres://user:pw@host:5432/db"])
def test_storage_urls_are_kept_unchanged(url):
    config, _ = load(edit(('storage: "sqlite:///:memory:"', f'storage: "{url}"')))
    assert config.storage == url


def test_example_file_loads():
    config, warnings = load_config(str(EXAMPLE), env={
        "ESCALATOR_API_TOKEN": "a", "ESCALATOR_SECRET_KEY": "b", "ESCALATOR_TERMINAL_TOKEN": "c"})
    assert warnings == []
    assert config.path == str(EXAMPLE)
    assert set(config.parties) == {"ward-a", "alarm-vendor", "contractor", "maintenance",
                                   "night-nurse", "manager"}
    assert config.ladders["technical-fault"].loops == 2
    assert len(config.routes) == 2


def test_missing_file_is_a_config_error(tmp_path):
    missing = tmp_path / "nope.yaml"
    with pytest.raises(ConfigError) as caught:
        load_config(missing)
    assert caught.value.problems == [f"{missing}: cannot read the file: No such file or directory"]


def test_file_errors_name_the_file(tmp_path):
    path = tmp_path / "facility.yaml"
    path.write_text(edit(("loops: 1", "loops: -1")), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path, env=ENV)
    assert caught.value.problems == [
        f"{path}:58: ladders.fault.loops: found -1, expected a whole number of at least 0"]


# --- one broken edit, one exact problem ---------------------------------------

DURATION = "a duration like 30s, 5m, 5 min, 1 h 30 min, 2 t or 1d"
HOURS = ('opening hours like "Mon-Fri 07:00-16:00", "ma-pe 7.00-16.00" '
         'or "må-fre 7-16" (several joined with ",")')
PERIOD = ('a date "2026-12-24", a range "2026-12-24..2026-12-26" '
          'or "2026-12-24T08:00..2026-12-24T16:00"')
ENV_NAME = "an environment variable name like ESCALATOR_TOKEN (A-Z, 0-9, _)"
PHONE = 'a phone number like "+358 41 2345678" or, dialled in FI, "041 2345678" (in quotes)'
HIDDEN = "text of {} characters (not shown: it may be a secret)"

ERRORS = {
    # durations
    "duration": ([("escalate_after: 1h", "escalate_after: 10x")],
                 'cfg.yaml:57: ladders.fault.steps[1].escalate_after: found "10x" '
                 f"(unknown unit 'x': use s, min, h or d), expected {DURATION}"),
    "duration without unit": ([("escalate_after: 1h", "escalate_after: 10")],
                              "cfg.yaml:57: ladders.fault.steps[1].escalate_after: found 10 "
                              f"(a number without a unit), expected {DURATION}"),
    "zero duration": ([("link_ttl: 7d", "link_ttl: 0s")],
                      'cfg.yaml:12: http.link_ttl: found "0s", '
                      "expected a duration longer than zero"),
    "empty duration": ([("repeat_every: 5m", "repeat_every:")],
                       "cfg.yaml:54: ladders.fault.steps[0].repeat_every: found an empty value, "
                       f"expected {DURATION}"),
    # keys
    "unknown key": ([("escalate_after: 1h", "escalate_afer: 1h")],
                    "cfg.yaml:57: ladders.fault.steps[1]: unknown key 'escalate_afer' "
                    "(did you mean 'escalate_after'?)"),
    "missing key": ([("      - notify: [vendor, night]\n        escalate_after: 1h\n",
                      "      - notify: [vendor, night]\n")],
                    "cfg.yaml:56: ladders.fault.steps[1]: missing required key 'escalate_after'"),
    "unknown top-level key": ([("channels:", "chanels:")],
                              "cfg.yaml:68: unknown key 'chanels' (did you mean 'channels'?)"),
    "duplicate key": ([("  name: Demo house\n", "  name: Demo house\n  name: Other\n")],
                      "cfg.yaml:4: duplicate key 'name', first at line 3"),
    # facility
    "facility id": ([("id: demo", "id: Demo House")],
                    'cfg.yaml:2: facility.id: found "Demo House", expected a short lowercase id '
                    "like lehtioja (a-z, 0-9, '-', '_')"),
    "facility name missing": ([("  name: Demo house\n", "")],
                              "cfg.yaml:1: facility: missing required key 'name'"),
    "timezone": ([("timezone: Europe/Helsinki", "timezone: Europe/Helsinky")],
                 'cfg.yaml:4: facility.timezone: found "Europe/Helsinky", expected a time zone '
                 "name like Europe/Helsinki (did you mean 'Europe/Helsinki'?)"),
    "language": ([("language: fi", "language: de")],
                 "cfg.yaml:5: facility.language: found \"de\", expected 'fi', 'sv' or 'en'"),
    "holidays Norway": ([("holidays: FI", "holidays: NO")],
                        "cfg.yaml:6: facility.holidays: found false (YAML reads NO as false: "
                        'write "NO" in quotes for Norway), expected a country code like FI or '
                        "SE, or null for no public holidays"),
    "holidays unknown": ([("holidays: FI", "holidays: QQ")],
                         'cfg.yaml:6: facility.holidays: found "QQ", expected a country code '
                         "like FI or SE, or null for no public holidays"),
    "closed day": ([("closed_days: [2026-06-01]", "closed_days: [2026-13-01]")],
                   'cfg.yaml:7: facility.closed_days[0]: found "2026-13-01", '
                   "expected a date like 2026-12-24"),
    # http and storage
    "listen": ([("listen: 127.0.0.1:8080", "listen: localhost")],
               'cfg.yaml:10: http.listen: found "localhost", '
               "expected HOST:PORT like 127.0.0.1:8080"),
    "public url": ([("public_url: http://localhost:8080/", "public_url: localhost:8080")],
                   'cfg.yaml:11: http.public_url: found "localhost:8080", '
                   "expected an http:// or https:// URL"),
    "http env name": ([("  link_ttl: 7d\n", "  link_ttl: 7d\n  secret_env: secret\n")],
                      f"cfg.yaml:13: http.secret_env: found {HIDDEN.format(6)}, "
                      f"expected {ENV_NAME}"),
    "storage": ([('storage: "sqlite:///:memory:"', "storage: mysql://db")],
                'cfg.yaml:14: storage: found "mysql://db", expected a storage URL: '
                "sqlite:///relative.db, sqlite:////abs/path.db, sqlite:///:memory: or "
                "postgresql://user@host/dbname"),
    # sources
    "source kind keys": ([("kind: webhook\n    token_env: TERMINAL_TOKEN",
                           "kind: sia\n    listen: 0.0.0.0:5000\n    accounts: [{account: 12}]")],
                         'cfg.yaml:20: sources.terminal.accounts[0].account: found 12, expected '
                         'an account number of 3 to 16 hex digits, in quotes: "1234"'),
    "source kind unknown": ([("kind: webhook", "kind: webhok")],
                            'cfg.yaml:18: sources.terminal.kind: found "webhok", expected '
                            "'webhook', 'poll', 'sia', 'espa', 'email', 'mqtt', 'bacnet', "
                            "'modbus' or 'opcua' (did you mean 'webhook'?)"),
    "source token missing": ([("    token_env: TERMINAL_TOKEN\n", "")],
                             "cfg.yaml:17: sources.terminal: missing required key 'token_env'"),
    "source token env": ([("token_env: TERMINAL_TOKEN", "token_env: terminal-token")],
                         f"cfg.yaml:19: sources.terminal.token_env: found {HIDDEN.format(14)}, "
                         f"expected {ENV_NAME}"),
    "source ladder": ([("15m\n    ladder: fault", "15m\n    ladder: faul")],
                      "cfg.yaml:21: sources.terminal.ladder: unknown ladder 'faul' "
                      "(did you mean 'fault'?)"),
    # people
    "party name missing": ([("    name: Night nurse\n", "")],
                           "cfg.yaml:40: people.night: missing required key 'name'"),
    "contact channel typo": ([("- email: duty@vendor.example", "- emial: duty@vendor.example")],
                             "cfg.yaml:37: people.vendor.contact[0]: unknown key 'emial' "
                             "(did you mean 'email'?)"),
    "email": ([("duty@vendor.example", "duty.vendor.example")],
              'cfg.yaml:37: people.vendor.contact[0].email: found "duty.vendor.example", '
              "expected an email address like name@example.com"),
    "sms unquoted": ([('- sms: "+358 40 123 4567"', "- sms: +358401234567")],
                     "cfg.yaml:29: people.ward.contact[1].sms: found 358401234567 (a number: "
                     "YAML drops the '+' and a leading 0, so quote phone numbers), "
                     f"expected {PHONE}"),
    "sms short": ([('"+358 40 123 4567"', '"+358 40"')],
                  'cfg.yaml:29: people.ward.contact[1].sms: found "+358 40" '
                  f"(too short for +358 (FI)), expected {PHONE}"),
    "sms national too short": ([('"+358 40 123 4567"', '"040 123"')],
                               'cfg.yaml:29: people.ward.contact[1].sms: found "040 123" '
                               f"(no such number range for FI), expected {PHONE}"),
    "sms not a number": ([('"+358 40 123 4567"', '"ward phone"')],
                         'cfg.yaml:29: people.ward.contact[1].sms: found "ward phone" '
                         "(only digits, spaces, '+', '-' and brackets), "
                         f"expected {PHONE}"),
    "facility country": ([("  holidays: FI\n", "  holidays: FI\n  country: Finland\n")],
                         'cfg.yaml:7: facility.country: found "Finland", expected a country '
                         "code like FI or SE (phone numbers without '+' are read as dialled "
                         "there)"),
    "telegram": ([("- telegram: -100123", "- telegram: ward-chat")],
                 'cfg.yaml:28: people.ward.contact[0].telegram: found "ward-chat", expected a '
                 "Telegram chat id (a number, negative for groups) or a @username"),
    "webhook url": ([("webhook: https://vendor", "webhook: ftp://vendor")],
                    'cfg.yaml:38: people.vendor.contact[1].webhook: found '
                    '"ftp://vendor.example/hook", expected an http:// or https:// URL'),
    "secret_env on email": ([("- email: duty@vendor.example",
                              "- {email: duty@vendor.example, secret_env: X}")],
                            "cfg.yaml:37: people.vendor.contact[0]: key 'secret_env' is only "
                            "for 'webhook' contacts"),
    "webhook secret env": ([("secret_env: VENDOR_SECRET", "secret_env: vendor")],
                           "cfg.yaml:39: people.vendor.contact[1].secret_env: found "
                           f"{HIDDEN.format(6)}, expected {ENV_NAME}"),
    "two channels": ([('- telegram: "@night_nurse"', '- {telegram: "@night_nurse", sms: "1"}')],
                     "cfg.yaml:43: people.night.contact[0]: found 2 channels (telegram, sms), "
                     "expected one channel per list item: write each as its own '- ' item"),
    "no channel": ([('- telegram: "@night_nurse"', "- {}")],
                   "cfg.yaml:43: people.night.contact[0]: found no channel, expected one of "
                   "'telegram', 'email', 'sms', 'webhook', 'voice', 'dect' or 'pager'"),
    "contact not a list": ([('    contact:\n      - telegram: "@night_nurse"',
                             "    contact: night@x.example")],
                           'cfg.yaml:42: people.night.contact: found "night@x.example", expected '
                           "a list of contacts, each a contact like {email: name@example.com}"),
    "hours": ([("hours: Mon-Fri", "hours: Mon-Fry")],
              'cfg.yaml:32: people.vendor.hours: found "Mon-Fry 07:00-16:00" '
              "(unknown day 'Fry' (days are Mon..Sun, ma..su or må..sö)), "
              f"expected {HOURS}"),
    "absent": ([("2026-12-24..2026-12-26", "2026-12-26..2026-12-24")],
               'cfg.yaml:33: people.vendor.absent[0]: found "2026-12-26..2026-12-24" '
               f"('2026-12-26..2026-12-24' ends before it starts), expected {PERIOD}"),
    "open_on_holidays": ([("open_on_holidays: false", "open_on_holidays: maybe")],
                         'cfg.yaml:34: people.vendor.open_on_holidays: found "maybe", '
                         "expected true or false"),
    "party language": ([("language: en", "language: english")],
                       'cfg.yaml:35: people.vendor.language: found "english", '
                       "expected 'fi', 'sv' or 'en'"),
    "telegram_user": ([("[1001, 1002]", "[1001, true]")],
                      "cfg.yaml:26: people.ward.telegram_user[1]: found true, "
                      "expected a whole number"),
    "party unknown key": ([("    language: en\n", "    languages: en\n")],
                          "cfg.yaml:35: people.vendor: unknown key 'languages' "
                          "(did you mean 'language'?)"),
    # rosters
    "roster who": ([("{who: night,", "{who: nigth,")],
                   "cfg.yaml:48: rosters.on-duty[1].who: unknown party 'nigth' "
                   "(did you mean 'night'?)"),
    "roster when": ([('"Mon-Sun 21:00-07:00"', '"Mon-Sun 21:00-31:00"')],
                    'cfg.yaml:48: rosters.on-duty[1].when: found "Mon-Sun 21:00-31:00" '
                    "(impossible time '31:00' in 'Mon-Sun 21:00-31:00'), "
                    f"expected {HOURS}"),
    "roster who is a roster": ([("{who: night,", "{who: on-duty,")],
                               "cfg.yaml:48: rosters.on-duty[1].who: 'on-duty' is a roster; "
                               "a roster entry must name a party"),
    "roster entry missing when": ([('{who: ward, when: "Mon-Sun 07:00-21:00"}', "{who: ward}")],
                                  "cfg.yaml:47: rosters.on-duty[0]: missing required key 'when'"),
    "roster named like a party": ([("  on-duty:\n", "  ward:\n"),
                                   ("notify: [on-duty]", "notify: [ward]")],
                                  "cfg.yaml:46: rosters.ward: roster id 'ward' is also a party "
                                  "id; a ladder step could not tell which one is meant"),
    # ladders
    "unknown notify target": ([("notify: [on-duty]", "notify: [on-dutty]")],
                              "cfg.yaml:53: ladders.fault.steps[0].notify[0]: unknown party or "
                              "roster 'on-dutty' (did you mean 'on-duty'?)"),
    "empty notify": ([("notify: [vendor, night]", "notify: []")],
                     "cfg.yaml:56: ladders.fault.steps[1].notify: found an empty list, "
                     "expected a list of party or roster ids"),
    "empty steps": ([("    steps:\n      - notify: [on-duty]\n        repeat_every: 5m\n"
                      "        escalate_after: 10m\n      - notify: [vendor, night]\n"
                      "        escalate_after: 1h\n", "    steps: []\n")],
                    "cfg.yaml:52: ladders.fault.steps: found an empty list, expected a list of "
                    "steps, each a step like {notify: [manager], escalate_after: 10m}"),
    "loops boolean": ([("loops: 1", "loops: yes")],
                      "cfg.yaml:58: ladders.fault.loops: found true, "
                      "expected a whole number of at least 0"),
    "loops negative": ([("loops: 1", "loops: -1")],
                       "cfg.yaml:58: ladders.fault.loops: found -1, "
                       "expected a whole number of at least 0"),
    "on_exhausted": ([("on_exhausted: [ward]", "on_exhausted: [boss]")],
                     "cfg.yaml:59: ladders.fault.on_exhausted[0]: unknown party or roster 'boss'"),
    # routes
    "route ladder": ([("  - ladder: fault", "  - ladder: faults")],
                     "cfg.yaml:66: routes[1].ladder: unknown ladder 'faults' "
                     "(did you mean 'fault'?)"),
    "route ladder missing": ([("    ladder: fault\n    false_alarm", "    false_alarm")],
                             "cfg.yaml:62: routes[0]: missing required key 'ladder'"),
    "route match key": ([("{code: [FT, 130]", "{codes: [FT, 130]")],
                        "cfg.yaml:62: routes[0].match: unknown key 'codes' (did you mean 'code'?)"),
    "route match source": ([("source: terminal}", "source: termnal}")],
                           "cfg.yaml:62: routes[0].match.source: unknown source 'termnal' "
                           "(did you mean 'terminal'?)"),
    "route clear duration": ([("false_alarm_clear_within: 4h", "false_alarm_clear_within: 4")],
                             "cfg.yaml:64: routes[0].false_alarm_clear_within: found 4 (a number "
                             f"without a unit), expected {DURATION}"),
    "no routes": ([("routes:\n  - match: {code: [FT, 130], source: terminal}\n"
                    "    ladder: fault\n    false_alarm_clear_within: 4h\n    clears: [vendor]\n"
                    "  - ladder: fault\n",
                    "routes: []\n")],
                  "cfg.yaml:61: routes: found an empty list, expected a list of routes, each a "
                  "route like {match: {code: [FT]}, ladder: technical-fault}"),
    # channels
    "unknown channel": ([("  sms: {preset", "  smss: {preset")],
                        "cfg.yaml:71: channels: unknown key 'smss' (did you mean 'sms'?)"),
    "unknown channel key": ([("mode: polling", "mood: polling")],
                            "cfg.yaml:69: channels.telegram: unknown key 'mood' "
                            "(did you mean 'mode'?)"),
    "channel choice": ([("security: starttls", "security: ssl")],
                       'cfg.yaml:70: channels.email.security: found "ssl", '
                       "expected 'none', 'starttls' or 'tls'"),
    "channel port": ([("port: 587", "port: 99999")],
                     "cfg.yaml:70: channels.email.port: found 99999, "
                     "expected a whole number from 1 to 65535"),
    "channel url": ([('url: "https://sms.example/send"', "url: sms.example")],
                    'cfg.yaml:71: channels.sms.url: found "sms.example", '
                    "expected an http:// or https:// URL"),
    # follow-through keys
    "clears unknown party": ([("clears: [vendor]", "clears: [vendr]")],
                             "cfg.yaml:65: routes[0].clears[0]: unknown party 'vendr' "
                             "(did you mean 'vendor'?)"),
    "ack_timeout duration": ([("    clears: [vendor]\n", "    clears: [vendor]\n"
                               "    ack_timeout: soon\n")],
                             'cfg.yaml:66: routes[0].ack_timeout: found "soon", expected '
                             f"{DURATION}"),
    "rewalk too often": ([("    on_exhausted: [ward]\n", "    on_exhausted: [ward]\n"
                           "    rewalk_every: 1m\n")],
                         "cfg.yaml:60: ladders.fault.rewalk_every: found 1m, expected at least 5m "
                         "(the whole ladder is called again each time)"),
    # YAML itself
    "yaml syntax": ([('{who: ward, when: "Mon-Sun 07:00-21:00"}',
                      '{who: ward, when: "Mon-Sun 07:00-21:00"')],
                    "cfg.yaml:48: YAML syntax error: expected ',' or '}', but got '-' "
                    "(while parsing a flow mapping at line 47)"),
    "yaml indentation": ([("  name: Demo house\n", "  name: Demo house\n timezone: UTC\n")],
                         "cfg.yaml:4: YAML syntax error: expected <block end>, but found "
                         "'<block mapping start>' (while parsing a block mapping at line 1)"),
}


@pytest.mark.parametrize("changes,expected", ERRORS.values(), ids=ERRORS.keys())
def test_error(changes, expected):
    assert problems_of(edit(*changes)) == [expected]


def test_base_has_no_problems_so_each_error_comes_from_its_edit():
    load(BASE)


def test_all_problems_are_collected_in_file_order():
    problems = problems_of(edit(("loops: 1", "loops: many"), ("id: demo", "id: Demo"),
                                ("kind: webhook", "kind: webhok")))
    assert [p.split(":")[1] for p in problems] == ["2", "18", "58"]


def test_missing_top_level_sections():
    assert problems_of("facility: {id: x, name: X}\n") == [
        "cfg.yaml:1: missing required key 'people'",
        "cfg.yaml:1: missing required key 'ladders'",
        "cfg.yaml:1: missing required key 'routes'",
    ]


def test_empty_people_and_ladders():
    text = "facility: {id: x, name: X}\npeople: {}\nladders: {}\nroutes: [{ladder: l}]\n"
    assert problems_of(text) == [
        "cfg.yaml:2: people: found an empty mapping, expected at least one party",
        "cfg.yaml:3: ladders: found an empty mapping, expected at least one ladder",
        "cfg.yaml:4: routes[0].ladder: unknown ladder 'l'",
    ]


@pytest.mark.parametrize("text,expected", [
    ("", "cfg.yaml:1: the file is empty, expected a mapping with facility, people, ladders "
         "and routes"),
    ("- a\n", "cfg.yaml:1: found a list, expected a mapping with facility, people, ladders "
              "and routes"),
])
def test_not_a_configuration_at_all(text, expected):
    assert problems_of(text) == [expected]


# --- warnings ------------------------------------------------------------------

WARNINGS = {
    "never repeats": ([("repeat_every: 5m", "repeat_every: 10m")],
                      "cfg.yaml:54: ladders.fault.steps[0].repeat_every: 10m is not shorter than "
                      "escalate_after 10m: will never repeat before escalating"),
    "no contacts": ([('    contact:\n      - telegram: "@night_nurse"', "    contact: []")],
                    "cfg.yaml:42: people.night.contact: no contact methods: "
                    "this party can never be notified"),
    "unreachable route": ([("  - ladder: fault\n",
                            "  - ladder: fault\n  - {match: {code: X}, ladder: fault}\n")],
                          "cfg.yaml:67: routes[2]: unreachable: routes[1] above matches "
                          "every event"),
    "no catch-all": ([("  - ladder: fault\n", "")],
                     "cfg.yaml:61: routes: events matching no route use ladder 'fault'"),
    "unused ladder": ([("\nroutes:", "  spare:\n    steps: [{notify: ward, escalate_after: 5m}]"
                        "\n\nroutes:")],
                      "cfg.yaml:60: ladders.spare: this ladder is not used by any route or source"),
    "clear deadline, nobody clears": ([("    clears: [vendor]\n", "")],
                                      "cfg.yaml:64: routes[0].false_alarm_clear_within: a clear "
                                      "deadline but nobody in 'clears': when someone calls the "
                                      "alarm false or fixed, nobody is asked to clear it at the "
                                      "terminal (e.g. clears: [alarm-vendor])"),
    "roster gap": ([('"Mon-Sun 21:00-07:00"', '"Mon-Sun 21:00-06:00"')],
                   "cfg.yaml:46: rosters.on-duty: nobody is on shift at some times, "
                   "e.g. Mon 06:00"),
}


@pytest.mark.parametrize("changes,expected", WARNINGS.values(), ids=WARNINGS.keys())
def test_warning(changes, expected):
    _, warnings = load(edit(*changes))
    assert warnings == [expected]


def test_empty_match_is_a_catch_all():
    _, warnings = load(edit(("  - ladder: fault\n", "  - {match: {}, ladder: fault}\n")))
    assert warnings == []


# --- secrets --------------------------------------------------------------------


def test_unset_secrets_are_warnings():
    env = {k: v for k, v in ENV.items() if k not in ("VENDOR_SECRET", "ESCALATOR_API_TOKEN")}
    _, warnings = load(BASE, env=env)
    assert warnings == [
        "cfg.yaml:9: http.api_token_env: environment variable ESCALATOR_API_TOKEN is not set",
        "cfg.yaml:39: people.vendor.contact[1].secret_env: "
        "environment variable VENDOR_SECRET is not set",
    ]


def test_unset_secrets_are_errors_when_strict():
    env = {k: v for k, v in ENV.items() if k != "SMS_AUTH"}
    assert problems_of(BASE, env=env, strict_secrets=True) == [
        "cfg.yaml:72: channels.sms.auth_header_env: environment variable SMS_AUTH is not set"]


def test_empty_secret_counts_as_unset():
    _, warnings = load(BASE, env={**ENV, "TG_TOKEN": ""})
    assert warnings == [
        "cfg.yaml:69: channels.telegram.token_env: environment variable TG_TOKEN is not set"]


def test_default_http_secrets_are_checked_without_a_line():
    text = edit(("http:\n  listen: 127.0.0.1:8080\n  public_url: http://localhost:8080/\n"
                 "  link_ttl: 7d\n\n", ""))
    env = {k: v for k, v in ENV.items() if k != "ESCALATOR_SECRET_KEY"}
    _, warnings = load(text, env=env)
    assert warnings == ["cfg.yaml: http.secret_env: environment variable ESCALATOR_SECRET_KEY "
                        "is not set"]


def test_secrets_default_to_the_process_environment(monkeypatch):
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("TG_TOKEN")
    _, warnings = load_config_text(BASE, filename="cfg.yaml")
    assert warnings == [
        "cfg.yaml:69: channels.telegram.token_env: environment variable TG_TOKEN is not set"]


def test_warnings_travel_with_the_error():
    with pytest.raises(ConfigError) as caught:
        load(edit(("loops: 1", "loops: x"), ("repeat_every: 5m", "repeat_every: 1h")))
    assert caught.value.warnings == [  # type: ignore[attr-defined]
        "cfg.yaml:54: ladders.fault.steps[0].repeat_every: 1h is not shorter than "
        "escalate_after 10m: will never repeat before escalating"]
