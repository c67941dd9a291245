"""The config editor's words in Finnish, Swedish and English.

A module of its own (not the board's `texts`) so the editor can be merged
and converted to the gettext catalogues on its own; anything not found here
falls back to the board's texts (`bt`). The problems Check shows and the
simulation's lines are `escalator config check`'s and `escalator simulate`'s
own (English), on purpose: the same words as the command line.
"""

from __future__ import annotations

from escalator.entrypoints.http.board.texts import bt

TEXTS: dict[str, dict[str, str]] = {
    "nav.config": {"fi": "Asetukset", "sv": "Inställningar", "en": "Configuration"},
    "config.title": {"fi": "Asetukset", "sv": "Inställningar", "en": "Configuration"},
    "config.file": {"fi": "Tiedosto {path}", "sv": "Fil {path}", "en": "File {path}"},
    "config.text": {"fi": "Asetustiedosto (YAML)", "sv": "Inställningsfil (YAML)",
                    "en": "Configuration file (YAML)"},
    "config.check": {"fi": "Tarkista", "sv": "Kontrollera", "en": "Check"},
    "config.simulate": {"fi": "Kokeile", "sv": "Simulera", "en": "Simulate"},
    "config.save": {"fi": "Tallenna", "sv": "Spara", "en": "Save"},
    "config.history": {"fi": "Aiemmat versiot", "sv": "Tidigare versioner",
                       "en": "Earlier versions"},
    "config.not_editable": {
        "fi": "Palvelu käynnistettiin ilman asetustiedostoa, joten muokattavaa ei ole.",
        "sv": "Tjänsten startades utan inställningsfil, så det finns inget att redigera.",
        "en": "The service was started without a config file, so there is nothing to edit."},
    "config.ok": {"fi": "Ei virheitä: {summary}.", "sv": "Inga fel: {summary}.",
                  "en": "No problems: {summary}."},
    "config.problems": {"fi": "Virheitä: {n}. Mitään ei tallennettu.",
                        "sv": "Fel: {n}. Inget sparades.",
                        "en": "Problems: {n}. Nothing was saved."},
    "config.problems_check": {"fi": "Virheitä: {n}.", "sv": "Fel: {n}.",
                              "en": "Problems: {n}."},
    "config.warnings": {"fi": "Huomautukset", "sv": "Varningar", "en": "Warnings"},
    "config.go_line": {"fi": "rivi {line}", "sv": "rad {line}", "en": "line {line}"},
    "config.saved": {
        "fi": "Tallennettu versiona {version} ja otettu käyttöön. Avoimet hälytykset "
              "jatkuvat ennallaan.",
        "sv": "Sparad som version {version} och tagen i bruk. Öppna larm fortsätter "
              "som förut.",
        "en": "Saved as version {version} and in force now. Open alarms carry on as "
              "they were."},
    "config.stale": {
        "fi": "Joku muu tallensi asetukset sillä välin. Muutoksiasi ei tallennettu: "
              "kopioi ne talteen, lataa sivu ja tee ne uudelleen.",
        "sv": "Någon annan sparade inställningarna under tiden. Dina ändringar sparades "
              "inte: kopiera dem, ladda om sidan och gör dem igen.",
        "en": "Someone else saved the configuration meanwhile. Your changes were not "
              "saved: copy them, reload the page and make them again."},
    "config.sim.title": {"fi": "Kokeile hälytystä", "sv": "Simulera ett larm",
                         "en": "Simulate an alarm"},
    "config.sim.code": {"fi": "Hälytyskoodi", "sv": "Larmkod", "en": "Alarm code"},
    "config.sim.source": {"fi": "Lähde", "sv": "Källa", "en": "Source"},
    "config.sim.point": {"fi": "Paikka", "sv": "Plats", "en": "Location"},
    "config.sim.at": {"fi": "Aika (paikallista aikaa)", "sv": "Tid (lokal tid)",
                      "en": "Time (local time)"},
    "config.sim.hint": {"fi": "esim. 2026-12-24 02:00", "sv": "t.ex. 2026-12-24 02:00",
                        "en": "e.g. 2026-12-24 02:00"},
    "config.sim.result": {"fi": "Kuka tavoitetaan ja milloin seuraavien {hours} tunnin aikana "
                                "(muokatulla tekstillä, tallentamatta)",
                          "sv": "Vem som nås och när under de följande {hours} timmarna "
                                "(med den redigerade texten, osparad)",
                          "en": "Who is reached, when, over the next {hours} hours "
                                "(with the edited text, unsaved)"},
    "config.sim.need_code": {"fi": "Anna hälytyskoodi.", "sv": "Ange en larmkod.",
                             "en": "Give an alarm code."},
    "config.banner": {
        "fi": "Levyllä olevassa asetustiedostossa on virhe rivillä {line}. Käytössä on "
              "viimeisin toimiva versio ({since}).",
        "sv": "Inställningsfilen på disken har ett fel på rad {line}. Den senaste "
              "fungerande versionen används ({since}).",
        "en": "The config on disk has an error at line {line}; running the last good "
              "version from {since}."},
    "config.banner_open": {"fi": "Avaa asetukset", "sv": "Öppna inställningarna",
                           "en": "Open the configuration"},
    "hist.title": {"fi": "Asetusten versiot", "sv": "Inställningarnas versioner",
                   "en": "Configuration versions"},
    "hist.none": {"fi": "Ei vielä tallennettuja versioita.", "sv": "Inga sparade versioner än.",
                  "en": "No versions saved yet."},
    "hist.version": {"fi": "Versio", "sv": "Version", "en": "Version"},
    "hist.when": {"fi": "Milloin", "sv": "När", "en": "When"},
    "hist.who": {"fi": "Kuka", "sv": "Vem", "en": "Who"},
    "hist.what": {"fi": "Muutos", "sv": "Ändring", "en": "Change"},
    "hist.lines": {"fi": "+{added} / −{removed} riviä", "sv": "+{added} / −{removed} rader",
                   "en": "+{added} / −{removed} lines"},
    "hist.sections": {"fi": "osat: {sections}", "sv": "delar: {sections}",
                      "en": "sections: {sections}"},
    "hist.file": {"fi": "muokattu levyllä", "sv": "redigerad på disken",
                  "en": "edited on disk"},
    "hist.restored": {"fi": "palautettu", "sv": "återställd", "en": "restored"},
    "hist.show": {"fi": "Näytä muutos", "sv": "Visa ändringen", "en": "Show the change"},
    "hist.diff": {"fi": "Muutos edelliseen versioon", "sv": "Ändring mot föregående version",
                  "en": "Change against the version before"},
    "hist.no_diff": {"fi": "Ei muutoksia edelliseen.", "sv": "Inga ändringar mot föregående.",
                     "en": "No change against the one before."},
    "hist.text": {"fi": "Version teksti", "sv": "Versionens text", "en": "The version's text"},
    "hist.restore": {"fi": "Palauta tämä versio", "sv": "Återställ den här versionen",
                     "en": "Restore this version"},
    "hist.restore_hint": {
        "fi": "Palautus tallentaa tämän version uutena versiona samoin tarkistuksin.",
        "sv": "Återställningen sparar den här versionen som en ny, med samma kontroller.",
        "en": "Restoring saves this version as a new one, with the same checks."},
    "hist.current": {"fi": "käytössä", "sv": "i bruk", "en": "in force"},
}


def et(lang: str, key: str, **values: object) -> str:
    """An editor text in `lang`; English, then the board's texts, then the key."""
    table = TEXTS.get(key)
    if table is None:
        return bt(lang, key, **values)
    template = table.get(lang) or table.get("en") or key
    try:
        return template.format(**values)
    except (KeyError, IndexError):
        return template
