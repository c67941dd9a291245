"""The use cases the HTTP handlers may take, each under its own typed key.

A handler module reads only the keys it needs (`request.app[ANSWERING]`), never the
running service as a whole; `UseCases` is what the composition root hands over to
`server.build_web_app`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiohttp import web

from escalator.liveconfig.editing import ConfigEditing
from escalator.usecases.answering import Answering
from escalator.usecases.calls import Calls
from escalator.usecases.channel_health import ChannelHealth
from escalator.usecases.configuring import Configuring
from escalator.usecases.context import Context
from escalator.usecases.cover import Covering
from escalator.usecases.health import Health
from escalator.usecases.intake import Intake
from escalator.usecases.maintenance import Maintenance
from escalator.usecases.queries import Queries
from escalator.usecases.register import Register
from escalator.usecases.signin import SigningIn

if TYPE_CHECKING:  # the board's package brings its pages, which read these keys
    from escalator.entrypoints.http.board.state import BoardState

CONTEXT = web.AppKey("context", Context)
INTAKE = web.AppKey("intake", Intake)
ANSWERING = web.AppKey("answering", Answering)
QUERIES = web.AppKey("queries", Queries)
CALLS = web.AppKey("calls", Calls)
MAINTENANCE = web.AppKey("maintenance", Maintenance)
REGISTER = web.AppKey("register", Register)
SIGNING_IN = web.AppKey("signing_in", SigningIn)
HEALTH = web.AppKey("health", Health)
CONFIGURING = web.AppKey("configuring", Configuring)
BOARD: web.AppKey[BoardState] = web.AppKey("board")
EDITING = web.AppKey("config_editing", ConfigEditing)  # the manager's config editor
COVERING = web.AppKey("covering", Covering)  # cover shifts
CHANNEL_HEALTH = web.AppKey("channel_health", ChannelHealth)  # the board's channel health


@dataclass(frozen=True)
class UseCases:
    context: Context
    intake: Intake
    answering: Answering
    queries: Queries
    calls: Calls
    maintenance: Maintenance
    register: Register
    signing_in: SigningIn
    health: Health
    configuring: Configuring
    board: BoardState  # sessions, sign-in limits and the live-change signal
    editing: ConfigEditing  # the board's config editor: check, simulate, save, history
    covering: Covering  # cover shifts: the board's form, the API
    channel_health: ChannelHealth  # each contact's last success/failure, test messages

    def install(self, web_app: web.Application) -> None:
        web_app[CONTEXT] = self.context
        web_app[INTAKE] = self.intake
        web_app[ANSWERING] = self.answering
        web_app[QUERIES] = self.queries
        web_app[CALLS] = self.calls
        web_app[MAINTENANCE] = self.maintenance
        web_app[REGISTER] = self.register
        web_app[SIGNING_IN] = self.signing_in
        web_app[HEALTH] = self.health
        web_app[CONFIGURING] = self.configuring
        web_app[BOARD] = self.board
        web_app[EDITING] = self.editing
        web_app[COVERING] = self.covering
        web_app[CHANNEL_HEALTH] = self.channel_health
