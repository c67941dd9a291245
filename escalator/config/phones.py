"""Phone numbers as people write them, turned into E.164 with the facility's country.

A manager copies "040 123 4567" from the staff list; an SMS gateway or a
voice provider abroad needs "+358401234567". The number is read here, once,
at load time, with the facility's country for numbers without a "+", and
checked against the numbering plan (`phonenumbers`), so a digit too few is a
`FILE:LINE` error today rather than a call that never rings at 3 a.m.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, ValidationResult

from escalator.config.problem import Phrase, phrase
from escalator.config.validators import At, Problems

DEFAULT_COUNTRY = "FI"
_NOT_DIALLED = re.compile(r"[^\d\s+\-().]")

# Why a text is not a number, as `cfg.why.phone.*` catalogue keys.
_PARSE_WHY = {
    NumberParseException.INVALID_COUNTRY_CODE: "cfg.why.phone.no_country_code",
    NumberParseException.NOT_A_NUMBER: "cfg.why.phone.not_a_number",
    NumberParseException.TOO_SHORT_AFTER_IDD: "cfg.why.phone.too_short",
    NumberParseException.TOO_SHORT_NSN: "cfg.why.phone.too_short",
    NumberParseException.TOO_LONG: "cfg.why.phone.too_long",
}
_LENGTH_WHY = {
    ValidationResult.TOO_SHORT: "cfg.why.phone.too_short",
    ValidationResult.TOO_LONG: "cfg.why.phone.too_long",
    ValidationResult.INVALID_LENGTH: "cfg.why.phone.wrong_digits",
    ValidationResult.INVALID_COUNTRY_CODE: "cfg.why.phone.no_country_code",
}


def supported(country: str) -> bool:
    return country.upper() in phonenumbers.SUPPORTED_REGIONS


def regions() -> list[str]:
    return sorted(phonenumbers.SUPPORTED_REGIONS)


@cache
def _zone_countries() -> dict[str, str]:
    """Time zone -> ISO country from the tz database's zone.tab (shipped by `tzdata`)."""
    try:
        text = resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError, OSError):
        return {}
    found = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            fields = line.split("\t")
            if len(fields) >= 3:
                found[fields[2]] = fields[0]
    return found


def country_of_timezone(timezone: str) -> str:
    """Europe/Stockholm -> SE; a zone of no single country (UTC) -> FI."""
    country = _zone_countries().get(timezone, DEFAULT_COUNTRY)
    return country if supported(country) else DEFAULT_COUNTRY


def example(country: str) -> str | Phrase:
    """`"+358 40 1234567" or, in FI, "040 1234567"`: both forms, from the numbering plan."""
    number = phonenumbers.example_number_for_type(country, phonenumbers.PhoneNumberType.MOBILE)
    if number is None:
        return '"+358 40 1234567"'
    international = phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
    national = phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    return phrase("cfg.phone_example", international=international, country=country,
                  national=national)


def expected(country: str) -> Phrase:
    return phrase("cfg.want.phone", example=example(country))


def to_e164(text: str, country: str) -> tuple[str | None, Phrase | None]:
    """(the number in E.164, None) or (None, why it is not a number in `country`)."""
    if _NOT_DIALLED.search(text):  # phonenumbers would read "HOTLINE" as keypad digits
        return None, phrase("cfg.why.phone.only_digits")
    try:
        number = phonenumbers.parse(text, country)
    except NumberParseException as exc:
        return None, phrase(_PARSE_WHY.get(exc.error_type, "cfg.why.phone.not_a_number"))
    if phonenumbers.is_valid_number(number):
        return phonenumbers.format_number(number, PhoneNumberFormat.E164), None
    region = phonenumbers.region_code_for_country_code(number.country_code or 0)
    length = phonenumbers.is_possible_number_with_reason(number)
    why = _LENGTH_WHY.get(length, "cfg.why.phone.no_range")
    plus = text.strip().startswith(("+", "00"))
    known = region not in ("ZZ", "001")
    where = (f"+{number.country_code}" + (f" ({region})" if known else "")) if plus else country
    return None, phrase("cfg.why.phone.for", why=phrase(why), where=where)


def phone(problems: Problems, at: At, country: str) -> str | None:
    """A contact's `sms:` or `voice:` number -> E.164, or a FILE:LINE problem saying why not."""
    if isinstance(at.value, int) and not isinstance(at.value, bool):
        problems.bad(at, expected(country),
                     phrase("cfg.why.phone.unquoted"))
        return None
    if not isinstance(at.value, str) or not at.value.strip():
        problems.bad(at, expected(country))
        return None
    number, why = to_e164(at.value, country)
    if number is None:
        problems.bad(at, expected(country), why)
    return number
