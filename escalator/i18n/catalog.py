"""Message catalogue. Keys are stable; add languages by adding columns."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    # -- maintenance windows (escalator/maintenance_holds.py); parameters work, until --
    "reason.MAINTENANCE_HELD": {
        "fi": "Huoltotyö ({work}): hälytys kirjattu, mutta kenellekään ei ilmoiteta ennen "
              "klo {until}",
        "sv": "Underhåll ({work}): larmet är registrerat, men ingen larmas före kl. {until}",
        "en": "Maintenance ({work}): recorded, nobody is alerted before {until}"},
    "reason.MAINTENANCE_ENDED": {
        "fi": "Huoltotyön aika päättyi ({work}), mutta hälytys on yhä päällä",
        "sv": "Underhållet är slut ({work}), men larmet är fortfarande aktivt",
        "en": "The maintenance window has ended ({work}) and the alarm is still on"},
    "label.where": {"fi": "Missä", "sv": "Var", "en": "Where"},
    "label.since": {"fi": "Alkaen", "sv": "Sedan", "en": "Since"},
    "label.count": {"fi": "Toistunut {count} kertaa", "sv": "Upprepat {count} gånger",
                    "en": "Repeated {count} times"},
    "label.act": {"fi": "Kuittaa tai kerro tilanne", "sv": "Kvittera eller svara",
                  "en": "Take it or answer"},
    "label.state": {"fi": "Tila", "sv": "Status", "en": "State"},
    "state.open": {"fi": "avoin", "sv": "öppen", "en": "open"},
    "state.acknowledged": {"fi": "hoidossa", "sv": "åtgärdas", "en": "taken"},
    "state.snoozed": {"fi": "torkutettu", "sv": "pausad", "en": "snoozed"},
    "state.false_alarm": {"fi": "virheellinen, odottaa kuittausta päätteellä",
                          "sv": "felaktigt, väntar på återställning",
                          "en": "false alarm, waiting for the terminal to clear"},
    "state.awaiting_clear": {"fi": "korjattu, odottaa kuittausta päätteellä",
                             "sv": "åtgärdat, väntar på återställning",
                             "en": "fixed, waiting for the terminal to clear"},
    "state.resolved": {"fi": "ratkaistu", "sv": "löst", "en": "resolved"},
    "action.acknowledge": {"fi": "Otan hoitaakseni", "sv": "Jag tar det",
                           "en": "I'll take it"},
    "action.false_alarm": {"fi": "Virheellinen hälytys", "sv": "Falsklarm",
                           "en": "False alarm"},
    "action.resolve": {"fi": "Ratkaistu", "sv": "Löst", "en": "Resolved"},
    "action.snooze": {"fi": "Torkuta", "sv": "Pausa", "en": "Snooze"},
    "action.escalate": {"fi": "Siirrä eteenpäin nyt", "sv": "Eskalera nu",
                        "en": "Escalate now"},
    "action.note": {"fi": "Lisää huomautus", "sv": "Lägg till en anteckning",
                    "en": "Add a note"},
    "page.done": {"fi": "Kiitos. Tieto on tallennettu ja välitetty: {what}.",
                  "sv": "Tack. Svaret är sparat och vidarebefordrat: {what}.",
                  "en": "Thank you. Your answer is recorded and passed on: {what}."},
    "page.expired": {"fi": "Linkki on vanhentunut tai virheellinen.",
                     "sv": "Länken har gått ut eller är ogiltig.",
                     "en": "This link has expired or is not valid."},
    "page.closed": {"fi": "Tämä hälytys on jo käsitelty ({state}).",
                    "sv": "Larmet är redan hanterat ({state}).",
                    "en": "This alarm has already been handled ({state})."},
    "page.timeline": {"fi": "Tapahtumat", "sv": "Händelser", "en": "What has happened"},
    # -- ack page (escalator/web/ackpage.py) --
    "page.title": {"fi": "Hälytys", "sv": "Larm", "en": "Alarm"},
    "page.link_invalid": {
        "fi": "Linkki ei kelpaa. Avaa linkki suoraan viestistä, sellaisenaan.",
        "sv": "Länken är ogiltig. Öppna länken direkt från meddelandet, som den är.",
        "en": "This link is not valid. Open the link straight from the message, as it is."},
    "page.link_expired": {
        "fi": "Linkki on vanhentunut. Käytä uusimman hälytysviestin linkkiä.",
        "sv": "Länken har gått ut. Använd länken i det senaste larmmeddelandet.",
        "en": "This link has expired. Use the link in the latest alarm message."},
    "page.not_found": {"fi": "Hälytystä ei löydy.", "sv": "Larmet hittades inte.",
                       "en": "This alarm was not found."},
    "page.bad_form": {
        "fi": "Valintaa ei tunnistettu. Palaa takaisin ja yritä uudelleen.",
        "sv": "Valet kändes inte igen. Gå tillbaka och försök igen.",
        "en": "That choice was not recognised. Go back and try again."},
    "page.note_empty": {"fi": "Kirjoita huomautus ennen lähettämistä.",
                        "sv": "Skriv en anteckning innan du skickar.",
                        "en": "Write a note before sending it."},
    "page.unavailable": {
        "fi": "Palvelu on hetkellisesti poissa käytöstä. Yritä uudelleen hetken kuluttua.",
        "sv": "Tjänsten är tillfälligt otillgänglig. Försök igen om en stund.",
        "en": "The service is unavailable for a moment. Try again shortly."},
    "page.error": {"fi": "Tapahtui virhe. Yritä uudelleen.",
                   "sv": "Något gick fel. Försök igen.",
                   "en": "Something went wrong. Please try again."},
    "label.you": {"fi": "Vastaat nimellä: {name}", "sv": "Du svarar som: {name}",
                  "en": "You are answering as: {name}"},
    "label.contacted": {"fi": "Kenelle on ilmoitettu", "sv": "Vem som har underrättats",
                        "en": "Who has been contacted"},
    "label.nobody_contacted": {"fi": "Ei vielä kenellekään", "sv": "Ingen ännu",
                               "en": "Nobody yet"},
    "label.note": {"fi": "Huomautus", "sv": "Anteckning", "en": "Note"},
    "label.snooze_for": {"fi": "Torkutuksen kesto", "sv": "Pausa i", "en": "Snooze for"},
    "label.back": {"fi": "Takaisin hälytykseen", "sv": "Tillbaka till larmet",
                   "en": "Back to the alarm"},
    "unit.minutes": {"fi": "{n} min", "sv": "{n} min", "en": "{n} min"},
    "unit.hours": {"fi": "{n} t", "sv": "{n} tim", "en": "{n} h"},
    "silent.text": {"fi": "Lähteeltä {source} ei ole tullut viestejä {timeout} aikana",
                    "sv": "Ingen signal från {source} på {timeout}",
                    "en": "No event or heartbeat from {source} for {timeout}"},
}

CODES: dict[str, dict[str, str]] = {
    "FT": {"fi": "Palohälytyssilmukan vika", "sv": "Fel i brandlarmsslingan",
           "en": "Fire alarm loop fault"},
    "fire_loop_fault": {"fi": "Palohälytyssilmukan vika", "sv": "Fel i brandlarmsslingan",
                        "en": "Fire alarm loop fault"},
    "YX": {"fi": "Maavuoto", "sv": "Jordfel", "en": "Earth leakage"},
    "earth_leakage": {"fi": "Maavuoto", "sv": "Jordfel", "en": "Earth leakage"},
    "FA": {"fi": "Palohälytys", "sv": "Brandlarm", "en": "Fire alarm"},
    "source_silent": {"fi": "Hälytyslähde on hiljaa", "sv": "Larmkällan är tyst",
                      "en": "Alarm source is silent"},
}

# Texts of the e-mail/SMS channels and the ack page's answers live in their own module.
from escalator.i18n.outside import TEXTS as _OUTSIDE  # noqa: E402

TEXTS.update({k: v for k, v in _OUTSIDE.items() if k not in TEXTS})

# Sentences of timeline entries and notices, from reasons and their parameters.
from escalator.i18n.reasons import TEXTS as _REASONS  # noqa: E402

TEXTS.update(_REASONS)

# What the voice channel says on the phone.
from escalator.i18n.voice import TEXTS as _VOICE  # noqa: E402

TEXTS.update({k: v for k, v in _VOICE.items() if k not in TEXTS})

# Who may use a link or send a note.
from escalator.i18n.access import TEXTS as _ACCESS  # noqa: E402

TEXTS.update({k: v for k, v in _ACCESS.items() if k not in TEXTS})

# What went wrong with a send (channel, failure kind, next channel).
from escalator.i18n.failures import TEXTS as _FAILURES  # noqa: E402

TEXTS.update({k: v for k, v in _FAILURES.items() if k not in TEXTS})
