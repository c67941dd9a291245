"""Message catalogue. Keys are stable; add languages by adding columns."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "reason.FIRST": {
        "fi": "Uusi hälytys", "sv": "Nytt larm", "en": "New alarm"},
    "reason.RENOTIFY": {
        "fi": "Muistutus: hälytystä ei ole vielä kuitattu",
        "sv": "Påminnelse: larmet är ännu inte kvitterat",
        "en": "Reminder: nobody has taken this alarm yet"},
    "reason.ESCALATED": {
        "fi": "Hälytys siirretty teille", "sv": "Larmet har eskalerats till er",
        "en": "This alarm has been escalated to you"},
    "reason.ESCALATED.update": {
        "fi": "Hälytys siirretty eteenpäin: {detail}", "sv": "Larmet har eskalerats: {detail}",
        "en": "Escalated: {detail}"},
    "reason.ACKED": {
        "fi": "Hoidossa: {detail}", "sv": "Åtgärdas: {detail}", "en": "Taken: {detail}"},
    "reason.FALSE_ALARM": {
        "fi": "Virheellinen hälytys: {detail}", "sv": "Felaktigt larm: {detail}",
        "en": "False alarm: {detail}"},
    "reason.CLEARED": {
        "fi": "Kuittautunut päätteellä – tilanne normaali",
        "sv": "Återställt i terminalen – läget är normalt",
        "en": "Cleared at the terminal – back to normal"},
    "reason.RESOLVED": {
        "fi": "Ratkaistu: {detail}", "sv": "Löst: {detail}", "en": "Resolved: {detail}"},
    "reason.EXHAUSTED": {
        "fi": "TURVALLISUUSPOIKKEAMA: kukaan ei ottanut hälytystä hoitaakseen ({detail})",
        "sv": "SÄKERHETSAVVIKELSE: ingen tog hand om larmet ({detail})",
        "en": "SAFETY INCIDENT: nobody took this alarm ({detail})"},
    "reason.SAFETY_INCIDENT": {
        "fi": "TURVALLISUUSPOIKKEAMA: {detail}", "sv": "SÄKERHETSAVVIKELSE: {detail}",
        "en": "SAFETY INCIDENT: {detail}"},
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
