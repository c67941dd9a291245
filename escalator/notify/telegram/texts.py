"""Telegram's own texts in Finnish, Swedish and English.

They live next to the channel rather than in the shared catalogue because
they are chat-shaped (emoji headlines, popups of at most 200 characters,
command help). Lookups fall back to the shared catalogue (`escalator.i18n`),
then to English, so a missing translation still shows something readable.
"""

from __future__ import annotations

from escalator.i18n import t as shared_t

TEXTS: dict[str, dict[str, str]] = {
    # -- the card's headline, by the incident's state --
    "head.open": {"fi": "🔴 Hälytys – kukaan ei ole vielä ottanut sitä hoitaakseen",
                  "sv": "🔴 Larm – ingen har tagit hand om det ännu",
                  "en": "🔴 Alarm – nobody has taken it yet"},
    "head.acknowledged": {"fi": "🟡 Hoidossa: {who} klo {time}",
                          "sv": "🟡 Tas om hand av {who} kl. {time}",
                          "en": "🟡 Taken by {who} at {time}"},
    "head.acknowledged_eta": {"fi": "🟡 Hoidossa: {who} klo {time} – perillä viimeistään {eta}",
                              "sv": "🟡 Tas om hand av {who} kl. {time} – på plats senast {eta}",
                              "en": "🟡 Taken by {who} at {time} – arriving by {eta}"},
    "head.awaiting_clear": {"fi": "🔧 Korjattu ({who}) – odotan, että pääte kuittautuu",
                            "sv": "🔧 Åtgärdat ({who}) – jag väntar på att terminalen återställs",
                            "en": "🔧 Fixed ({who}) – waiting for the terminal to clear"},
    "head.snoozed": {"fi": "⏸ Torkutettu klo {time} asti",
                     "sv": "⏸ Pausat till kl. {time}",
                     "en": "⏸ Snoozed until {time}"},
    "head.false_alarm": {"fi": "⚪ Virheellinen hälytys ({who} klo {time}) – odotan, että "
                               "pääte kuittautuu",
                         "sv": "⚪ Falsklarm ({who} kl. {time}) – jag väntar på att terminalen "
                               "återställs",
                         "en": "⚪ Called a false alarm by {who} at {time} – waiting for the "
                               "terminal to clear"},
    "head.resolved": {"fi": "✅ Ratkaistu klo {time} ({who})",
                      "sv": "✅ Löst kl. {time} ({who})",
                      "en": "✅ Resolved at {time} ({who})"},
    "head.cleared": {"fi": "✅ Kuittautunut päätteellä klo {time} – tilanne normaali",
                     "sv": "✅ Återställt i terminalen kl. {time} – läget är normalt",
                     "en": "✅ Cleared at the terminal at {time} – back to normal"},
    "head.exhausted": {"fi": "🆘 TURVALLISUUSPOIKKEAMA: kukaan ei ottanut hälytystä hoitaakseen",
                       "sv": "🆘 SÄKERHETSAVVIKELSE: ingen tog hand om larmet",
                       "en": "🆘 SAFETY INCIDENT: nobody took this alarm"},
    # -- the card's labels --
    "label.serious": {"fi": "Kuinka vakava", "sv": "Hur allvarligt", "en": "How serious"},
    "label.todo": {"fi": "Mitä tehdä", "sv": "Vad ska göras", "en": "What to do"},
    "label.next": {"fi": "Seuraavaksi", "sv": "Härnäst", "en": "Next"},
    "label.alarm": {"fi": "Hälytys", "sv": "Larm", "en": "Alarm"},
    "next.step": {"fi": "jos kukaan ei ota hälytystä hoitaakseen, otan yhteyttä: {who} "
                        "klo {time}",
                  "sv": "om ingen tar hand om larmet kontaktar jag {who} kl. {time}",
                  "en": "if nobody takes it, I will contact {who} at {time}"},
    "next.exhausted": {"fi": "jos kukaan ei ota hälytystä hoitaakseen klo {time} mennessä, "
                             "kirjaan turvallisuuspoikkeaman ja kerron: {who}",
                       "sv": "om ingen tar hand om larmet före kl. {time} registrerar jag en "
                             "säkerhetsavvikelse och meddelar {who}",
                       "en": "if nobody takes it by {time}, I record a safety incident and "
                             "tell {who}"},
    "next.snoozed": {"fi": "muistutan klo {time}", "sv": "jag påminner kl. {time}",
                     "en": "I will remind you at {time}"},
    "next.false_alarm": {"fi": "jos pääte ei kuittaudu klo {time} mennessä, kirjaan "
                               "turvallisuuspoikkeaman ja jatkan ilmoittamista",
                         "sv": "om terminalen inte återställs före kl. {time} registrerar jag "
                               "en säkerhetsavvikelse och fortsätter larma",
                         "en": "if the terminal has not cleared by {time}, I record a safety "
                               "incident and resume the call-out"},
    "next.ack_deadline": {"fi": "ellei hälytystä ole ratkaistu klo {time} mennessä, muistutan "
                                "({who}) ja jatkan ilmoittamista",
                          "sv": "om larmet inte är löst före kl. {time} påminner jag ({who}) och "
                                "fortsätter larma",
                          "en": "if it is not resolved by {time}, I remind {who} and resume the "
                                "call-out"},
    "next.rewalk": {"fi": "soitan hälytysportaat uudelleen läpi klo {time}",
                    "sv": "jag larmar hela kedjan igen kl. {time}",
                    "en": "I will call the whole ladder again at {time}"},
    "button.pass_on": {"fi": "➡️ Siirrä nyt: {who}", "sv": "➡️ Skicka vidare nu: {who}",
                       "en": "➡️ Pass on now: {who}"},
    "button.take_remind": {"fi": "✋ Otan hoitaakseni – soitot loppuvat, muistutus {time}",
                           "sv": "✋ Jag tar det – larmen upphör, påminnelse {time}",
                           "en": "✋ I'll take it – the calls stop, reminder at {time}"},
    "now.contacting": {"fi": "Olen yhteydessä nyt: {who}.", "sv": "Jag kontaktar nu {who}.",
                       "en": "I am contacting {who} now."},
    # -- how serious / what to do, by kind of alarm --
    "serious.fault": {"fi": "Tekninen vika, ei tulipalo. Ei välitöntä vaaraa, mutta vika on "
                            "korjattava.",
                      "sv": "Ett tekniskt fel, ingen brand. Ingen omedelbar fara, men felet "
                            "måste åtgärdas.",
                      "en": "A technical fault, not a fire. No immediate danger, but it must "
                            "be fixed."},
    "todo.fault": {"fi": "Ei tarvetta evakuoida. Kenenkään ei tarvitse soittaa minnekään: "
                         "hoidan yhteydenotot. Paina «Otan hoitaakseni», jos hoidat asian.",
                   "sv": "Ingen evakuering behövs. Ingen behöver ringa någon: jag sköter "
                         "kontakterna. Tryck «Jag tar det» om du tar hand om saken.",
                   "en": "No need to evacuate. Nobody needs to call anyone: I am handling the "
                         "calls. Tap «I'll take it» if you deal with it."},
    "serious.fire": {"fi": "Palohälytys: toimi kuin se olisi todellinen, kunnes joku on "
                           "tarkistanut paikan.",
                     "sv": "Brandlarm: behandla det som verkligt tills någon har kontrollerat "
                           "platsen.",
                     "en": "Fire alarm: treat it as real until someone has checked the place."},
    "todo.fire": {"fi": "Tarkista paikka heti ja toimi talon pelastussuunnitelman mukaan.",
                  "sv": "Kontrollera platsen genast och följ husets räddningsplan.",
                  "en": "Check the place at once and follow the facility's rescue plan."},
    "serious.silent": {"fi": "Hälytysjärjestelmä ei ole raportoinut: hälytykset eivät "
                             "ehkä mene perille.",
                       "sv": "Larmsystemet har slutat rapportera: larm kanske inte kommer "
                             "fram.",
                       "en": "The alarm system has stopped reporting: alarms may not get "
                             "through."},
    "todo.silent": {"fi": "Ei tarvetta evakuoida. Katso, onko hälytyspääte päällä ja "
                          "verkossa, jos pystyt. Kenenkään ei tarvitse soittaa minnekään: "
                          "hoidan yhteydenotot.",
                    "sv": "Ingen evakuering behövs. Se efter om larmterminalen är på och "
                          "uppkopplad, om du kan. Ingen behöver ringa någon: jag sköter "
                          "kontakterna.",
                    "en": "No need to evacuate. Check that the alarm terminal is on and "
                          "connected, if you can. Nobody needs to call anyone: I am handling "
                          "the calls."},
    "serious.unknown": {"fi": "Ei tiedossa – pidä tärkeänä, kunnes joku on tarkistanut.",
                        "sv": "Okänt – behandla det som viktigt tills någon har kontrollerat.",
                        "en": "Not known – treat it as important until someone has checked."},
    "serious.info": {"fi": "Tiedoksi.", "sv": "För kännedom.", "en": "For information."},
    "serious.low": {"fi": "Vähäinen.", "sv": "Låg.", "en": "Low."},
    "serious.medium": {"fi": "Kohtalainen.", "sv": "Medel.", "en": "Medium."},
    "serious.high": {"fi": "Vakava.", "sv": "Hög.", "en": "High."},
    "serious.critical": {"fi": "Erittäin vakava.", "sv": "Mycket allvarligt.",
                         "en": "Critical."},
    "todo.unknown": {"fi": "Tarkista tilanne ja kerro painikkeilla, mitä teit.",
                     "sv": "Kontrollera läget och svara med knapparna.",
                     "en": "Check the situation and answer with the buttons."},
    "todo.done": {"fi": "Ei toimenpiteitä.", "sv": "Inget att göra.", "en": "Nothing to do."},
    "who.terminal": {"fi": "hälytyspääte", "sv": "larmterminalen", "en": "the alarm terminal"},
    # -- buttons --
    "button.snooze": {"fi": "Torkuta {duration}", "sv": "Pausa {duration}",
                      "en": "Snooze {duration}"},
    # -- short replies that make phones ring (edits do not) --
    "ping.FIRST": {"fi": "🔔 Uusi hälytys #{id}: {what}", "sv": "🔔 Nytt larm #{id}: {what}",
                   "en": "🔔 New alarm #{id}: {what}"},
    "ping.RENOTIFY": {"fi": "🔔 Muistutus: kukaan ei ole vielä ottanut hälytystä #{id} "
                            "hoitaakseen – {what}",
                      "sv": "🔔 Påminnelse: ingen har tagit hand om larm #{id} ännu – {what}",
                      "en": "🔔 Reminder: nobody has taken alarm #{id} yet – {what}"},
    "ping.ESCALATED": {"fi": "🔔 Hälytys #{id} siirrettiin teille – {what}",
                       "sv": "🔔 Larm #{id} har eskalerats till er – {what}",
                       "en": "🔔 Alarm #{id} has been escalated to you – {what}"},
    "ping.MAINTENANCE_ENDED": {
        "fi": "🔔 Huoltotyön aika päättyi, hälytys #{id} on yhä päällä – {what}",
        "sv": "🔔 Underhållet är slut, larm #{id} är fortfarande aktivt – {what}",
        "en": "🔔 Maintenance has ended and alarm #{id} is still on – {what}"},
    "ping.EXHAUSTED": {"fi": "🆘 Kukaan ei ottanut hälytystä #{id} hoitaakseen – {what}",
                       "sv": "🆘 Ingen tog hand om larm #{id} – {what}",
                       "en": "🆘 Nobody took alarm #{id} – {what}"},
    "ping.SAFETY_INCIDENT": {"fi": "🆘 Turvallisuuspoikkeama, hälytys #{id} – {what}",
                             "sv": "🆘 Säkerhetsavvikelse, larm #{id} – {what}",
                             "en": "🆘 Safety incident, alarm #{id} – {what}"},
    # -- popups after a button press (Telegram shows at most 200 characters) --
    "pop.done.acknowledge": {"fi": "Kiitos! Hälytys on nyt sinun, muistutukset loppuivat.",
                             "sv": "Tack! Larmet är ditt nu, påminnelserna har slutat.",
                             "en": "Thanks – it's yours now. Reminders have stopped."},
    "pop.done.false_alarm": {"fi": "Merkitty virheelliseksi. Seuraan, että pääte kuittautuu.",
                             "sv": "Markerat som falsklarm. Jag bevakar att terminalen "
                                   "återställs.",
                             "en": "Marked as a false alarm. I'll watch that the terminal "
                                   "clears."},
    "pop.done.resolve": {"fi": "Merkitty ratkaistuksi. Kiitos!", "sv": "Markerat som löst. Tack!",
                         "en": "Marked as resolved. Thank you!"},
    "pop.done.snooze": {"fi": "Torkutettu {duration}. Muistutan sen jälkeen.",
                        "sv": "Pausat {duration}. Jag påminner sedan.",
                        "en": "Snoozed for {duration}. I'll remind you then."},
    "pop.done.escalate": {"fi": "Siirretty eteenpäin nyt.", "sv": "Eskalerat nu.",
                          "en": "Passed on now."},
    "pop.unauthorised": {"fi": "Sinulla ei ole oikeutta vastata hälytyksiin. Pyydä ylläpitäjää "
                               "lisäämään Telegram-tunnuksesi {user} asetuksiin.",
                         "sv": "Du har inte behörighet att svara på larm. Be ansvarig att "
                               "lägga till ditt Telegram-id {user} i inställningarna.",
                         "en": "You are not authorised to act on alarms. Ask the facility "
                               "manager to add your Telegram user id {user} to the "
                               "configuration."},
    "pop.taken": {"fi": "Jo hoidossa: {who} klo {time}.", "sv": "Redan tagen av {who} kl. {time}.",
                  "en": "Already taken by {who} at {time}."},
    "pop.handled": {"fi": "Hälytys on jo käsitelty: {who} klo {time}.",
                    "sv": "Larmet är redan hanterat: {who} kl. {time}.",
                    "en": "This alarm was already handled by {who} at {time}."},
    "pop.false_alarm": {"fi": "Jo merkitty virheelliseksi: {who} klo {time}.",
                        "sv": "Redan markerat som falsklarm av {who} kl. {time}.",
                        "en": "Already called a false alarm by {who} at {time}."},
    "pop.stale": {"fi": "Tämä painike on vanhentunut. Lähetä /open nähdäksesi avoimet "
                        "hälytykset.",
                  "sv": "Den här knappen är inaktuell. Skicka /open för att se de öppna "
                        "larmen.",
                  "en": "This button is out of date. Send /open to see the open alarms."},
    "pop.unknown": {"fi": "Hälytystä #{id} ei löydy. Lähetä /open nähdäksesi avoimet "
                          "hälytykset.",
                    "sv": "Larm #{id} hittades inte. Skicka /open för att se de öppna larmen.",
                    "en": "Alarm #{id} was not found. Send /open to see the open alarms."},
    "pop.snooze_limit": {"fi": "Näin pitkä torkutus ei ole sallittu (enintään {duration}).",
                         "sv": "Så lång paus är inte tillåten (högst {duration}).",
                         "en": "A snooze this long is not allowed (at most {duration})."},
    "pop.busy": {"fi": "Palvelu ei juuri nyt vastaa. Yritä hetken kuluttua uudelleen.",
                 "sv": "Tjänsten svarar inte just nu. Försök igen om en stund.",
                 "en": "The service cannot answer right now. Try again in a moment."},
    "pop.awaiting_clear": {"fi": "Jo ilmoitettu korjatuksi: {who}. Odotan, että pääte kuittautuu.",
                           "sv": "Redan anmält som åtgärdat: {who}. Jag väntar på terminalen.",
                           "en": "Already reported fixed by {who}. Waiting for the terminal."},
    "digest.head": {"fi": "⚠️ Hälytysmyrsky: {count} ilmoitusta koottuna yhteenvetoon "
                          "(Telegram sallii vain muutaman viestin minuutissa).",
                    "sv": "⚠️ Larmstorm: {count} meddelanden samlade i en sammanfattning "
                          "(Telegram tillåter bara några meddelanden i minuten).",
                    "en": "⚠️ Alarm storm: {count} notices collected in one summary "
                          "(Telegram allows only a few messages a minute)."},
    "digest.more": {"fi": "Jatkuu seuraavassa viestissä.", "sv": "Fortsätter i nästa meddelande.",
                    "en": "Continued in the next message."},
    "digest.foot": {"fi": "Lähetä /open saadaksesi painikkeet tai /status <numero>.",
                    "sv": "Skicka /open för knapparna eller /status <nummer>.",
                    "en": "Send /open for the buttons, or /status <number>."},
    "digest.FIRST": {"fi": "Uudet hälytykset", "sv": "Nya larm", "en": "New alarms"},
    "digest.RENOTIFY": {"fi": "Edelleen ottamatta hoitoon", "sv": "Fortfarande inte tagna",
                        "en": "Still not taken"},
    "digest.ESCALATED": {"fi": "Siirretty eteenpäin", "sv": "Eskalerade", "en": "Escalated"},
    "digest.ACKED": {"fi": "Hoidossa", "sv": "Tas om hand", "en": "Taken"},
    "digest.FALSE_ALARM": {"fi": "Virheelliset hälytykset", "sv": "Falsklarm",
                           "en": "False alarms"},
    "digest.RESOLVED": {"fi": "Ratkaistu", "sv": "Lösta", "en": "Resolved"},
    "digest.CLEARED": {"fi": "Kuittautuneet päätteellä", "sv": "Återställda i terminalen",
                       "en": "Cleared at the terminal"},
    "digest.EXHAUSTED": {"fi": "TURVALLISUUSPOIKKEAMAT – kukaan ei ottanut näitä",
                         "sv": "SÄKERHETSAVVIKELSER – ingen tog dessa",
                         "en": "SAFETY INCIDENTS – nobody took these"},
    "digest.SAFETY_INCIDENT": {"fi": "Turvallisuuspoikkeamat", "sv": "Säkerhetsavvikelser",
                               "en": "Safety incidents"},
    "digest.other": {"fi": "Muut", "sv": "Övriga", "en": "Other"},
    "digest.now": {"fi": "nyt: {state}", "sv": "nu: {state}", "en": "now: {state}"},
    # -- commands --
    "cmd.help": {"fi": "Hälytysbotti. Komennot:\n"
                       "/open – avoimet hälytykset painikkeineen\n"
                       "/status <numero> – yhden hälytyksen tilanne\n"
                       "/oncall – kuka on vuorossa nyt ja kuka seuraavaksi\n"
                       "/chatid – tämän keskustelun ja sinun tunnuksesi asetuksia varten\n"
                       "/language fi|sv|en – viestien kieli tässä keskustelussa\n"
                       "/help – tämä ohje",
                 "sv": "Larmboten. Kommandon:\n"
                       "/open – öppna larm med knappar\n"
                       "/status <nummer> – läget för ett larm\n"
                       "/oncall – vem som har jour nu och vem som står näst på tur\n"
                       "/chatid – id för den här chatten och för dig, till inställningarna\n"
                       "/language fi|sv|en – språket i den här chatten\n"
                       "/help – den här hjälpen",
                 "en": "Alarm bot. Commands:\n"
                       "/open – open alarms with their buttons\n"
                       "/status <number> – where one alarm stands\n"
                       "/oncall – who is on duty now and who is next\n"
                       "/chatid – this chat's id and yours, for the configuration\n"
                       "/language fi|sv|en – the language of this chat\n"
                       "/help – this help"},
    "cmd.start": {"fi": "Hei! Välitän talon hälytykset tähän keskusteluun ja kerron, kuka "
                        "hoitaa mitäkin.",
                  "sv": "Hej! Jag skickar husets larm till den här chatten och berättar vem "
                        "som tar hand om vad.",
                  "en": "Hello! I bring the building's alarms to this chat and keep track of "
                        "who handles what."},
    "cmd.chatid": {"fi": "Tämän keskustelun tunnus (chat id): {chat}\n"
                         "Sinun käyttäjätunnuksesi (user id): {user}\n\n"
                         "Asetustiedostoon (people.<tunnus>):\n"
                         "  contact:\n    - telegram: {chat}\n  telegram_user: {user}",
                   "sv": "Den här chattens id (chat id): {chat}\n"
                         "Ditt användar-id (user id): {user}\n\n"
                         "I inställningsfilen (people.<id>):\n"
                         "  contact:\n    - telegram: {chat}\n  telegram_user: {user}",
                   "en": "This chat's id (chat id): {chat}\n"
                         "Your user id (user id): {user}\n\n"
                         "In the configuration file (people.<id>):\n"
                         "  contact:\n    - telegram: {chat}\n  telegram_user: {user}"},
    "cmd.not_configured": {"fi": "Tätä keskustelua ei ole asetuksissa. Lähetä /chatid ja "
                                 "pyydä ylläpitäjää lisäämään tunnus.",
                           "sv": "Den här chatten finns inte i inställningarna. Skicka "
                                 "/chatid och be ansvarig lägga till id:t.",
                           "en": "This chat is not in the configuration. Send /chatid and ask "
                                 "the facility manager to add it."},
    "cmd.open.none": {"fi": "Ei avoimia hälytyksiä. 👍", "sv": "Inga öppna larm. 👍",
                      "en": "No open alarms. 👍"},
    "cmd.open.more": {"fi": "Avoimia hälytyksiä yhteensä {count}. Muut: {ids}",
                      "sv": "Öppna larm totalt {count}. Övriga: {ids}",
                      "en": "{count} open alarms in all. The others: {ids}"},
    "cmd.status.usage": {"fi": "Käyttö: /status <hälytyksen numero>, esim. /status 17",
                         "sv": "Användning: /status <larmets nummer>, t.ex. /status 17",
                         "en": "Usage: /status <alarm number>, e.g. /status 17"},
    "cmd.status.not_yours": {
        "fi": "Hälytys #{id} ei kuulu tämän keskustelun osapuolille, tai sinulla ei ole oikeutta "
              "nähdä sitä täällä (Telegram-tunnuksesi on {user}).",
        "sv": "Larm #{id} hör inte till parterna i den här chatten, eller så får du inte se det "
              "här (ditt Telegram-id är {user}).",
        "en": "Alarm #{id} is not for the parties of this chat, or you may not see it here "
              "(your Telegram id is {user})."},
    "cmd.oncall.head": {"fi": "Vuorossa nyt:", "sv": "Jour nu:", "en": "On duty now:"},
    "cmd.oncall.nobody": {"fi": "ei kukaan", "sv": "ingen", "en": "nobody"},
    "cmd.oncall.ladders": {"fi": "Hälytysportaat (kenelle ilmoitetaan, järjestyksessä):",
                           "sv": "Larmkedjor (vem som larmas, i ordning):",
                           "en": "Ladders (who is called, in order):"},
    "cmd.oncall.closed": {"fi": "ei nyt tavoitettavissa", "sv": "inte nåbar nu",
                          "en": "not reachable now"},
    "cmd.language.set": {"fi": "Tämän keskustelun kieli on nyt suomi.",
                         "sv": "Språket i den här chatten är nu svenska.",
                         "en": "This chat's language is now English."},
    "cmd.language.usage": {"fi": "Käyttö: /language fi | sv | en (nyt: {current})",
                           "sv": "Användning: /language fi | sv | en (nu: {current})",
                           "en": "Usage: /language fi | sv | en (now: {current})"},
    "cmd.unauthorised": {"fi": "Sinulla ei ole oikeutta tähän. Telegram-tunnuksesi on {user}.",
                         "sv": "Du har inte behörighet till det här. Ditt Telegram-id är "
                               "{user}.",
                         "en": "You are not allowed to do that. Your Telegram user id is "
                               "{user}."},
    "desc.open": {"fi": "Avoimet hälytykset", "sv": "Öppna larm", "en": "Open alarms"},
    "desc.status": {"fi": "Yhden hälytyksen tilanne", "sv": "Läget för ett larm",
                    "en": "Where one alarm stands"},
    "desc.oncall": {"fi": "Kuka on vuorossa", "sv": "Vem som har jour", "en": "Who is on duty"},
    "desc.chatid": {"fi": "Tunnukset asetuksia varten", "sv": "Id:n till inställningarna",
                    "en": "Ids for the configuration"},
    "desc.language": {"fi": "Keskustelun kieli", "sv": "Chattens språk",
                      "en": "This chat's language"},
    "desc.help": {"fi": "Ohje", "sv": "Hjälp", "en": "Help"},
    "desc.start": {"fi": "Aloita", "sv": "Börja", "en": "Start"},
    # -- Telegram outage, told to the facility manager through another channel --
    "outage.subject": {"fi": "[{facility}] Telegram ei ole tavoitettavissa",
                       "sv": "[{facility}] Telegram går inte att nå",
                       "en": "[{facility}] Telegram is unreachable"},
    "outage.text": {"fi": "Telegramia ei ole tavoitettu {since} lähtien ({minutes} min). "
                          "Hälytykset lähetetään ihmisten muilla yhteystavoilla, jos niitä on. "
                          "Tarkista verkkoyhteys. Viimeisin virhe: {error}",
                    "sv": "Telegram har inte gått att nå sedan {since} ({minutes} min). Larm "
                          "skickas via andra kontaktvägar där sådana finns. Kontrollera "
                          "nätverket. Senaste fel: {error}",
                    "en": "Telegram has been unreachable since {since} ({minutes} min). Alarms "
                          "go out through people's other contact methods where they have "
                          "them. Check the network. Last error: {error}"},
    "recovered.subject": {"fi": "[{facility}] Telegram toimii taas",
                          "sv": "[{facility}] Telegram fungerar igen",
                          "en": "[{facility}] Telegram works again"},
    "recovered.text": {"fi": "Telegram toimii taas ({since} – {until}).",
                       "sv": "Telegram fungerar igen ({since} – {until}).",
                       "en": "Telegram works again ({since} – {until})."},
}


def t(lang: str, key: str, **values: object) -> str:
    """A Telegram text in `lang`; unknown keys go to the shared catalogue."""
    table = TEXTS.get(key)
    if table is None:
        return shared_t(lang, key, **values)
    template = table.get(lang) or table["en"]
    try:
        return template.format(**values)
    except (KeyError, IndexError):
        return template
