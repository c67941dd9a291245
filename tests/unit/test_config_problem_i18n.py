"""Config problems as reason codes: `config check` says them in English exactly as
before, the reader gets them in Finnish or Swedish, and every code has all three.

The expected `config check` outputs (tests/fixtures/config_check/*.txt) were taken
from the code before problems had codes: a change of a word there is a change of
the command line's output, which facility managers and scripts read.
"""

from __future__ import annotations

import io
import pickle
import re
from pathlib import Path

import pytest
from support import EXAMPLE_CHANNEL_SECRETS, example_set_up

from escalator.config.checking import check_file
from escalator.config.cli import cmd_check
from escalator.config.problem import ConfigProblem, message, phrase, render
from escalator.i18n import catalogs
from escalator.i18n.check import SAME_AS_ENGLISH

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "example.yaml"
GOLDEN = Path(__file__).resolve().parents[1] / "fixtures" / "config_check"
SECRETS = {"ESCALATOR_API_TOKEN": "a", "ESCALATOR_SECRET_KEY": "b", **EXAMPLE_CHANNEL_SECRETS}

# Edits of the example config, one broken file each (`old` occurs once).
CASES = {
    "many": [("timezone: Europe/Helsinki", "timezone: Europe/Helsinky"),
             ('- sms: "040 123 4567"', '- sms: "040 123"'),
             ("hours: Mon-Sun 00:00-24:00", "hours: Mon-Sun 00:00-25:00"),
             ('absent: ["2026-12-24..2026-12-26"]', 'absent: ["2026-12-26..2026-12-24"]'),
             ("loops: 2 ", "loops: lots "),
             ("rewalk_every: 1h", "rewalk_every: 1m"),
             ("      - email: duty@contractor.example",
              "      - emial: duty@contractor.example"),
             ("storage: sqlite:///escalator.db", "storage: sqlite:/escalator.db")],
    "yaml": [("  id: lehtioja", "  id: lehtioja: x")],
    "tabs": [("  id: lehtioja", "\tid: lehtioja")],
    "duplicate": [("  name: Lehtiojan palvelukeskus",
                   "  name: Lehtiojan palvelukeskus\n  name: Toinen")],
    "warnings": [('"Mon-Sun 21:00-07:00"', '"Mon-Sun 22:00-07:00"'),
                 ("escalate_after: 2h", "escalate_after: never"),
                 ("- match: {code: [FT, fire_loop_fault, YX, earth_leakage]}", "- match: {}")],
}


def broken(tmp_path: Path, name: str) -> Path:
    """The example, its channels set up as a facility would run it, broken by `name`."""
    text = EXAMPLE.read_text(encoding="utf-8")
    for old, new in CASES[name]:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = tmp_path / f"{name}.yaml"
    path.write_text(example_set_up(text), encoding="utf-8")
    return path


@pytest.mark.parametrize("name", sorted(CASES))
def test_config_check_prints_what_it_printed_before_problems_had_codes(tmp_path, name):
    path = broken(tmp_path, name)
    out, err = io.StringIO(), io.StringIO()
    assert cmd_check(str(path), out=out, err=err, env=SECRETS) == 1
    expected = (GOLDEN / f"{name}.txt").read_text(encoding="utf-8").replace("{path}", str(path))
    assert out.getvalue() == "" and err.getvalue() == expected


# Words the texts cite from a config file rather than say in English.
CITED = {"true", "false", "null", "lehtioja"}


def _words(text: str) -> set[str]:
    """Whole words: `Europe/Helsinki` or `{who: ward-a}` are cited, not English prose."""
    tokens = (w.strip(".,;:()?'\"") for w in text.split())
    return {w.lower() for w in tokens if re.fullmatch(r"[A-Za-z]{4,}", w)}


def _english_words(code_keys: set[str]) -> set[str]:
    """The words of the catalogue's English texts of these keys (placeholders left out)."""
    english = catalogs.messages("en")
    words: set[str] = set()
    for key in code_keys:
        text = english[key]
        for form in text if isinstance(text, tuple) else (text,):
            words |= _words(re.sub(r"\{\w+\}", "", form))
    return words - CITED


