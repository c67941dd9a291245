"""The follow-through settings of one alarm, from the loaded configuration.

One lookup for the service (deciding) and for the cards and pages (saying when
the taker will be reminded), so what people are told is what will happen.
"""

from __future__ import annotations

from escalator.config.model import Config
from escalator.config.sources import sends_clear
from escalator.domain.ladder import FollowUp, route_for


def follow_up(config: Config, source: str, code: str, ladder_id: str) -> FollowUp:
    """Route, ladder and source settings combined (a reload applies to open incidents)."""
    route = route_for(config.routes, source, code)
    ladders = config.ladders
    ladder = ladders.get(ladder_id) or ladders[config.routes[-1].ladder]
    src = config.sources.get(source)
    clears = bool(src and sends_clear(src.kind, src.options))
    return FollowUp.of(route, ladder, sends_clear=clears)
