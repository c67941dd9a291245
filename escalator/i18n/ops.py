"""Texts of the operator commands (`audit`, `backup`, `restore`) in fi, sv and en.

Kept apart from the main catalogue: these are read by whoever runs the
service, at a terminal, and change with those commands only.
"""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "audit.intact": {
        "fi": "Tarkastusloki eheä: {count} riviä, viimeisin tiiviste {hash}",
        "sv": "Granskningsloggen är intakt: {count} rader, senaste hash {hash}",
        "en": "Audit log intact: {count} rows, last hash {hash}"},
    "audit.broken": {
        "fi": "Tarkastusloki RIKKI rivillä {id}: {why} ({count} riviä ennen sitä kunnossa)",
        "sv": "Granskningsloggen BRUTEN vid rad {id}: {why} ({count} rader före den är hela)",
        "en": "Audit log BROKEN at row {id}: {why} ({count} rows before it are intact)"},
    "audit.hash_mismatch": {
        "fi": "rivin sisältöä on muutettu (tiiviste ei täsmää)",
        "sv": "radens innehåll har ändrats (hashen stämmer inte)",
        "en": "the row's contents were changed (its hash does not match)"},
    "audit.prev_mismatch": {
        "fi": "rivi ei jatka riviä {previous} (rivejä siirretty tai vaihdettu)",
        "sv": "raden följer inte på rad {previous} (rader flyttade eller utbytta)",
        "en": "the row does not follow row {previous} (rows moved or replaced)"},
    "audit.missing": {
        "fi": "rivi puuttuu (poistettu); seuraava on {next}",
        "sv": "raden saknas (raderad); nästa är {next}",
        "en": "the row is missing (deleted); the next one is {next}"},
    "audit.head_mismatch": {
        "fi": "ketjun pää osoittaa riviin {head}, mutta viimeinen rivi on {last} "
              "(lopusta poistettu rivejä)",
        "sv": "kedjans huvud pekar på rad {head} men sista raden är {last} "
              "(rader borttagna i slutet)",
        "en": "the chain's head points at row {head} but the last row is {last} "
              "(rows cut off the end)"},
    "audit.bad_row": {
        "fi": "kenttä {field} ei ole luettavissa", "sv": "fältet {field} går inte att läsa",
        "en": "the {field} field cannot be read"},
    "backup.done": {
        "fi": "Varmuuskopio {out}: {incidents} hälytystä; {audit}",
        "sv": "Säkerhetskopia {out}: {incidents} incidenter; {audit}",
        "en": "Backup {out}: {incidents} incidents; {audit}"},
    "backup.postgres": {
        "fi": "PostgreSQL varmuuskopioidaan pg_dumpilla: pg_dump --format=custom "
              "--file=OUT \"$URL\" (ks. README, Running it for real)",
        "sv": "PostgreSQL säkerhetskopieras med pg_dump: pg_dump --format=custom "
              "--file=OUT \"$URL\" (se README, Running it for real)",
        "en": "PostgreSQL is backed up with pg_dump: pg_dump --format=custom "
              "--file=OUT \"$URL\" (see README, Running it for real)"},
    "restore.done": {
        "fi": "Palautettu {source} -> {target}: {incidents} hälytystä; {audit}",
        "sv": "Återställt {source} -> {target}: {incidents} incidenter; {audit}",
        "en": "Restored {source} -> {target}: {incidents} incidents; {audit}"},
    "restore.moved": {
        "fi": "Edellinen tietokanta siirretty: {moved}",
        "sv": "Den tidigare databasen flyttad till: {moved}",
        "en": "The previous database was moved to: {moved}"},
    "ops.no_database": {
        "fi": "tietokantaa {path} ei ole (suhteellinen polku luetaan nykyisestä hakemistosta; "
              "palvelu toimii hakemistossa /var/lib/escalator)",
        "sv": "databasen {path} finns inte (en relativ sökväg läses från aktuell katalog; "
              "tjänsten körs i /var/lib/escalator)",
        "en": "no database at {path} (a relative path is read from the current directory; "
              "the service runs in /var/lib/escalator)"},
    "ops.no_storage": {
        "fi": "anna --config TIEDOSTO tai --storage URL",
        "sv": "ange --config FIL eller --storage URL",
        "en": "give --config FILE or --storage URL"},
}


def say(lang: str, key: str, **values: object) -> str:
    table = TEXTS.get(key, {})
    template = table.get(lang) or table.get("en") or key
    try:
        return template.format(**values)
    except (KeyError, IndexError):
        return template
