"""Texts about who may use a link or send a note: revoked links, refusals, note limits."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "page.link_revoked": {
        "fi": "Tämä linkki ei ole enää voimassa: sen saaja ei ole enää hälytysten "
              "vastaanottajana. Ota yhteyttä kohteen henkilökuntaan.",
        "sv": "Länken gäller inte längre: mottagaren tar inte längre emot larmen. "
              "Kontakta personalen på plats.",
        "en": "This link is no longer valid: it was made for someone who no longer receives "
              "these alarms. Please contact the facility's staff."},
    "page.refused_count": {
        "fi": "Lisäksi {count} luvatonta yritystä (viimeisin {last}); ne on kirjattu, mutta "
              "niitä ei näytetä tässä.",
        "sv": "Dessutom {count} obehöriga försök (senast {last}); de är loggade men visas "
              "inte här.",
        "en": "Also {count} refused attempts by people without rights (last {last}); they are "
              "recorded but not listed here."},
    "page.note_limit": {
        "fi": "Huomautuksia on lähetetty liian monta lyhyessä ajassa. Yritä uudelleen "
              "{minutes} minuutin kuluttua, tai soita.",
        "sv": "För många anteckningar på kort tid. Försök igen om {minutes} minuter, eller "
              "ring.",
        "en": "Too many notes in a short time. Try again in {minutes} minutes, or call."},
}
