"""The `maintenance:` section: local times to UTC, optional match keys, and a clear
error at the right line for a window that would hide an alarm too long."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from support import config_text

from escalator.config import ConfigError, load_config_text
from escalator.domain.maintenance import DEFAULT_MAINTENANCE_MAX

ENV = {"ESCALATOR_API_TOKEN": "x", "ESCALATOR_SECRET_KEY": "y",
       "ESCALATOR_TERMINAL_TOKEN": "z", "MAINT_HOOK_SECRET": "w"}


def load(extra: str):
    text = config_text() + extra
    return load_config_text(text, filename="care.yaml", env=ENV)[0]


def line_of(extra: str, needle: str) -> int:
    text = config_text() + extra
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def errors(extra: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load(extra)
    return caught.value.problems


CARE_HOME = """
maintenance:
  - match: {source: [terminal], code: [FT], point: "B-wing*"}
    from: "2026-12-01 08:00"
    until: "2026-12-05 16:00"
    reason: installation work
  - from: "2026-07-01 08:00"
    until: 2026-07-02 08:00:00
    reason: summer service
"""


def test_the_care_home_window_is_read_in_the_facilitys_timezone():
    config = load(CARE_HOME)
    assert config.maintenance_max == DEFAULT_MAINTENANCE_MAX
    first, second = config.maintenance
    assert first.id == "config-1" and first.reason == "installation work"
    assert (first.sources, first.codes, first.point) == (("terminal",), ("FT",), "B-wing*")
    assert first.starts == datetime(2026, 12, 1, 6, 0, tzinfo=UTC)  # 08:00 EET
    assert first.ends == datetime(2026, 12, 5, 14, 0, tzinfo=UTC)
    # no match: every alarm; summer time is UTC+3; an unquoted YAML time works too
    assert (second.sources, second.codes, second.point) == ((), (), "")
    assert second.starts == datetime(2026, 7, 1, 5, 0, tzinfo=UTC)
    assert second.ends == datetime(2026, 7, 2, 5, 0, tzinfo=UTC)


def test_no_section_means_no_windows_and_the_default_maximum():
    config = load("")
    assert config.maintenance == () and config.maintenance_max == timedelta(days=7)


def test_a_window_longer_than_maintenance_max_is_refused_at_its_until_line():
    extra = """
maintenance:
  - match: {point: "B-wing*"}
    from: "2026-12-01 08:00"
    until: "2026-12-29 16:00"
    reason: installation work
