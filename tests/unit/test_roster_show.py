"""`escalator roster show`: who is on duty when, from a calendar roster, in fi, sv and en."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from test_ical_rosters import CONFIG, FIXTURE

from escalator.__main__ import main


@pytest.fixture
def config_file(tmp_path):
    shutil.copy(FIXTURE, tmp_path / "shifts.ics")
    path = tmp_path / "escalator.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def show(capsys, path: Path, *args: str) -> tuple[int, list[str], str]:
    code = main(["roster", "show", "--config", str(path), *args])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


def test_a_weekend_across_the_change_to_summer_time_in_finnish(config_file, capsys):
    code, lines, _ = show(capsys, config_file, "--from", "2027-03-27 00:00",
                          "--to", "2027-03-29 12:00")
    assert code == 0
    assert lines == [  # Finnish times: 0.00, 7.00 (the column stays aligned)
        "Vuorolista on-duty: la 27.3.2027 0.00 – ma 29.3.2027 12.00 "
        "(Europe/Helsinki) – kalenteri shifts.ics",
        "  la 27.3.2027 0.00 – 7.00                Anna Virtanen",
        "  la 27.3.2027 7.00 – 21.00               Property maintenance, Ward A",
        "  la 27.3.2027 21.00 – su 28.3.2027 7.00  Property maintenance, Anna Virtanen",
        "  su 28.3.2027 7.00 – 21.00               Property maintenance, Ward A",
        "  su 28.3.2027 21.00 – ma 29.3.2027 0.00  Property maintenance, Anna Virtanen",
        "  ma 29.3.2027 0.00 – 7.00                Anna Virtanen",
        "  ma 29.3.2027 7.00 – 12.00               Ward A",
        "Kalenterin nimet, joita ei tunneta (näihin vuoroihin ei soiteta kenellekään):",
        "  shifts.ics:62: tapahtuma yovuoro-matti-20270405@hoivavuorot.example: "
        '"Matti Meikäläinen" – lisää match:-kohtaan',
    ]


def test_the_exdate_night_and_a_gap_in_english_and_swedish(config_file, capsys):
    _, lines, _ = show(capsys, config_file, "--from", "2027-03-31 20:00",
                       "--to", "2027-04-01 08:00", "--lang", "en")
    assert lines[1:4] == [
        "  Wed 31/03/2027 20:00 – 21:00                 Ward A",  # en_GB
        "  Wed 31/03/2027 21:00 – Thu 01/04/2027 07:00  Mikko Korhonen",
        "  Thu 01/04/2027 07:00 – 08:00                 Ward A"]
    _, lines, _ = show(capsys, config_file, "--from", "2027-04-05 20:00",
                       "--to", "2027-04-06 08:00", "--lang", "sv")
    assert lines[2] == "  mån 5.4.2027 21.00 – tis 6.4.2027 7.00  !! ingen i tjänst"  # sv_FI


def test_someone_absent_is_shown_as_not_reachable(config_file, capsys):
    text = CONFIG.replace("    name: Anna Virtanen\n",
                          "    name: Anna Virtanen\n    absent: [2027-03-27]\n")
    config_file.write_text(text, encoding="utf-8")
    _, lines, _ = show(capsys, config_file, "--from", "2027-03-27 00:00",
                       "--to", "2027-03-27 07:00", "--lang", "en")
    assert lines[1] == ("  Sat 27/03/2027 00:00 – 07:00  !! nobody reachable: "
                        "Anna Virtanen (not reachable)")


@pytest.mark.parametrize(("args", "says"), [
    (("--roster", "nigths"), "There is no roster nigths; rosters: on-duty"),
    (("--from", "tomorrow"), "--from 'tomorrow': give a local time like"),
    (("--from", "2027-03-27 00:00", "--to", "2027-03-26 00:00"), "--to must be after --from"),
])
def test_bad_options_say_what_is_wrong(config_file, capsys, args, says):
    code, _, err = show(capsys, config_file, *args, "--lang", "en")
    assert code == 2 and says in err


def test_simulate_calls_who_the_calendar_puts_on_shift(config_file, capsys):
    code = main(["simulate", "--config", str(config_file), "--code", "FT",
                 "--at", "2027-03-31 23:00", "--hours", "0.1"])
    out, _ = capsys.readouterr()
    assert code == 0
    [first] = [line for line in out.splitlines() if "step 1" in line]
    assert first.endswith("Mikko Korhonen")  # the EXDATE night's substitute
