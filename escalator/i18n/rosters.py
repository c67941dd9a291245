"""Texts of `escalator roster show` and of roster calendar fetches, in fi, sv and en.

Kept apart from the main catalogue: read by the facility manager at a
terminal, and they change with the roster commands only.
"""

from __future__ import annotations

from typing import Any

LANGS = ("fi", "sv", "en")

TEXTS: dict[str, dict[str, str]] = {
    "roster.heading": {
        "fi": "Vuorolista {roster}: {start} – {end} ({tz})",
        "sv": "Schema {roster}: {start} – {end} ({tz})",
        "en": "Roster {roster}: {start} – {end} ({tz})"},
    "roster.weekly": {
        "fi": "viikoittaiset vuorot", "sv": "veckoschema", "en": "weekly entries"},
    "roster.from_file": {
        "fi": "kalenteri {source}", "sv": "kalender {source}", "en": "calendar {source}"},
    "roster.from_url": {
        "fi": "kalenteri palvelimelta {host}", "sv": "kalender från {host}",
        "en": "calendar from {host}"},
    "roster.nobody": {
        "fi": "ei ketään vuorossa", "sv": "ingen i tjänst", "en": "nobody on shift"},
    "roster.nobody_reachable": {
        "fi": "ketään ei tavoiteta", "sv": "ingen nås", "en": "nobody reachable"},
    "roster.unreachable": {
        "fi": "{name} (ei tavoitettavissa)", "sv": "{name} (inte nåbar)",
        "en": "{name} (not reachable)"},
    "roster.unmatched_heading": {
        "fi": "Kalenterin nimet, joita ei tunneta (näihin vuoroihin ei soiteta kenellekään):",
        "sv": "Namn i kalendern som inte känns igen (ingen kallas till dessa pass):",
        "en": "Names in the calendar that match nobody (these shifts call no one):"},
    "roster.unmatched": {
        "fi": "  {where}: tapahtuma {uid}: {names} – lisää match:-kohtaan",
        "sv": "  {where}: händelse {uid}: {names} – lägg till under match:",
        "en": "  {where}: event {uid}: {names} – add it under match:"},
    "roster.fetch_failed": {
        "fi": "Kalenteria ei saatu palvelimelta {host}: {why}",
        "sv": "Kalendern kunde inte hämtas från {host}: {why}",
        "en": "The calendar could not be fetched from {host}: {why}"},
    "roster.unknown": {
        "fi": "Vuorolistaa {roster} ei ole; vuorolistat: {known}",
        "sv": "Det finns inget schema {roster}; scheman: {known}",
        "en": "There is no roster {roster}; rosters: {known}"},
    "roster.none": {
        "fi": "Asetuksissa ei ole vuorolistoja (rosters:).",
        "sv": "Konfigurationen har inga scheman (rosters:).",
        "en": "The config has no rosters (rosters:)."},
    "roster.bad_time": {
        "fi": "{option} {value!r}: anna paikallinen aika, esim. \"2027-03-27 21:00\"",
        "sv": "{option} {value!r}: ange lokal tid, t.ex. \"2027-03-27 21:00\"",
        "en": "{option} {value!r}: give a local time like \"2027-03-27 21:00\""},
    "roster.bad_span": {
        "fi": "--to on oltava --from-ajan jälkeen ja enintään {days} päivää myöhemmin",
        "sv": "--to måste vara efter --from och högst {days} dagar senare",
        "en": "--to must be after --from and at most {days} days later"},
    "feed.timeout": {
        "fi": "ei vastausta {seconds:g} sekunnissa", "sv": "inget svar inom {seconds:g} s",
        "en": "no answer within {seconds:g} s"},
    "feed.status": {
        "fi": "palvelin vastasi HTTP {status}", "sv": "servern svarade HTTP {status}",
        "en": "the server answered HTTP {status}"},
    "feed.not_ical": {
        "fi": "vastaus ei ole iCalendar-kalenteri ({why})",
        "sv": "svaret är ingen iCalendar-kalender ({why})",
        "en": "the answer is not an iCalendar ({why})"},
    "feed.too_big": {
        "fi": "yli {limit} tavua", "sv": "mer än {limit} byte", "en": "more than {limit} bytes"},
    "feed.unreachable": {
        "fi": "yhteys ei onnistunut ({error})", "sv": "ingen anslutning ({error})",
        "en": "could not connect ({error})"},
}

WEEKDAYS = {
    "fi": ("ma", "ti", "ke", "to", "pe", "la", "su"),
    "sv": ("mån", "tis", "ons", "tor", "fre", "lör", "sön"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}


def t(key: str, lang: str, **params: Any) -> str:
    texts = TEXTS[key]
    return texts.get(lang, texts["en"]).format(**params)