"""
    line = line_of(extra, "2026-12-29")
    assert errors(extra) == [
        f"care.yaml:{line}: maintenance[0].until: the window is longer than maintenance_max "
        "(7d); a window must end, so an alarm cannot hide behind it for weeks: split the work "
        "or renew it later"]


def test_maintenance_max_is_read_and_applied():
    extra = CARE_HOME + "maintenance_max: 2d\n"
    line = line_of(extra, "2026-12-05 16:00")
    assert errors(extra)[0].startswith(
        f"care.yaml:{line}: maintenance[0].until: the window is longer than maintenance_max (2d)")
    ok = load(CARE_HOME.replace("2026-12-05 16:00", "2026-12-03 08:00") + "maintenance_max: 2d\n")
    assert ok.maintenance_max == timedelta(days=2)


@pytest.mark.parametrize("old,new,path,expected", [
    ('"2026-12-01 08:00"', '"2026-03-29 03:30"', "maintenance[0].from",
     'found "2026-03-29 03:30" (2026-03-29 03:30 does not exist in Europe/Helsinki'),
    ('"2026-12-01 08:00"', '"1.12.2026 8:00"', "maintenance[0].from",
     'found "1.12.2026 8:00" (expected a local time'),
    ('"2026-12-05 16:00"', '"2026-11-30 16:00"', "maintenance[0].until",
     "must be later than from"),
    ("source: [terminal]", "source: [termnial]", "maintenance[0].match.source[0]",
     "unknown source 'termnial' (did you mean 'terminal'?)"),
    ("point:", "spot:", "maintenance[0].match", "unknown key 'spot' (did you mean 'point'?)"),
    ("reason: installation work", "reasn: installation work", "maintenance[0]",
     "unknown key 'reasn' (did you mean 'reason'?)"),
])
def test_bad_windows_are_reported_with_file_line_and_path(old, new, path, expected):
    extra = CARE_HOME.replace(old, new, 1)
    problems = errors(extra)
    assert len(problems) == 1, problems
    assert f": {path}: " in problems[0] and expected in problems[0], problems[0]
    assert problems[0].startswith("care.yaml:")
    line = int(problems[0].split(":")[1])
    assert new.split(":")[0].strip('"[ ') in (config_text() + extra).splitlines()[line - 1]


def test_the_schema_accepts_the_care_home_windows_and_rejects_unknown_keys():
    import jsonschema
    import yaml

    from escalator.config.schema import json_schema

    check = jsonschema.Draft202012Validator(json_schema())
    good = yaml.safe_load(config_text() + CARE_HOME.replace(
        "2026-07-02 08:00:00", '"2026-07-02 08:00"') + "maintenance_max: 7d\n")
    assert list(check.iter_errors(good)) == []
    for old, new in [("point:", "spot:"), ('"2026-12-01 08:00"', '"tomorrow"'),
                     ("reason: installation work", "why: installation work")]:
        bad = yaml.safe_load(config_text() + CARE_HOME.replace(old, new, 1))
        assert list(check.iter_errors(bad)) != [], new


def test_the_example_shows_a_commented_care_home_window_that_loads_when_uncommented():
    from pathlib import Path

    example = (Path(__file__).resolve().parents[2] / "config" / "example.yaml").read_text()
    block = example[example.index("# maintenance_max:"):].split("\n\n")[0]
    uncommented = "\n".join(line[2:] for line in block.splitlines())
    config = load(uncommented)
    assert [w.reason for w in config.maintenance] == ["installation work"]
    assert config.maintenance[0].point == "B-wing*"


def test_simulate_shows_the_hold_and_the_ladder_starting_when_the_window_ends():
    from escalator.commands.simulate import timeline

    config = load(CARE_HOME)
    at = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)  # Thu 10:00 in Helsinki, inside the window
    lines = timeline(config, "FT", at, point="B-wing 2", horizon=timedelta(minutes=6))
    assert lines[1].split() == [
        "Thu", "10:00", "+", "0m", "MAINTENANCE_HELD", "Maintenance", "(installation", "work):",
        "recorded,", "nobody", "is", "alerted", "before", "05/12", "16:00", "(window",
        "config-1)"]
    assert lines[2].split()[:6] == ["Sat", "16:00", "+", "54h00m", "step", "1"]
    assert "MAINTENANCE_ENDED" in lines[2] and lines[2].endswith(
        "– The maintenance window has ended (installation work) and the alarm is still on")
    assert "RENOTIFY" in lines[3] and lines[3].startswith("Sat 16:05")
    # outside the window's points: the ladder starts at once, no hold line
    other = timeline(config, "FT", at, point="A-wing", horizon=timedelta(minutes=6))
    assert "FIRST" in other[1] and not any("MAINTENANCE" in line for line in other)


HELD = {"work": "asennustyö", "until": "2026-12-05T14:00:00+00:00", "window": "config-1"}


@pytest.mark.parametrize("reason,lang,expected", [
    ("MAINTENANCE_HELD", "fi", "Huoltotyö (asennustyö): hälytys kirjattu, mutta kenellekään "
                               "ei ilmoiteta ennen klo 5.12. 16.00"),
    ("MAINTENANCE_HELD", "sv", "Underhåll (asennustyö): larmet är registrerat, men ingen larmas"
                               " före kl. 5.12 16.00"),  # Finland-Swedish
    ("MAINTENANCE_HELD", "en", "Maintenance (asennustyö): recorded, nobody is alerted before "
                               "05/12 16:00"),
    ("MAINTENANCE_ENDED", "fi", "Huoltotyön aika päättyi (asennustyö), mutta hälytys on yhä "
                                "päällä"),
    ("MAINTENANCE_ENDED", "sv", "Underhållet är slut (asennustyö), men larmet är fortfarande "
                                "aktivt"),
    ("MAINTENANCE_ENDED", "en", "The maintenance window has ended (asennustyö) and the alarm "
                                "is still on"),
])
def test_the_new_reasons_read_in_finnish_swedish_and_english(reason, lang, expected):
    """Stored as parameters (the work, the end in UTC), rendered in the reader's language."""
    from escalator.domain.model import params
    from escalator.i18n.explain import explain

    detail = params(**HELD) if reason == "MAINTENANCE_HELD" else params(work="asennustyö")
    assert explain(lang, reason, detail, tz="Europe/Helsinki") == expected


def test_the_readme_example_loads():
    import re
    from pathlib import Path

    doc = Path(__file__).resolve().parents[2] / "docs" / "escalation.md"
    text = doc.read_text(encoding="utf-8")
    part = text[text.index("## Maintenance windows"):]
    [block] = re.findall(r"```yaml\n(.*?)```", part, re.S)
    config = load("\n" + block)
    assert [w.reason for w in config.maintenance] == ["installation work"]
    assert config.maintenance[0].ends == datetime(2026, 12, 5, 14, 0, tzinfo=UTC)
