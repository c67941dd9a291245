"""The board's words in Finnish, Swedish and English.

Kept beside the board (not in the shared catalogue) so its many short labels
do not crowd the message texts; anything not found here falls back to the
shared catalogue (`escalator.i18n.t`), e.g. `state.open` or `action.resolve`.
"""

from __future__ import annotations

from escalator.i18n import t as shared

LANGS = ("fi", "sv", "en")

TEXTS: dict[str, dict[str, str]] = {
    "title": {"fi": "Hälytystaulu", "sv": "Larmtavla", "en": "Alarm board"},
    "nav.board": {"fi": "Avoimet hälytykset", "sv": "Öppna larm", "en": "Open alarms"},
    "nav.oncall": {"fi": "Vuorossa", "sv": "I tjänst", "en": "On duty"},
    "nav.safety": {"fi": "Turvallisuusrekisteri", "sv": "Säkerhetsregister",
                   "en": "Safety register"},
    "nav.outbox": {"fi": "Lähetetyt viestit", "sv": "Skickade meddelanden",
                   "en": "Messages sent"},
    "nav.logout": {"fi": "Kirjaudu ulos", "sv": "Logga ut", "en": "Sign out"},
    "nav.language": {"fi": "Kieli", "sv": "Språk", "en": "Language"},
    "nav.skip": {"fi": "Siirry sisältöön", "sv": "Hoppa till innehållet",
                 "en": "Skip to content"},
    "signed_in": {"fi": "{name} ({role})", "sv": "{name} ({role})", "en": "{name} ({role})"},
    "role.nurse": {"fi": "hoitaja", "sv": "vårdare", "en": "nurse"},
    "role.manager": {"fi": "esihenkilö", "sv": "chef", "en": "manager"},
    "role.viewer": {"fi": "katselija", "sv": "läsare", "en": "viewer"},
    "login.title": {"fi": "Kirjaudu", "sv": "Logga in", "en": "Sign in"},
    "login.name": {"fi": "Käyttäjätunnus", "sv": "Användarnamn", "en": "User name"},
    "login.password": {"fi": "Salasana", "sv": "Lösenord", "en": "Password"},
    "login.submit": {"fi": "Kirjaudu", "sv": "Logga in", "en": "Sign in"},
    "login.bad": {"fi": "Väärä tunnus tai salasana.", "sv": "Fel namn eller lösenord.",
                  "en": "Wrong name or password."},
    "login.slow": {"fi": "Liian monta yritystä. Yritä uudelleen {minutes} minuutin päästä.",
                   "sv": "För många försök. Försök igen om {minutes} minuter.",
                   "en": "Too many attempts. Try again in {minutes} minutes."},
    "login.expired": {"fi": "Kirjautumislinkki on jo käytetty tai vanhentunut.",
                      "sv": "Inloggningslänken är redan använd eller har gått ut.",
                      "en": "This sign-in link has been used or has expired."},
    "login.none": {"fi": "Tauluun ei ole määritelty käyttäjiä (board.users).",
                   "sv": "Inga användare är konfigurerade för tavlan (board.users).",
                   "en": "No users are configured for the board (board.users)."},
    "forbidden": {"fi": "Sinulla ei ole oikeutta tähän.",
                  "sv": "Du har inte behörighet till detta.",
                  "en": "You are not allowed to do this."},
    "csrf": {"fi": "Lomake oli vanhentunut. Lataa sivu ja yritä uudelleen.",
             "sv": "Formuläret var för gammalt. Ladda om sidan och försök igen.",
             "en": "The form was out of date. Reload the page and try again."},
    "not_found": {"fi": "Hälytystä ei löydy.", "sv": "Larmet finns inte.",
                  "en": "No such alarm."},
    "board.none": {"fi": "Ei avoimia hälytyksiä.", "sv": "Inga öppna larm.",
                   "en": "No open alarms."},
    "board.live": {"fi": "Päivittyy itsestään", "sv": "Uppdateras automatiskt",
                   "en": "Updates by itself"},
    "board.offline": {"fi": "Yhteys katkesi, yritetään uudelleen…",
                      "sv": "Anslutningen bröts, försöker igen…",
                      "en": "Connection lost, retrying…"},
    "col.severity": {"fi": "Vakavuus", "sv": "Allvar", "en": "Severity"},
    "col.alarm": {"fi": "Hälytys", "sv": "Larm", "en": "Alarm"},
    "col.ladder": {"fi": "Eteneminen", "sv": "Eskalering", "en": "On the ladder"},
    "col.since": {"fi": "Alkaen", "sv": "Sedan", "en": "Since"},
    "sev.critical": {"fi": "Kriittinen", "sv": "Kritisk", "en": "Critical"},
    "sev.high": {"fi": "Vakava", "sv": "Allvarlig", "en": "High"},
    "sev.medium": {"fi": "Kohtalainen", "sv": "Medel", "en": "Medium"},
    "sev.low": {"fi": "Lievä", "sv": "Låg", "en": "Low"},
    "sev.info": {"fi": "Tiedoksi", "sv": "Information", "en": "Info"},
    "ladder.step": {"fi": "Porras {step}/{steps}", "sv": "Steg {step}/{steps}",
                    "en": "Step {step} of {steps}"},
    "ladder.round": {"fi": "kierros {loop}", "sv": "varv {loop}", "en": "round {loop}"},
    "ladder.now": {"fi": "Nyt: {who}", "sv": "Nu: {who}", "en": "Now: {who}"},
    "ladder.exhausted": {"fi": "Kukaan ei ottanut – turvallisuuspoikkeama",
                         "sv": "Ingen tog det – säkerhetsavvikelse",
                         "en": "Nobody took it – safety incident"},
    "ladder.picture": {"fi": "Eteneminen ajan mukaan", "sv": "Eskaleringen över tid",
                       "en": "The ladder over time"},
    "ladder.picture_desc": {
        "fi": "Kuva: kenelle on ilmoitettu milloin. Sama tieto on alla aikajanalla.",
        "sv": "Bild: vem som kontaktats när. Samma uppgifter finns i tidslinjen nedan.",
        "en": "Picture: who was told when. The same facts are in the timeline below."},
    "ladder.you_are_here": {"fi": "nyt", "sv": "nu", "en": "now"},
    "inc.facts": {"fi": "Tiedot", "sv": "Uppgifter", "en": "Facts"},
    "inc.actions": {"fi": "Toimenpiteet", "sv": "Åtgärder", "en": "Actions"},
    "inc.timeline": {"fi": "Aikajana", "sv": "Tidslinje", "en": "Timeline"},
    "inc.ladder": {"fi": "Porrastus", "sv": "Stege", "en": "Ladder"},
    "inc.read_only": {"fi": "Sinulla on lukuoikeus: et voi toimia hälytyksellä.",
                      "sv": "Du har läsbehörighet: du kan inte åtgärda larmet.",
                      "en": "You can read but not act on alarms."},
    "inc.closed": {"fi": "Hälytys on suljettu.", "sv": "Larmet är stängt.",
                   "en": "This alarm is closed."},
    "act.take": {"fi": "Otan hoitaakseni", "sv": "Jag tar det", "en": "Take it"},
    "act.pass_on": {"fi": "Siirrä eteenpäin", "sv": "Skicka vidare", "en": "Pass it on"},
    "act.false_alarm": {"fi": "Virheellinen hälytys", "sv": "Falsklarm",
                        "en": "False alarm"},
    "act.resolve": {"fi": "Ratkaistu", "sv": "Löst", "en": "Resolve"},
    "act.snooze": {"fi": "Torkuta {duration}", "sv": "Pausa {duration}",
                   "en": "Snooze {duration}"},
    "act.note": {"fi": "Lisää muistiinpano", "sv": "Lägg till anteckning", "en": "Add note"},
    "act.note_label": {"fi": "Muistiinpano", "sv": "Anteckning", "en": "Note"},
    "act.done": {"fi": "Tallennettu: {action}.", "sv": "Sparat: {action}.",
                 "en": "Saved: {action}."},
    "act.refused": {"fi": "Tätä ei voi tehdä hälytyksen nykyisessä tilassa ({state}).",
                    "sv": "Det går inte i larmets nuvarande läge ({state}).",
                    "en": "That cannot be done in the alarm's current state ({state})."},
    "act.bad": {"fi": "Lomakkeessa oli virhe.", "sv": "Formuläret var felaktigt.",
                "en": "The form was not valid."},
    "unit.min": {"fi": "{n} min", "sv": "{n} min", "en": "{n} min"},
    "unit.h": {"fi": "{n} t", "sv": "{n} h", "en": "{n} h"},
    "duty.title": {"fi": "Kuka on vuorossa", "sv": "Vem är i tjänst",
                   "en": "Who is on duty"},
    "duty.rosters": {"fi": "Vuorolistat", "sv": "Scheman", "en": "Rosters"},
    "duty.ladders": {"fi": "Porrastukset", "sv": "Stegar", "en": "Ladders"},
    "duty.now": {"fi": "Nyt", "sv": "Nu", "en": "Now"},
    "duty.next": {"fi": "Seuraavaksi", "sv": "Sedan", "en": "Next"},
    "duty.step": {"fi": "Porras", "sv": "Steg", "en": "Step"},
    "duty.nobody": {"fi": "Ei ketään – kattavuusaukko", "sv": "Ingen – lucka i bevakningen",
                    "en": "Nobody – coverage gap"},
    "duty.closed": {"fi": "suljettu nyt", "sv": "stängt nu", "en": "closed now"},
    "duty.from": {"fi": "{who} klo {time} alkaen", "sv": "{who} från {time}",
                  "en": "{who} from {time}"},
    "duty.no_change": {"fi": "ei muutoksia viikon sisällä", "sv": "ingen ändring inom en vecka",
                       "en": "no change within a week"},
    "duty.gaps": {"fi": "Kattavuusaukkoja: {count}", "sv": "Luckor i bevakningen: {count}",
                  "en": "Coverage gaps: {count}"},
    "safety.title": {"fi": "Turvallisuusrekisteri", "sv": "Säkerhetsregister",
                     "en": "Safety register"},
    "safety.none": {"fi": "Ei kirjattuja turvallisuuspoikkeamia.",
                    "sv": "Inga registrerade säkerhetsavvikelser.",
                    "en": "No safety incidents recorded."},
    "safety.when": {"fi": "Milloin", "sv": "När", "en": "When"},
    "safety.cause": {"fi": "Syy", "sv": "Orsak", "en": "Cause"},
    "outbox.title": {"fi": "Mitä kukin sai", "sv": "Vad var och en fick",
                     "en": "What each person got"},
    "outbox.intro": {
        "fi": "Demo ei lähetä mitään: tässä on jokainen viesti sellaisena kuin vastaanottaja "
              "sen näkisi. Napit toimivat kuten Telegramissa.",
        "sv": "Demon skickar ingenting: här är varje meddelande så som mottagaren skulle se "
              "det. Knapparna fungerar som i Telegram.",
        "en": "The demo sends nothing: here is every message as its reader would see it. "
              "The buttons work as they would in Telegram."},
    "outbox.none": {"fi": "Ei viestejä vielä.", "sv": "Inga meddelanden ännu.",
                    "en": "No messages yet."},
    "outbox.to": {"fi": "Vastaanottaja", "sv": "Till", "en": "To"},
    "outbox.open_link": {"fi": "Avaa linkki", "sv": "Öppna länken", "en": "Open the link"},
    "outbox.pressed_as": {"fi": "{who}: {said}", "sv": "{who}: {said}", "en": "{who}: {said}"},
    "ch.telegram": {"fi": "Telegram", "sv": "Telegram", "en": "Telegram"},
    "ch.email": {"fi": "Sähköposti", "sv": "E-post", "en": "E-mail"},
    "ch.sms": {"fi": "Tekstiviesti", "sv": "SMS", "en": "SMS"},
    "ch.webhook": {"fi": "Järjestelmäkutsu (webhook)", "sv": "Systemanrop (webhook)",
                   "en": "System call (webhook)"},
}


def bt(lang: str, key: str, **values: object) -> str:
    """A board text in `lang`; English, then the shared catalogue, then the key."""
    table = TEXTS.get(key)
    if table is None:
        return shared(lang, key, **values)
    template = table.get(lang) or table.get("en") or key
    try:
        return template.format(**values)
    except (KeyError, IndexError):
        return template
