"""Texts of the outside-party channels (e-mail, SMS) and of the ack page's answers.

Merged into `TEXTS` by the catalogue. Confirmations are whole sentences per
language (Finnish word order does not survive gluing English fragments).
"""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    # -- e-mail --
    "mail.open": {"fi": "Avaa hälytys ja vastaa", "sv": "Öppna larmet och svara",
                  "en": "Open the alarm and answer"},
    "mail.footer": {
        "fi": "Hälytyspalvelu – {facility}. Vastatkaa yllä olevan linkin kautta; "
              "vastauksia tähän sähköpostiin ei lueta.",
        "sv": "Larmtjänst – {facility}. Svara via länken ovan; svar på detta "
              "e-postmeddelande läses inte.",
        "en": "Alarm service – {facility}. Answer through the link above; replies to this "
              "e-mail are not read."},
    # -- the ack page's answers --
    "ack.answer": {"fi": "Vastauksenne", "sv": "Ert svar", "en": "Your answer"},
    "ack.take": {"fi": "Hoidamme asian", "sv": "Vi tar det", "en": "We take it"},
    "ack.eta_optional": {"fi": "Arvioitu saapumisaika (ei pakollinen)",
                         "sv": "Beräknad ankomsttid (frivilligt)",
                         "en": "Arrival time (optional)"},
    "ack.on_way_label": {"fi": "Olemme matkalla, perillä viimeistään klo",
                         "sv": "Vi är på väg, på plats senast kl.",
                         "en": "On our way, ETA"},
    "ack.on_way": {"fi": "Olemme matkalla", "sv": "Vi är på väg", "en": "On our way"},
    "ack.not_ours": {"fi": "Ei kuulu meille: siirrä eteenpäin nyt",
                     "sv": "Inte vårt: eskalera nu", "en": "Not ours: escalate now"},
    "ack.false_alarm_label": {
        "fi": "Virheellinen hälytys: kuittaamme sen etänä viimeistään klo",
        "sv": "Falsklarm: vi återställer det på distans senast kl.",
        "en": "False alarm: we will clear it remotely by"},
    "ack.false_alarm": {"fi": "Virheellinen hälytys", "sv": "Falsklarm",
                        "en": "False alarm"},
    "ack.resolve": {"fi": "Korjattu", "sv": "Åtgärdat", "en": "Resolved"},
    # what the others read (stored once, in the facility's language)
    "note.eta": {"fi": "perillä viimeistään klo {time}", "sv": "på plats senast kl. {time}",
                 "en": "arriving by {time}"},
    "note.on_way": {"fi": "matkalla, perillä viimeistään klo {time}",
                    "sv": "på väg, på plats senast kl. {time}",
                    "en": "on the way, arriving by {time}"},
    "note.clear_by": {"fi": "kuittaa hälytyksen etänä viimeistään klo {time}",
                      "sv": "återställer larmet på distans senast kl. {time}",
                      "en": "will clear it remotely by {time}"},
    "note.not_ours": {"fi": "ei kuulu meille", "sv": "inte vårt", "en": "not ours"},
    # confirmations on the page
    "confirm.told.nurse": {"fi": "Vuorossa olevalle hoitajalle on kerrottu",
                           "sv": "Sjuksköterskan i tjänst har fått veta",
                           "en": "The nurse on duty has been told"},
    "confirm.told.others": {"fi": "Muille hälytyksestä tietäville on kerrottu",
                            "sv": "De andra som larmats har fått veta",
                            "en": "Everyone else contacted has been told"},
    "confirm.take": {"fi": "Kiitos. {told}, että hoidatte asian.",
                     "sv": "Tack. {told} att ni tar hand om det.",
                     "en": "Thank you. {told} you take it."},
    "confirm.take_eta": {
        "fi": "Kiitos. {told}, että hoidatte asian ja olette perillä viimeistään klo {time}.",
        "sv": "Tack. {told} att ni tar hand om det och är på plats senast kl. {time}.",
        "en": "Thank you. {told} you take it and arrive by {time}."},
    "confirm.on_way": {"fi": "Kiitos. {told}, että olette perillä viimeistään klo {time}.",
                       "sv": "Tack. {told} att ni är på plats senast kl. {time}.",
                       "en": "Thank you. {told} you arrive by {time}."},
    "confirm.false_alarm": {
        "fi": "Kiitos. {told}, että kyseessä on virheellinen hälytys, jonka kuittaatte etänä "
              "viimeistään klo {time}. Ellei hälytys ole kuittautunut päätteellä klo "
              "{deadline} mennessä, se nostetaan uudelleen.",
        "sv": "Tack. {told} att det är ett falsklarm som ni återställer på distans senast "
              "kl. {time}. Om terminalen inte har återställts senast kl. {deadline} larmas "
              "det igen.",
        "en": "Thank you. {told} it is a false alarm and you will clear it remotely by "
              "{time}. If the terminal has not cleared by {deadline}, the alarm is raised "
              "again."},
    "confirm.resolve": {"fi": "Kiitos. {told}, että asia on ratkaistu.",
                        "sv": "Tack. {told} att det är löst.",
                        "en": "Thank you. {told} it is resolved."},
    "confirm.escalate": {"fi": "Kiitos. Hälytys on siirretty eteenpäin: {names}.",
                         "sv": "Tack. Larmet har skickats vidare till: {names}.",
                         "en": "Thank you. The alarm has been passed on to: {names}."},
    "confirm.escalate_next": {"fi": "Kiitos. Hälytys siirretään seuraavalle listalla.",
                              "sv": "Tack. Larmet går vidare till nästa på listan.",
                              "en": "Thank you. The alarm is passed on to the next in line."},
    "confirm.not_current": {
        "fi": "Kiitos. Hälytys oli jo siirretty eteenpäin, joten muuta ei muutettu; "
              "vastauksenne on kirjattu hälytyksen tietoihin.",
        "sv": "Tack. Larmet hade redan skickats vidare, så inget annat ändrades; ert svar "
              "finns i larmets historik.",
        "en": "Thank you. The alarm had already been passed on, so nothing else changed; "
              "your answer is in the alarm's record."},
    "confirm.note": {"fi": "Kiitos. Huomautuksenne on kirjattu ja välitetty hälytyksestä "
                           "tietäville.",
                     "sv": "Tack. Er anteckning är sparad och vidarebefordrad till dem som "
                           "larmats.",
                     "en": "Thank you. Your note is recorded and passed on to everyone "
                           "contacted."},
    "confirm.snooze": {"fi": "Kiitos. Muistutukset on keskeytetty klo {time} asti.",
                       "sv": "Tack. Påminnelserna är pausade till kl. {time}.",
                       "en": "Thank you. Reminders are paused until {time}."},
    "page.need_time": {"fi": "Anna kellonaika, esimerkiksi 14:30.",
                       "sv": "Ange en tid, till exempel 14:30.",
                       "en": "Give a time, for example 14:30."},
    "page.changed": {
        "fi": "Mitään ei muutettu: hälytykseen on jo vastattu. Tila nyt: {state}.",
        "sv": "Inget ändrades: larmet har redan besvarats. Status nu: {state}.",
        "en": "Nothing was changed: this alarm has already been answered. It is now: {state}."},
    "label.taken_by": {"fi": "Hoitaa", "sv": "Åtgärdas av", "en": "Taken by"},
    "label.clear_by": {"fi": "Kuitattava päätteellä viimeistään",
                       "sv": "Ska återställas i terminalen senast",
                       "en": "Must clear at the terminal by"},
}
