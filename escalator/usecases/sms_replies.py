"""An SMS reply from a contact's phone, turned into an answer on the alarm it means.

The sender's number (E.164, read with the facility's dialling country as the
config's numbers are) says who answers: the party whose `sms:` contact it is. The
alarm is the one the reply names by its short code ("1 K7"; the guard then says
whether it is theirs and still open), or the only open alarm that called that
party; with several open and no code the reply asks which. An
unknown number, an unknown code or a text that is not an answer changes nothing and
gets a reply saying why. The answer itself goes through `Answering.answer` with the
SMS door, so every guard (rights, state, how often, `max_snooze`) is the same as
for a button.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from escalator.config.phones import to_e164
from escalator.domain import sms_reply
from escalator.domain.availability import Party
from escalator.domain.guards import Actor, Door
from escalator.domain.model import Incident
from escalator.i18n import reader_language
from escalator.storage.sql import Tx
from escalator.usecases.answering import Answering, Command, Outcome

OPEN_SCAN = 500  # open alarms looked at for one number (far more than a ward has)


class Heard(StrEnum):
    ANSWERED = "answered"  # the answer use case's outcome says the rest
    UNKNOWN_NUMBER = "unknown_number"  # no contact has this number: nothing changes
    NOT_AN_ANSWER = "not_an_answer"  # say how to answer
    NONE_OPEN = "none_open"  # no open alarm called this number's party
    UNKNOWN_CODE = "unknown_code"  # the code names no open alarm of this number's
    WHICH = "which"  # several open and no code: ask which


@dataclass(frozen=True)
class SmsAnswer:
    """What became of one reply, for the door to say in `language`."""

    heard: Heard
    language: str
    outcome: Outcome | None = None
    reply: sms_reply.Reply | None = None
    codes: tuple[str, ...] = ()  # the number's open alarms (UNKNOWN_CODE, WHICH)


@dataclass(frozen=True)
class SmsReplies:
    answering: Answering

    def parties_of(self, sender: str) -> list[Party]:
        """The parties whose SMS contact is this number (a ward's shared phone: several)."""
        config = self.answering.context.config
        number, _ = to_e164(sender.strip(), config.facility.country)
        if number is None:
            return []
        return [p for p in config.parties.values()
                if any(c.channel == "sms" and c.address == number for c in p.contacts)]

    async def answer(self, sender: str, text: str) -> SmsAnswer:
        config = self.answering.context.config
        parties = self.parties_of(sender)
        if not parties:
            return SmsAnswer(Heard.UNKNOWN_NUMBER, reader_language(None, config.facility.language))
        lang = reader_language(parties[0].language, config.facility.language)
        reply = sms_reply.read(text)
        if reply is None:
            return SmsAnswer(Heard.NOT_AN_ANSWER, lang)
        ids = {p.id for p in parties}
        open_, named = await self.answering.store.transaction(
            lambda tx: (_open_for(tx, ids), _named(tx, reply.incident_id)))
        codes = tuple(sms_reply.short_code(i.id) for i in open_)
        if named is not None:  # the guard says the rest: over, not theirs, taken by ...
            incident = named
        elif reply.incident_id is not None:
            return SmsAnswer(Heard.UNKNOWN_CODE, lang, reply=reply, codes=codes)
        elif not open_:
            return SmsAnswer(Heard.NONE_OPEN, lang, reply=reply)
        elif len(open_) > 1:
            return SmsAnswer(Heard.WHICH, lang, reply=reply, codes=codes)
        else:
            incident = open_[0]
        party = next((p for p in parties if p.id in incident.notified), parties[0])
        actor = Actor(Door.SMS, party.name, party.id, scope=party.id)
        outcome = await self.answering.answer(Command(actor, incident.id, reply.action,
                                                      minutes=reply.minutes))
        lang = reader_language(party.language, config.facility.language)
        return SmsAnswer(Heard.ANSWERED, lang, outcome, reply, codes)


def _named(tx: Tx, incident_id: int | None) -> Incident | None:
    """The alarm a code names, open or not (a reply to a resolved one hears who did it)."""
    return None if incident_id is None else tx.incidents.get(incident_id)


def _open_for(tx: Tx, parties: set[str]) -> list[Incident]:
    """Open alarms that called one of these parties, oldest first."""
    found = [i for i in tx.incidents.listed("open", limit=OPEN_SCAN)
             if i.is_open and parties & set(i.notified)]
    return sorted(found, key=lambda i: i.id)

