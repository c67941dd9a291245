"""A party's `promise:` key: what its maintenance or security contract promises.

    promise: {answer_within: 15 min, on_site_within: 4 h, cleared_within: 24 h}

Every key is optional; each is a duration measured from when the party was first
asked to handle an alarm (see `escalator.domain.service_promises`).
"""

from __future__ import annotations

from typing import Any

from escalator.config.problem import phrase
from escalator.config.validators import At, Problems, duration, mapping
from escalator.domain.service_promises import Promise

PROMISE_KEYS = ("answer_within", "on_site_within", "cleared_within")
DESCRIPTIONS = {
    "answer_within": "First answer, whatever the door.",
    "on_site_within": "First 'on site' answer ('on my way' is not).",
    "cleared_within": "The alarm cleared at the terminal (or resolved).",
}


def parse_promise(problems: Problems, at: At) -> Promise | None:
    """None when absent or wrong (each problem is reported at its line, an unknown key
    with a guess); a promise with no keys is None too."""
    if mapping(problems, at, PROMISE_KEYS, expected=phrase("cfg.want.promise")) is None:
        return None
    limits = {key: None if (entry := at.key(key)) is None else duration(problems, entry)
              for key in PROMISE_KEYS}
    return Promise(**limits) or None


def promise_schema(duration_ref: dict[str, str]) -> dict[str, Any]:
    return {"type": "object", "additionalProperties": False,
            "description": "What the party's contract promises, measured from when it was "
                           "first asked; a broken promise is a safety record and the weekly "
                           "summary counts them. Every key optional.",
            "properties": {k: {**duration_ref, "description": d}
                           for k, d in DESCRIPTIONS.items()}}
