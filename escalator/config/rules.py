"""A party's `rules:`: its contacts in groups, per urgency (domain/contact_rules.py).

    rules:                        # or just the list: the same for every urgency
      high:
        - at_once: [voice, sms]   # the first group: tried at once
        - then_after: 2 min       # the next group, 2 min after the one before
          at_once: [email]
      low:
        - at_once: [email]

A group names the party's contacts by channel (every contact of that channel); a
party without `rules` is reached as before, one contact after another.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from escalator.config.problem import phrase
from escalator.config.validators import At, Problems, choice, duration, mapping, names, sequence
from escalator.domain.availability import Contact
from escalator.domain.contact_rules import DEFAULT_URGENCY, URGENCIES, ContactRules, Group

RULES_EXPECTED = phrase("cfg.want.contact_rules")
GROUP_EXPECTED = phrase("cfg.want.contact_group")
GROUP_KEYS = ("at_once", "then_after")


def parse_rules(problems: Problems, at: At, contacts: tuple[Contact, ...]
                ) -> ContactRules | None:
    """The rules, or None (reported) when any part is wrong."""
    before = problems.count
    found: list[tuple[str, tuple[Group, ...]]] = []
    if isinstance(at.value, list):
        found.append((DEFAULT_URGENCY, _groups(problems, at, contacts)))
    elif isinstance(at.value, dict):
        if mapping(problems, at, URGENCIES, expected=RULES_EXPECTED) is None:
            return None
        for urgency, entry in at.entries():
            if urgency in URGENCIES:
                found.append((urgency, _groups(problems, entry, contacts)))
        if not found and problems.count == before:  # `{}`: a misspelt urgency is told
            problems.bad(at, RULES_EXPECTED)
    else:
        problems.bad(at, RULES_EXPECTED)
    if problems.count > before:
        return None
    return ContactRules(tuple(found))


def _groups(problems: Problems, at: At, contacts: tuple[Contact, ...]) -> tuple[Group, ...]:
    if not sequence(problems, at, RULES_EXPECTED, non_empty=True):
        return ()
    groups = []
    for n, item in enumerate(at.items()):
        group = _group(problems, item, contacts, first=n == 0)
        if group is not None:
            groups.append(group)
    return tuple(groups)


def _group(problems: Problems, at: At, contacts: tuple[Contact, ...], first: bool
           ) -> Group | None:
    if mapping(problems, at, GROUP_KEYS, ("at_once",), expected=GROUP_EXPECTED) is None:
        return None
    after_at = at.key("then_after")
    after: timedelta | None = timedelta(0)
    if after_at is not None:
        if first:
            problems.error(after_at, "cfg.rules_first_then_after")
            return None
        after = duration(problems, after_at)
    elif not first:  # a misspelt key was reported as that already
        if all(key in GROUP_KEYS for key in at.value):
            problems.error(at, "cfg.missing_key", keyname=repr("then_after"))
        return None
    once_at = at.key("at_once")
    if once_at is None or after is None:
        return None
    channels = list(dict.fromkeys(c.channel for c in contacts))
    picked: list[int] = []
    for item in names(problems, once_at, "channel"):
        channel = choice(problems, item, channels)
        if channel is not None:
            picked += [i for i, c in enumerate(contacts) if c.channel == channel]
    return Group(tuple(dict.fromkeys(picked)), after) if picked else None


def rules_schema(duration_ref: dict[str, str]) -> dict[str, Any]:
    """The JSON Schema of `rules:` (the editor's completion and the published schema)."""
    group = {"type": "object", "additionalProperties": False, "required": ["at_once"],
             "properties": {
                 "at_once": {"description": "Channels of this party's contacts, tried at once.",
                             "oneOf": [{"type": "string"},
                                       {"type": "array", "items": {"type": "string"},
                                        "minItems": 1}]},
                 "then_after": {**duration_ref, "description":
                                "This group is tried this long after the one before "
                                "(not on the first group)."}}}
    groups = {"type": "array", "items": group, "minItems": 1}
    return {"description": "Contacts in groups (a group at once, the next then_after), per "
                           "urgency of the route; absent: the contacts one after another.",
            "oneOf": [groups, {"type": "object", "additionalProperties": False,
                               "minProperties": 1,
                               "properties": {u: groups for u in URGENCIES}}]}


def urgency_schema() -> dict[str, Any]:
    """A route's `urgency` in the JSON Schema."""
    return {"enum": list(URGENCIES), "default": DEFAULT_URGENCY,
            "description": "Picks each party's contact rules for this route's alarms."}