def _keys_of(problem: ConfigProblem) -> set[str]:
    """The problem's own key and those of the phrases inside it."""
    keys = {problem.code}
    todo = [v for _, v in problem.params]
    while todo:
        value = todo.pop()
        if hasattr(value, "key"):
            keys.add(value.key)
            todo += [v for _, v in value.params]
    return keys


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_every_problem_of_a_broken_file_reads_in_the_readers_language(tmp_path, lang):
    path = broken(tmp_path, "many")
    checked = check_file(str(path), env=SECRETS)
    assert len(checked.problems) == 8
    for problem in checked.problems:
        assert isinstance(problem, ConfigProblem)
        said = render(problem, lang)
        place = f"{path}:{problem.line}: {problem.path}: "
        assert str(problem).startswith(place) and said.startswith(place)  # same file:line: path
        sentence = said[len(place):]
        quoted = " ".join(str(v) for _, v in problem.params if isinstance(v, str)).lower()
        english = {w for w in _english_words(_keys_of(problem)) if w not in quoted}
        assert english and not english & _words(sentence), said
        assert sentence != message(problem, "en")


def test_finnish_and_swedish_say_a_problem_in_their_own_words():
    problem = ConfigProblem("cfg.yaml", 12, "ladders.fault.loops", "cfg.found_expected",
                            {"found": '"lots"', "expected": phrase(
                                "cfg.want.whole_number_from_to", low=1, high=10)})
    assert str(problem) == ('cfg.yaml:12: ladders.fault.loops: found "lots", '
                            "expected a whole number from 1 to 10")
    assert render(problem, "fi") == ('cfg.yaml:12: ladders.fault.loops: löytyi "lots", '
                                     "pitäisi olla kokonaisluku väliltä 1–10")
    assert render(problem, "sv") == ('cfg.yaml:12: ladders.fault.loops: hittade "lots", '
                                     "borde vara ett heltal från 1 till 10")
    assert message(problem, "fi").startswith("ladders.fault.loops: löytyi")
    assert problem.text == str(problem) and problem.line == 12


def test_a_problem_is_its_english_text_kept_whole():
    problem = ConfigProblem("f.yaml", 3, "people.x", "cfg.no_contacts")
    assert problem == "f.yaml:3: people.x: no contact methods: this party can never be notified"
    assert "can never" in problem and "\n".join([problem, "x"]).startswith("f.yaml:3:")
    again = pickle.loads(pickle.dumps(problem))
    assert again == problem and again.code == "cfg.no_contacts" and again.line == 3
    with pytest.raises(AttributeError):
        problem.line = 4  # type: ignore[misc]
    assert render("plain text from elsewhere", "fi") == "plain text from elsewhere"


def test_a_secret_quoted_in_a_value_is_masked_in_every_language():
    token = "123456789:" + "A" * 35  # the shape of a Telegram bot token
    problem = ConfigProblem("f.yaml", 1, "facility.id", "cfg.found_expected",
                            {"found": f'"{token}"', "expected": phrase("cfg.want.slug")})
    for lang in ("en", "fi", "sv"):
        assert token not in render(problem, lang)


def _cfg_keys() -> list[str]:
    return sorted(k for k in catalogs.messages("en") if k.startswith("cfg."))


def test_every_problem_code_has_finnish_swedish_and_english():
    keys = _cfg_keys()
    assert len(keys) > 200
    for lang in ("fi", "sv", "en"):
        texts = catalogs.messages(lang)
        missing = [k for k in keys if not texts.get(k)]
        assert not missing, (lang, missing)
    fi, sv, en = (catalogs.messages(lang) for lang in ("fi", "sv", "en"))
    untranslated = [k for k in keys
                    if k not in SAME_AS_ENGLISH and en[k] in (fi[k], sv[k])]
    assert not untranslated


# The keys the code makes from a word (`f"cfg.unknown.{what}"`): the catalogue checker
# sees only their prefix, so each word the code passes is named here.
MADE = (
    [f"cfg.want.list_of.{w}" for w in ("party_id", "target_id", "source_id", "recipient")]
    + [f"cfg.want.one.{w}" for w in ("party_id", "target_id", "source_id", "recipient")]
    + [f"cfg.unknown.{w}" for w in ("party", "target", "source", "ladder")]
    + [f"cfg.day.{d}" for d in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")]
)


def test_keys_made_from_a_word_are_in_the_catalogue():
    from escalator.domain.maintenance import WindowProblem

    made = MADE + [f"cfg.window.{p.value}" for p in WindowProblem]
    assert [k for k in made if not catalogs.has(k)] == []
