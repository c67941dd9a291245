"""What the voice channel says on the phone: short sentences, no links, no abbreviations.

Merged into `TEXTS` by the catalogue. A text-to-speech voice reads these to a
hotline operator who may be half awake, so each one is a whole sentence in its
language and the keys to press come last, where they are remembered.
"""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "voice.intro": {"fi": "Hälytyspalvelu, {facility}.", "sv": "Larmtjänsten, {facility}.",
                    "en": "Alarm service, {facility}."},
    "voice.since": {"fi": "Voimassa kello {time} alkaen.", "sv": "Aktivt sedan klockan {time}.",
                    "en": "Active since {time}."},
    "voice.keys": {
        "fi": "Paina 1, jos otatte hälytyksen hoitaaksenne. Paina 2, jos se siirretään "
              "eteenpäin.",
        "sv": "Tryck 1 om ni tar hand om larmet. Tryck 2 om det ska skickas vidare.",
        "en": "Press 1 to take it. Press 2 to pass it on."},
    "voice.no_choice": {
        "fi": "Valintaa ei saatu. Hälytys on edelleen avoinna.",
        "sv": "Inget val registrerades. Larmet är fortfarande öppet.",
        "en": "No choice was registered. The alarm is still open."},
    "voice.failed": {
        "fi": "Valintaanne ei voitu kirjata. Hälytys on edelleen avoinna.",
        "sv": "Ert val kunde inte registreras. Larmet är fortfarande öppet.",
        "en": "Your choice could not be recorded. The alarm is still open."},
}
