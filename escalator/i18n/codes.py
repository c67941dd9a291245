"""Alarm codes people can read: SIA and Contact ID codes in Finnish, Swedish and English.

Each entry has a label, a severity and a short "what to do" line. Contact ID
(ADM-CID) event codes are mapped to the SIA code of the same event, so a
panel reporting in either format opens the same kind of incident (CID 373
fire loop trouble -> FT, 310 ground fault -> YX). Restore codes (FJ, YZ, ...)
name the code they restore: the intake turns them into a `clear` of that code.

The facility manager can add or override entries in the configuration's
`codes:` section (their terminal's own "maavuoto", say); `install_overrides`
is called by the application with the loaded config.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from escalator.i18n.catalogs import FromCatalog

SEVERITIES = ("critical", "high", "medium", "low", "info")


@dataclass(frozen=True)
class CodeInfo:
    label: Mapping[str, str]  # language -> text
    severity: str = "medium"
    todo: Mapping[str, str] = field(default_factory=dict)  # language -> "what to do"


def _e(code: str, severity: str) -> CodeInfo:
    """A built-in entry: its words are the catalogue's `alarm.<code>.label` / `.todo`."""
    return CodeInfo(FromCatalog(f"alarm.{code}.label"), severity,
                    FromCatalog(f"alarm.{code}.todo"))


SIA: dict[str, CodeInfo] = {
    "FA": _e("FA", "critical"), "FT": _e("FT", "high"), "FS": _e("FS", "low"),
    "FB": _e("FB", "high"), "BA": _e("BA", "high"), "BT": _e("BT", "medium"),
    "PA": _e("PA", "critical"), "HA": _e("HA", "critical"), "MA": _e("MA", "critical"),
    "TA": _e("TA", "medium"), "AT": _e("AT", "high"), "YT": _e("YT", "medium"),
    "XT": _e("XT", "medium"), "YP": _e("YP", "high"), "YX": _e("YX", "high"),
    "YC": _e("YC", "high"), "LT": _e("LT", "high"), "WA": _e("WA", "high"), "RP": _e("RP", "info"),
    "RX": _e("RX", "info"), "TS": _e("TS", "info"),
}

# Restore code -> the code it restores (its alarm becomes `clear`).
RESTORES: dict[str, str] = {
    "FH": "FA", "FJ": "FT", "FR": "FA", "FU": "FB", "BH": "BA", "BR": "BA", "BJ": "BT",
    "PH": "PA", "PR": "PA", "HH": "HA", "HR": "HA", "MH": "MA", "MR": "MA", "TR": "TA",
    "TH": "TA", "AR": "AT", "YR": "YT", "XR": "XT", "YQ": "YP", "YZ": "YX", "YK": "YC",
    "LR": "LT", "WH": "WA", "WR": "WA", "TE": "TS",
}

# Contact ID event code (qualifier 1 = new, 3 = restore) -> SIA code.
CONTACT_ID: dict[str, str] = {
    "100": "MA", "101": "MA", "110": "FA", "111": "FA", "112": "FA", "113": "WA",
    "114": "FA", "115": "FA", "117": "FA", "118": "FA", "120": "PA", "121": "HA",
    "122": "PA", "123": "PA", "130": "BA", "131": "BA", "132": "BA", "133": "BA",
    "134": "BA", "137": "TA", "144": "TA", "145": "TA", "154": "WA", "300": "YX",
    "301": "AT", "302": "YT", "309": "YT", "310": "YX", "311": "YT", "312": "YP",
    "333": "YC", "350": "YC", "351": "LT", "352": "LT", "354": "YC", "373": "FT",
    "374": "FT", "380": "FT", "383": "TA", "384": "XT", "601": "RX", "602": "RP",
    "607": "TS",
}

EXTRA: dict[str, CodeInfo] = {
    "email_unmatched": _e("email_unmatched", "medium"), "unreadable": _e("unreadable", "medium"),
    "telegram_down": _e("telegram_down", "high"), "ESPA": _e("ESPA", "high"),
    "config_invalid": _e("config_invalid", "medium"),
}

_overrides: dict[str, CodeInfo] = {}


def install_overrides(entries: Mapping[str, CodeInfo]) -> None:
    """The configuration's `codes:` section; replaces any earlier overrides."""
    _overrides.clear()
    _overrides.update({k.upper(): v for k, v in entries.items()})


def code_info(code: str) -> CodeInfo | None:
    """The entry for a code: the facility's own first, then SIA/Contact ID, then extras."""
    for key in (code, code.upper()):
        found = _overrides.get(key.upper()) or SIA.get(key) or EXTRA.get(key)
        if found:
            return found
    sia = CONTACT_ID.get(code.upper().removeprefix("E").removeprefix("R"))
    return SIA.get(sia) if sia else None


def override_label(lang: str, code: str) -> str | None:
    entry = _overrides.get(code.upper())
    return _pick(entry.label, lang) if entry else None


def code_todo(lang: str, code: str) -> str:
    """The short "what to do" line for a code, or '' when there is none."""
    entry = code_info(code)
    return _pick(entry.todo, lang) if entry else ""


def code_severity(code: str) -> str:
    entry = code_info(code)
    return entry.severity if entry else ""


def severity_rank(severity: str, code: str) -> int:
    """0 for critical ... 4 for info, 5 when unknown: the event's own word, else the code's."""
    word = (severity or code_severity(code)).strip().lower()
    return SEVERITIES.index(word) if word in SEVERITIES else len(SEVERITIES)


def is_urgent(severity: str, code: str) -> bool:
    """Critical or high (a fire, a fire-loop fault): never held back in a digest."""
    return severity_rank(severity, code) <= SEVERITIES.index("high")


def label(lang: str, code: str) -> str | None:
    entry = code_info(code)
    return _pick(entry.label, lang) if entry else None


def _pick(texts: Mapping[str, str], lang: str) -> str:
    return texts.get(lang) or texts.get("en") or next(iter(texts.values()), "")
