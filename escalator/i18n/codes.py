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

SEVERITIES = ("critical", "high", "medium", "low", "info")


@dataclass(frozen=True)
class CodeInfo:
    label: Mapping[str, str]  # language -> text
    severity: str = "medium"
    todo: Mapping[str, str] = field(default_factory=dict)  # language -> "what to do"


def _e(fi: str, sv: str, en: str, severity: str, todo_fi: str, todo_sv: str,
       todo_en: str) -> CodeInfo:
    return CodeInfo({"fi": fi, "sv": sv, "en": en}, severity,
                    {"fi": todo_fi, "sv": todo_sv, "en": todo_en})


_CHECK_FIRE = ("Tarkista paikka heti. Jos palaa: hätänumero 112 ja evakuointi.",
               "Kontrollera platsen genast. Vid brand: ring 112 och utrym.",
               "Check the location now. If there is fire: call 112 and evacuate.")
_CALL_VENDOR = ("Ilmoita paloilmoitinhuoltoon; paloturvallisuus voi olla heikentynyt.",
                "Meddela brandlarmsservice; brandskyddet kan vara nedsatt.",
                "Call the fire alarm service company; fire protection may be impaired.")
_CHECK_PANEL = ("Tarkista laitteen näyttö ja ilmoita huoltoon.",
                "Kontrollera centralens display och meddela service.",
                "Look at the panel's display and call service.")
_NOTHING = ("Ei toimenpiteitä: yhteyskoe.", "Ingen åtgärd: provlarm.",
            "Nothing to do: a communication test.")

