"""What went wrong with a send, in the reader's words (`failure=` of a timeline entry).

The dispatcher stores the channel, a failure kind (escalator.errors.FAILURES)
and the next channel; the technical error ("webhook answered HTTP 500") stays
in the delivery row for the API and the log, never in a Finnish sentence.
"""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "failure.line": {"fi": "{failure} ({channel})", "sv": "{failure} ({channel})",
                     "en": "{failure} ({channel})"},
    "failure.next": {"fi": "seuraavaksi {next}", "sv": "nästa försök: {next}",
                     "en": "trying {next} next"},
    "failure.timeout": {"fi": "ei vastannut ajoissa", "sv": "svarade inte i tid",
                        "en": "no answer in time"},
    "failure.unreachable": {"fi": "yhteyttä ei saatu", "sv": "gick inte att nå",
                            "en": "could not be reached"},
    "failure.busy": {"fi": "palvelu oli ruuhkautunut tai vikatilassa",
                     "sv": "tjänsten var överbelastad eller ur funktion",
                     "en": "the service was busy or failing"},
    "failure.refused": {"fi": "palvelu hylkäsi viestin", "sv": "tjänsten avvisade meddelandet",
                        "en": "the service refused the message"},
    "failure.bad_address": {"fi": "osoitetta tai numeroa ei hyväksytty",
                            "sv": "adressen eller numret godtogs inte",
                            "en": "the address or number was not accepted"},
    "failure.not_set_up": {"fi": "yhteystapaa ei ole otettu käyttöön (tunnus tai salasana puuttuu)",
                           "sv": "kontaktvägen är inte inställd (användarnamn eller lösenord "
                                 "saknas)",
                           "en": "the channel is not set up (a login or password is missing)"},
    "failure.not_carried": {"fi": "tällaista viestiä ei lähetetä tätä kautta",
                            "sv": "sådana meddelanden skickas inte den vägen",
                            "en": "this kind of message is not sent this way"},
    "failure.down_too_long": {"fi": "yhteystapa on ollut poissa käytöstä liian kauan",
                              "sv": "kontaktvägen har varit nere för länge",
                              "en": "the channel has been down too long"},
    "failure.kept_failing": {"fi": "lähetys epäonnistui toistuvasti",
                             "sv": "sändningen misslyckades gång på gång",
                             "en": "sending kept failing"},
    "failure.not_answered": {"fi": "kukaan ei vastannut", "sv": "ingen svarade",
                             "en": "nobody answered"},
    "failure.no_contact": {"fi": "yhteystietoa ei enää ole asetuksissa",
                           "sv": "kontaktuppgiften finns inte längre i inställningarna",
                           "en": "the contact is no longer in the configuration"},
    "failure.crashed": {"fi": "sisäinen virhe lähetyksessä", "sv": "internt fel vid sändningen",
                        "en": "an internal fault while sending"},
    "failure.error": {"fi": "tuntematon virhe", "sv": "okänt fel", "en": "an unknown fault"},
    "channel.email": {"fi": "sähköposti", "sv": "e-post", "en": "e-mail"},
    "channel.sms": {"fi": "tekstiviesti", "sv": "sms", "en": "SMS"},
    "channel.voice": {"fi": "puhelu", "sv": "samtal", "en": "phone call"},
    "channel.telegram": {"fi": "Telegram", "sv": "Telegram", "en": "Telegram"},
    "channel.webhook": {"fi": "webhook-kutsu", "sv": "webhook-anrop", "en": "webhook"},
    "channel.log": {"fi": "loki", "sv": "logg", "en": "log"},
}
