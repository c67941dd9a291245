"""SMS length rules: GSM-7 septets or UCS-2 code units, and how many segments a text takes.

3GPP TS 23.038: a text made only of the GSM-7 default alphabet (which has
ä ö å Ä Ö Å, so Finnish and Swedish fit) is sent as GSM-7: 160 septets in one
SMS, 153 per segment when it is split (the rest carries the concatenation
header). The extension table characters (^ { } \\ [ ] ~ | € and form feed)
take two septets each and are never split across segments. Any other
character forces the whole message to UCS-2: 70 UTF-16 code units in one SMS,
67 per segment; characters outside the Basic Multilingual Plane take two units
and are not split either.
"""

from __future__ import annotations

from dataclasses import dataclass

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67

# Typography that would needlessly force UCS-2 (and cut an SMS to 70 characters).
PLAIN = str.maketrans({
    "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u2010": "-", "\u2011": "-",
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u00b4": "'", "`": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2026": "...", "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\t": " ",
})


@dataclass(frozen=True)
class SmsSize:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2
    segments: int


def is_gsm7(text: str) -> bool:
    return all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text)


def char_units(c: str, gsm: bool) -> int:
    if gsm:
        return 2 if c in GSM7_EXTENSION else 1
    return 2 if ord(c) > 0xFFFF else 1


def measure(text: str) -> SmsSize:
    gsm = is_gsm7(text)
    units = [char_units(c, gsm) for c in text]
    single, part = (GSM7_SINGLE, GSM7_PART) if gsm else (UCS2_SINGLE, UCS2_PART)
    total = sum(units)
    if total <= single:
        return SmsSize("GSM-7" if gsm else "UCS-2", total, 1 if total else 0)
    segments, used = 1, 0
    for u in units:  # greedy: a two-unit character never straddles two segments
        if used + u > part:
            segments, used = segments + 1, 0
        used += u
    return SmsSize("GSM-7" if gsm else "UCS-2", total, segments)


def plain(text: str) -> str:
    """Replace typographic punctuation with GSM-7 equivalents; collapse whitespace."""
    return " ".join(text.translate(PLAIN).split())


def fit(essential: str, extra: str, tail: str, *, max_segments: int = 3) -> str:
    """"essential extra tail" made to fit one SMS, or as few segments as carry the essentials.

    The tail (the ack link) is never cut. `extra` is shortened first; if
    `essential` and the tail do not fit one segment (a long link, or text that
    needs UCS-2), the budget grows segment by segment up to `max_segments`,
    and only beyond that is `essential` shortened too.
    """
    essential, extra, tail = plain(essential), plain(extra), plain(tail)
    whole = " ".join(x for x in (essential, extra, tail) if x)
    for segments in range(1, max_segments + 1):
        if measure(whole).segments <= segments:
            return whole
        core = " ".join(x for x in (essential, tail) if x)
        if measure(core).segments <= segments:
            cut = _shorten(f"{essential} {extra}", tail, segments, keep=len(essential))
            kept = len(cut) - len(tail) - len(essential) - 4 if cut else 0
            return cut if cut and kept >= len(extra) // 2 else core  # no useless stubs
    return _shorten(essential, tail, max_segments) or tail


def _shorten(prefix: str, tail: str, segments: int, keep: int = 0) -> str | None:
    """The longest cut of prefix (not shorter than `keep`), marked "..", that fits
    `segments`; at a word boundary where that does not waste much."""
    for n in range(len(prefix) - 1, max(keep, 1) - 1, -1):
        head = prefix[:n]
        if prefix[n] != " ":  # n falls inside a word: end on a whole one instead
            space = head.rfind(" ")
            if keep and space <= keep:
                continue  # not one whole word past the kept part
            if space > (keep or n // 2):
                head = head[:space]
        head = head.rstrip(" ,.:;-")
        candidate = f"{head}.. {tail}" if head else tail
        if measure(candidate).segments <= segments:
            return candidate
    return None