SIA: dict[str, CodeInfo] = {
    "FA": _e("Palohälytys", "Brandlarm", "Fire alarm", "critical", *_CHECK_FIRE),
    "FT": _e("Palohälytyssilmukan vika", "Fel i brandlarmsslingan", "Fire alarm loop fault",
             "high", *_CALL_VENDOR),
    "FS": _e("Palovaroitin likainen", "Brandvarnare smutsig", "Fire detector dirty", "low",
             *_CALL_VENDOR),
    "FB": _e("Palohälytysjärjestelmä ohitettu", "Brandlarm förbikopplat", "Fire alarm bypassed",
             "high", *_CALL_VENDOR),
    "BA": _e("Murtohälytys", "Inbrottslarm", "Burglary alarm", "high",
             "Älä mene yksin. Soita vartiointiliikkeelle tai 112.",
             "Gå inte ensam. Ring bevakningsbolaget eller 112.",
             "Do not go alone. Call the security company or 112."),
    "BT": _e("Murtohälytysjärjestelmän vika", "Fel i inbrottslarmet", "Burglary zone trouble",
             "medium", *_CHECK_PANEL),
    "PA": _e("Paniikkihälytys", "Överfallslarm", "Panic alarm", "critical",
             "Mene paikalle heti tai soita 112. Joku pyytää apua.",
             "Gå dit genast eller ring 112. Någon ber om hjälp.",
             "Go there now or call 112. Someone is asking for help."),
    "HA": _e("Ryöstöhälytys", "Rånlarm", "Hold-up alarm", "critical",
             "Soita 112. Älä mene paikalle yksin.", "Ring 112. Gå inte dit ensam.",
             "Call 112. Do not go there alone."),
    "MA": _e("Terveyshälytys", "Medicinskt larm", "Medical alarm", "critical",
             "Mene asukkaan luo heti; tarvittaessa 112.",
             "Gå till den boende genast; ring 112 vid behov.",
             "Go to the resident now; call 112 if needed."),
    "TA": _e("Sabotaasihälytys (kansi auki)", "Sabotagelarm (locket öppet)",
             "Tamper alarm (cover open)", "medium",
             "Tarkista, onko laitteen kansi auki tai johto irti.",
             "Kontrollera om locket är öppet eller en kabel lös.",
             "Check whether a cover is open or a cable has been cut."),
    "AT": _e("Sähkökatko (verkkojännite puuttuu)", "Nätspänningsbortfall",
             "AC power loss", "high",
             "Tarkista sähköt ja sulakkeet; laite toimii nyt akulla.",
             "Kontrollera strömmen och säkringarna; enheten går nu på batteri.",
             "Check power and fuses; the unit now runs on its battery."),
    "YT": _e("Akku heikko", "Lågt batteri", "Low battery", "medium",
             "Ilmoita huoltoon akun vaihdosta.", "Meddela service om batteribyte.",
             "Ask service to replace the battery."),
    "XT": _e("Lähettimen akku heikko", "Sändarens batteri lågt", "Transmitter battery low",
             "medium", "Vaihda langattoman laitteen paristo.",
             "Byt batteri i den trådlösa enheten.", "Replace the battery of the wireless device."),
    "YP": _e("Virtalähteen vika", "Fel i strömförsörjningen", "Power supply trouble", "high",
             *_CHECK_PANEL),
    "YX": _e("Maavuoto", "Jordfel", "Earth leakage (ground fault)", "high",
             "Ilmoita sähköurakoitsijalle tai huoltoon; älä koske kaapeleihin.",
             "Meddela elektrikern eller service; rör inte kablarna.",
             "Call the electrician or service; do not touch cables."),
    "YC": _e("Tiedonsiirtovika", "Kommunikationsfel", "Communication fault", "high",
             "Hälytykset eivät ehkä välity. Ilmoita hälytysliikkeelle.",
             "Larm kanske inte förmedlas. Meddela larmleverantören.",
             "Alarms may not get through. Call the alarm company."),
    "LT": _e("Puhelinlinjan vika", "Fel på telefonlinjen", "Phone line trouble", "high",
             "Hälytykset eivät ehkä välity. Ilmoita hälytysliikkeelle.",
             "Larm kanske inte förmedlas. Meddela larmleverantören.",
             "Alarms may not get through. Call the alarm company."),
    "WA": _e("Vesivuoto", "Vattenläcka", "Water leak", "high",
             "Tarkista paikka ja sulje vesi tarvittaessa.",
             "Kontrollera platsen och stäng av vattnet vid behov.",
             "Check the location and shut off the water if needed."),
    "RP": _e("Automaattinen yhteyskoe", "Automatiskt provlarm", "Automatic test", "info",
             *_NOTHING),
    "RX": _e("Käsin tehty yhteyskoe", "Manuellt provlarm", "Manual test", "info", *_NOTHING),
    "TS": _e("Testitila alkoi", "Testläge påbörjat", "Test mode started", "info", *_NOTHING),
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
    "email_unmatched": _e("Tunnistamaton sähköpostihälytys", "Okänt e-postlarm",
                          "Unrecognised e-mail alarm", "medium",
                          "Lue viesti ja tarkista laite; lisää sääntö asetuksiin.",
                          "Läs meddelandet och kontrollera enheten; lägg till en regel.",
                          "Read the message and check the device; add a rule to the config."),
    "unreadable": _e("Lukukelvoton viesti laitteelta", "Oläsligt meddelande från enheten",
                     "Unreadable message from a device", "medium",
                     "Tarkista laitteen asetukset; viesti on tallessa.",
                     "Kontrollera enhetens inställningar; meddelandet är sparat.",
                     "Check the device's settings; the message is stored."),
    "telegram_down": _e("Telegram ei ole tavoitettavissa", "Telegram går inte att nå",
                        "Telegram unreachable", "high",
                        "Ilmoitukset menevät varayhteyksille. Tarkista verkkoyhteys ja botti.",
                        "Aviseringar går till reservkontakterna. Kontrollera nätet och boten.",
                        "Notices go to fallback contacts. Check the network and the bot."),
    "ESPA": _e("Hakulaitehälytys", "Personsökarlarm", "Paging alarm", "high",
               "Lue viesti ja toimi sen mukaan.", "Läs meddelandet och agera därefter.",
               "Read the message and act on it."),
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
