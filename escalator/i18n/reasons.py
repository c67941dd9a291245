"""Sentences for timeline entries and notices, rendered from a reason and its parameters.

The policy stores `params(...)` (names, ids, ISO times), never a sentence, so
the nurse reads Finnish, the Swedish-speaking contractor Swedish, and the
English log English, from one stored row. Whole sentences per language: a
Finnish sentence is never glued together from English fragments.
"""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "reason.OPENED": {"fi": "Hälytys vastaanotettu: {what}", "sv": "Larm mottaget: {what}",
                      "en": "Alarm received: {what}"},
    "reason.FIRST": {"fi": "Uusi hälytys", "sv": "Nytt larm", "en": "New alarm"},
    "reason.RENOTIFY": {
        "fi": "Muistutus: hälytystä ei ole vielä kuitattu",
        "sv": "Påminnelse: larmet är ännu inte kvitterat",
        "en": "Reminder: nobody has taken this alarm yet"},
    "reason.ESCALATED": {
        "fi": "Hälytys siirretty teille", "sv": "Larmet har eskalerats till er",
        "en": "This alarm has been escalated to you"},
    "reason.ESCALATED.update": {
        "fi": "Hälytys siirretty eteenpäin: {to}", "sv": "Larmet har skickats vidare till {to}",
        "en": "Passed on to {to}"},
    "reason.ACKED": {"fi": "Hoidossa: {by}", "sv": "Åtgärdas av {by}", "en": "Taken by {by}"},
    "reason.FALSE_ALARM": {
        "fi": "{by} ilmoitti hälytyksen virheelliseksi; päätteen on kuittauduttava "
              "viimeistään klo {deadline}",
        "sv": "{by} anmälde larmet som falsklarm; terminalen måste återställas senast kl. "
              "{deadline}",
        "en": "Called a false alarm by {by}; the terminal must clear by {deadline}"},
    "reason.AWAITING_CLEAR": {
        "fi": "{by} ilmoitti vian korjatuksi; päätteen on kuittauduttava viimeistään klo "
              "{deadline}",
        "sv": "{by} anmälde felet som åtgärdat; terminalen måste återställas senast kl. "
              "{deadline}",
        "en": "Reported fixed by {by}; the terminal must clear by {deadline}"},
    "reason.CLEAR_REQUESTED": {
        "fi": "Pyyntö teille: kuitatkaa hälytys päätteellä viimeistään klo {deadline}",
        "sv": "Begäran till er: återställ larmet i terminalen senast kl. {deadline}",
        "en": "Please clear this alarm at the terminal by {deadline}"},
    "reason.RESOLVED": {"fi": "Ratkaistu: {by}", "sv": "Löst av {by}", "en": "Resolved by {by}"},
    "reason.CLEARED": {
        "fi": "Kuittautunut päätteellä – tilanne normaali",
        "sv": "Återställt i terminalen – läget är normalt",
        "en": "Cleared at the terminal – back to normal"},
    "reason.SNOOZED": {"fi": "{by} torkutti hälytyksen klo {until} asti",
                       "sv": "{by} pausade larmet till kl. {until}",
                       "en": "Snoozed by {by} until {until}"},
    "reason.UNSNOOZED": {"fi": "Torkutus päättyi", "sv": "Pausen är slut",
                         "en": "The snooze has ended"},
    "reason.NOTE": {"fi": "Huomautus ({by}): {note}", "sv": "Anteckning ({by}): {note}",
                    "en": "Note ({by}): {note}"},
    "reason.EXHAUSTED": {
        "fi": "TURVALLISUUSPOIKKEAMA: {cause}", "sv": "SÄKERHETSAVVIKELSE: {cause}",
        "en": "SAFETY INCIDENT: {cause}"},
    "reason.EXHAUSTED.again": {
        "fi": "Kukaan ei vieläkään ottanut hälytystä hoitaakseen",
        "sv": "Fortfarande har ingen tagit hand om larmet",
        "en": "Still nobody has taken this alarm"},
    "reason.SAFETY_INCIDENT": {
        "fi": "TURVALLISUUSPOIKKEAMA: {cause}", "sv": "SÄKERHETSAVVIKELSE: {cause}",
        "en": "SAFETY INCIDENT: {cause}"},
    "reason.SKIPPED_UNAVAILABLE": {"fi": "Ohitettu: {why}", "sv": "Hoppades över: {why}",
                                   "en": "Skipped: {why}"},
    "reason.REPEATED": {"fi": "Sama hälytys uudelleen ({count}. kerta)",
                        "sv": "Samma larm igen ({count}:e gången)",
                        "en": "The same alarm again ({count} times)"},
    "reason.ACK_OVERDUE": {
        "fi": "{by} otti hälytyksen hoitaakseen, mutta sitä ei ole ratkaistu ajoissa – "
              "hälytys on taas avoin",
        "sv": "{by} tog larmet, men det har inte lösts i tid – larmet är öppet igen",
        "en": "Taken by {by} but not resolved in time – the alarm is open again"},
    "reason.REOPENED": {
        "fi": "Sama hälytys palasi ({times}. kerran) pian ratkaisun jälkeen",
        "sv": "Samma larm kom tillbaka ({times}:e gången) strax efter att det lösts",
        "en": "The same alarm came back ({times} times) soon after it was resolved"},
    "reason.NOW_AVAILABLE": {
        "fi": "Olette nyt tavoitettavissa, ja tähän hälytykseen ei ole vielä vastattu",
        "sv": "Ni kan nås nu, och ingen har ännu svarat på detta larm",
        "en": "You can be reached now, and nobody has answered this alarm yet"},
    "reason.REWALK": {
        "fi": "Kukaan ei ole vielä ottanut hälytystä: hälytysportaat käydään uudelleen läpi",
        "sv": "Ingen har ännu tagit larmet: larmkedjan går igenom på nytt",
        "en": "Nobody has taken this alarm yet: the ladder is walked again"},
    "reason.DELIVERY_FAILED": {"fi": "Viestiä ei saatu perille: {error}",
                               "sv": "Meddelandet kom inte fram: {error}",
                               "en": "The message could not be delivered: {error}"},
    "reason.CHANNEL_FAILED": {"fi": "Yhteystapa ei toiminut: {error}",
                              "sv": "Kontaktvägen fungerade inte: {error}",
                              "en": "A contact method failed: {error}"},
    "reason.REFUSED": {"fi": "Torjuttu: {who} ei saa käsitellä tätä hälytystä",
                       "sv": "Nekat: {who} får inte hantera detta larm",
                       "en": "Refused: {who} may not act on this alarm"},
    # -- the same calls in a timeline that others read: third person, never "to you" --
    "reason.FIRST.timeline": {"fi": "hälytys lähetetty", "sv": "larmet skickat",
                              "en": "alarm sent"},
    "reason.RENOTIFY.timeline": {"fi": "muistutus lähetetty", "sv": "påminnelse skickad",
                                 "en": "reminder sent"},
    "reason.ESCALATED.timeline": {"fi": "hälytys siirretty hänelle", "sv": "larmet skickat vidare "
                                  "hit", "en": "alarm passed on to them"},
    "reason.NOW_AVAILABLE.timeline": {"fi": "tavoitettavissa nyt: hälytys lähetetty",
                                      "sv": "kan nås nu: larmet skickat",
                                      "en": "reachable now: alarm sent"},
    "reason.CLEAR_REQUESTED.timeline": {
        "fi": "pyydetty kuittaamaan hälytys päätteellä viimeistään klo {deadline}",
        "sv": "ombedd att återställa larmet i terminalen senast kl. {deadline}",
        "en": "asked to clear it at the terminal by {deadline}"},
    "reason.ACK_OVERDUE.timeline": {
        "fi": "{by} ei ratkaissut hälytystä ajoissa – hälytys on taas avoin",
        "sv": "{by} löste inte larmet i tid – larmet är öppet igen",
        "en": "{by} did not resolve it in time – the alarm is open again"},
    # -- fragments appended to a sentence when the parameter is there --
    "said.on_way": {"fi": "matkalla", "sv": "på väg", "en": "on the way"},
    "said.not_ours": {"fi": "ei kuulu heille", "sv": "inte deras", "en": "not theirs"},
    "frag.eta": {"fi": "perillä viimeistään klo {eta}", "sv": "på plats senast kl. {eta}",
                 "en": "arriving by {eta}"},
    "frag.until": {"fi": "muistutus klo {until}, ellei ratkaistu",
                   "sv": "påminnelse kl. {until} om det inte är löst",
                   "en": "reminder at {until} unless resolved"},
    "frag.promised": {"fi": "lupaus: kuittaus klo {promised} mennessä",
                      "sv": "utlovat: återställt senast kl. {promised}",
                      "en": "promised to clear it by {promised}"},
    "frag.by": {"fi": "siirtäjä: {by}", "sv": "av {by}", "en": "by {by}"},
    "frag.to": {"fi": "vastaanottaja: {to}", "sv": "till {to}", "en": "to {to}"},
    "frag.rewalk": {"fi": "hälytysportaat käydään uudelleen {rewalk} min välein",
                    "sv": "larmkedjan går igenom på nytt var {rewalk}:e minut",
                    "en": "the ladder is walked again every {rewalk} min"},
    # -- why someone was skipped, why a reminder came --
    "why.closed": {"fi": "suljettu (auki {hours})", "sv": "stängt (öppet {hours})",
                   "en": "closed (open {hours})"},
    "why.absent": {"fi": "poissa ({period})", "sv": "frånvarande ({period})",
                   "en": "absent ({period})"},
    "why.holiday": {"fi": "suljettu pyhäpäivänä ({holiday})",
                    "sv": "stängt på en helgdag ({holiday})",
                    "en": "closed on a public holiday ({holiday})"},
    "why.no_shift": {"fi": "kukaan ei ole vuorossa", "sv": "ingen är i tjänst",
                     "en": "nobody on shift"},
    "why.snooze_ended": {"fi": "torkutus päättyi", "sv": "pausen är slut",
                         "en": "the snooze has ended"},
    "why.step_unavailable": {"fi": "edellistä porrasta ei tavoitettu",
                             "sv": "föregående steg kunde inte nås",
                             "en": "the previous step could not be reached"},
    # -- safety record causes --
    "cause.nobody_acknowledged": {
        "fi": "kukaan ei ottanut hälytystä hoitaakseen ({walks} kierrosta)",
        "sv": "ingen tog hand om larmet ({walks} varv)",
        "en": "nobody took this alarm ({walks} walks of the ladder)"},
    "cause.nobody_available": {
        "fi": "ketään hälytysportailla ei tavoitettu",
        "sv": "ingen i larmkedjan kunde nås",
        "en": "nobody on the ladder could be reached"},
    "cause.false_alarm_not_cleared": {
        "fi": "{by} ilmoitti hälytyksen virheelliseksi, mutta pääte ei kuittautunut "
              "klo {deadline} mennessä",
        "sv": "{by} anmälde falsklarm, men terminalen återställdes inte senast kl. {deadline}",
        "en": "called a false alarm by {by} but not cleared at the terminal by {deadline}"},
    "cause.resolved_not_cleared": {
        "fi": "{by} ilmoitti vian korjatuksi, mutta pääte ei kuittautunut klo {deadline} "
              "mennessä",
        "sv": "{by} anmälde felet som åtgärdat, men terminalen återställdes inte senast "
              "kl. {deadline}",
        "en": "reported fixed by {by} but not cleared at the terminal by {deadline}"},
    "cause.ack_not_resolved": {
        "fi": "{by} otti hälytyksen hoitaakseen, mutta sitä ei ratkaistu ajoissa",
        "sv": "{by} tog larmet, men det löstes inte i tid",
        "en": "taken by {by} but not resolved in time"},
    "cause.source_silent": {
        "fi": "hälytyslähde oli hiljaa yli sallitun ajan",
        "sv": "larmkällan var tyst längre än tillåtet",
        "en": "the alarm source was silent past its limit"},
    "cause.delivery_failed": {
        "fi": "yhtäkään portaan yhteystapaa ei tavoitettu",
        "sv": "ingen kontaktväg i steget nåddes",
        "en": "every contact of every party on a step failed"},
    "someone": {"fi": "joku", "sv": "någon", "en": "someone"},
    # -- facts on cards and pages about what was promised and what went wrong --
    "label.eta": {"fi": "Perillä viimeistään", "sv": "På plats senast", "en": "Arriving by"},
    "label.ack_deadline": {"fi": "Muistutus, ellei ratkaistu", "sv": "Påminnelse om ej löst",
                           "en": "Reminder unless resolved"},
    "label.promised": {"fi": "Luvattu kuitata", "sv": "Utlovat återställt",
                       "en": "Promised to clear by"},
    "label.safety": {"fi": "Turvallisuuspoikkeama kirjattu", "sv": "Säkerhetsavvikelse "
                     "registrerad", "en": "Safety record written"},
    "label.reopened": {"fi": "Palannut {n} kertaa ratkaisun jälkeen",
                       "sv": "Har kommit tillbaka {n} gånger efter att ha lösts",
                       "en": "Came back {n} times after it was resolved"},
    "safety.nobody_acknowledged": {"fi": "kukaan ei ottanut hälytystä hoitaakseen",
                                   "sv": "ingen tog hand om larmet",
                                   "en": "nobody took the alarm"},
    "safety.nobody_available": {"fi": "ketään ei tavoitettu", "sv": "ingen kunde nås",
                                "en": "nobody could be reached"},
    "safety.false_alarm_not_cleared": {"fi": "virheellinen hälytys ei kuittautunut ajoissa",
                                       "sv": "falsklarmet återställdes inte i tid",
                                       "en": "the false alarm did not clear in time"},
    "safety.resolved_not_cleared": {"fi": "korjattu, mutta pääte ei kuittautunut ajoissa",
                                    "sv": "åtgärdat, men terminalen återställdes inte i tid",
                                    "en": "fixed, but the terminal did not clear in time"},
    "safety.ack_not_resolved": {"fi": "otettu hoitoon, mutta ei ratkaistu ajoissa",
                                "sv": "tagen, men inte löst i tid",
                                "en": "taken, but not resolved in time"},
}
