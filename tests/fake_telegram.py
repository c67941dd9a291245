"""A fake Telegram Bot API server, so python-telegram-bot runs for real in tests.

It serves `/bot<token>/<method>` on 127.0.0.1 with aiohttp and keeps what a
real server would: each chat's messages (text, buttons, what they reply to),
pending updates for getUpdates long polling, and every call it received,
stamped with the test's clock. Tests script it:

- `fail(method, status=429, retry_after=30)`: the next call(s) of a method fail;
- `outage("503")` / `outage("refuse")` ... `restore()`: Telegram is down
  (5xx answers, or connections refused and open ones dropped);
- `press(chat, message_id, user, data)`: someone taps a button;
- `command(chat, user, "/open")`: someone sends a command.

It checks what the real API checks and tests rely on: 4096 characters per
text, 64 bytes of callback data, "message is not modified", unknown messages.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiohttp import web

BOT_ID = 7000001
BOT_USERNAME = "escalator_test_bot"
JSON_KEYS = {"reply_markup", "reply_parameters", "allowed_updates", "commands", "entities",
             "link_preview_options", "scope"}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: datetime | None  # the test clock's time when the call arrived


@dataclass
class Stored:
    chat_id: int | str
    message_id: int
    text: str
    reply_markup: dict[str, Any] | None
    reply_to: int | None
    edits: int = 0


@dataclass
class Script:
    status: int
    retry_after: int | None
    description: str
    times: int


@dataclass
class FakeTelegram:
    clock: Any = None  # anything with now(); stamps calls
    token: str = "123456:TEST-token"
    calls: list[Call] = field(default_factory=list)
    messages: dict[tuple[str, int], Stored] = field(default_factory=dict)
    scripts: dict[str, list[Script]] = field(default_factory=dict)
    down: str | None = None  # None | "503" | "refuse"
    missing_chats: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._updates: list[dict[str, Any]] = []
        self._next_update = 1
        self._next_message: dict[str, int] = {}
        self._wake = asyncio.Event()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self.port = 0

    # -- lifecycle ------------------------------------------------------------
    async def start(self) -> FakeTelegram:
        app = web.Application(middlewares=[self._availability])
        app.router.add_post("/bot{token}/{method}", self._dispatch)
        app.router.add_get("/bot{token}/{method}", self._dispatch)
        self._runner = web.AppRunner(app, handler_cancellation=True, shutdown_timeout=1)
        await self._runner.setup()
        await self._listen()
        return self

    async def _listen(self) -> None:
        assert self._runner is not None
        self._site = web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True)
        await self._site.start()
        server = self._site._server
        assert server is not None and server.sockets  # type: ignore[attr-defined]
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]

    async def stop(self) -> None:
        self._closing = True
        self._wake.set()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- scripting ------------------------------------------------------------
    def fail(self, method: str, status: int = 429, *, retry_after: int | None = None,
             description: str | None = None, times: int = 1) -> None:
        text = description or {429: f"Too Many Requests: retry after {retry_after}",
                               403: "Forbidden: bot was kicked from the group chat",
                               400: "Bad Request: chat not found"}.get(status, "Error")
        self.scripts.setdefault(method, []).append(Script(status, retry_after, text, times))

    async def outage(self, kind: str = "503") -> None:
        """Telegram goes away: "503" answers every call so; "refuse" stops listening."""
        self.down = kind
        self._wake.set()  # a long poll in progress ends (and fails) now
        if kind == "refuse" and self._site is not None:
            await self._site.stop()
            self._site = None

    async def restore(self) -> None:
        if self.down == "refuse":
            await self._listen()
        self.down = None

    def press(self, chat_id: int, message_id: int, user_id: int, data: str,
              first_name: str = "Anna", last_name: str = "Virtanen") -> str:
        """A tap on a button, delivered by getUpdates; returns the callback query id."""
        update = self.press_update(chat_id, message_id, user_id, data, first_name, last_name)
        self._push(update)
        return update["callback_query"]["id"]

    def press_update(self, chat_id: int, message_id: int, user_id: int, data: str,
                     first_name: str = "Anna", last_name: str = "Virtanen") -> dict[str, Any]:
        """The update Telegram sends for a tap (for webhook tests: POST it yourself)."""
        number = self._next_update
        self._next_update += 1
        message = self.messages.get((str(chat_id), message_id))
        return {"update_id": number, "callback_query": {
            "id": f"q{number}", "chat_instance": f"ci{chat_id}", "data": data,
            "from": _user(user_id, first_name, last_name),
            "message": {"message_id": message_id, "date": int(time.time()),
                        "chat": _chat(chat_id), "from": _bot_user(),
                        "text": message.text if message else "(old message)"}}}

    def command(self, chat_id: int, user_id: int, text: str, first_name: str = "Anna") -> None:
        word = text.split()[0]
        self._push({"message": {
            "message_id": 10_000 + self._next_update, "date": int(time.time()),
            "chat": _chat(chat_id), "from": _user(user_id, first_name, "Virtanen"),
            "text": text, "entities": [{"type": "bot_command", "offset": 0,
                                        "length": len(word)}]}})

    def _push(self, body: dict[str, Any]) -> None:
        if "update_id" not in body:
            body = {"update_id": self._next_update, **body}
            self._next_update += 1
        self._updates.append(body)
        self._wake.set()

    # -- reading what happened ----------------------------------------------------
    def calls_of(self, method: str, chat_id: int | str | None = None) -> list[Call]:
        return [c for c in self.calls if c.method == method
                and (chat_id is None or str(c.params.get("chat_id")) == str(chat_id))]

    def chat_messages(self, chat_id: int | str) -> list[Stored]:
        return sorted((m for (c, _), m in self.messages.items() if c == str(chat_id)),
                      key=lambda m: m.message_id)

    def buttons(self, message: Stored) -> list[str]:
        rows = (message.reply_markup or {}).get("inline_keyboard", [])
        return [b["callback_data"] for row in rows for b in row]

    def labels(self, message: Stored) -> list[str]:
        rows = (message.reply_markup or {}).get("inline_keyboard", [])
        return [b["text"] for row in rows for b in row]

    def answers(self) -> list[dict[str, Any]]:
        return [c.params for c in self.calls if c.method == "answerCallbackQuery"]

    async def wait_for(self, condition: Callable[[], object], timeout: float = 10.0) -> None:
        """Bounded wait for something PTB does in the background (no timing involved)."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError("fake telegram: condition not met in time")
            await asyncio.sleep(0.01)

    # -- the server -----------------------------------------------------------
    @web.middleware
    async def _availability(self, request: web.Request, handler: Callable) -> web.StreamResponse:
        if self.down == "refuse":  # keep-alive connections opened before the outage die too
            if request.transport is not None:
                request.transport.close()
            raise ConnectionResetError("fake telegram is refusing connections")
        if self.down == "503":
            return _error(503, "Service Unavailable")
        return await handler(request)

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        params = await _params(request)
        self.calls.append(Call(method, params, self.clock.now() if self.clock else None))
        scripted = self._scripted(method)
        if scripted is not None:
            return scripted
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return _ok(True)  # setMyCommands, deleteWebhook, setWebhook, answerCallbackQuery...
        return await handler(params)

    def _scripted(self, method: str) -> web.Response | None:
        queue = self.scripts.get(method)
        if not queue:
            return None
        script = queue[0]
        script.times -= 1
        if script.times <= 0:
            queue.pop(0)
        extra = {"parameters": {"retry_after": script.retry_after}} if script.retry_after else {}
        return _error(script.status, script.description, **extra)

    async def _m_getMe(self, params: dict[str, Any]) -> web.Response:
        return _ok(_bot_user() | {"can_join_groups": True, "can_read_all_group_messages": False,
                                  "supports_inline_queries": False})

    async def _m_getUpdates(self, params: dict[str, Any]) -> web.Response:
        offset = int(params.get("offset") or 0)
        wait = min(float(params.get("timeout") or 0), 30.0)
        deadline = time.monotonic() + wait
        while True:
            ready = [u for u in self._updates if u["update_id"] >= offset]
            if ready or self._closing or time.monotonic() >= deadline:
                break
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), deadline - time.monotonic())
            except TimeoutError:
                pass
            if self.down:
                return _error(503, "Service Unavailable")
        self._updates = [u for u in self._updates if u["update_id"] >= offset]
        return _ok(ready)

    async def _m_sendMessage(self, params: dict[str, Any]) -> web.Response:
        chat = str(params.get("chat_id"))
        problem = self._check(chat, params)
        if problem:
            return problem
        number = self._next_message.get(chat, 100) + 1
        self._next_message[chat] = number
        reply = (params.get("reply_parameters") or {}).get("message_id")
        stored = Stored(_chat_id(chat), number, params["text"], params.get("reply_markup"),
                        reply)
        self.messages[(chat, number)] = stored
        return _ok(self._message_json(stored))

    async def _m_editMessageText(self, params: dict[str, Any]) -> web.Response:
        return self._edit(params, text=params.get("text"))

    async def _m_editMessageReplyMarkup(self, params: dict[str, Any]) -> web.Response:
        return self._edit(params, text=None)

    def _edit(self, params: dict[str, Any], text: str | None) -> web.Response:
        chat = str(params.get("chat_id"))
        problem = self._check(chat, params)
        if problem:
            return problem
        stored = self.messages.get((chat, int(params.get("message_id") or 0)))
        if stored is None:
            return _error(400, "Bad Request: message to edit not found")
        markup = params.get("reply_markup")
        if (text is None or text == stored.text) and markup == stored.reply_markup:
            return _error(400, "Bad Request: message is not modified: specified new message "
                               "content and reply markup are exactly the same")
        stored.text = text if text is not None else stored.text
        stored.reply_markup = markup
        stored.edits += 1
        return _ok(self._message_json(stored))

    def _check(self, chat: str, params: dict[str, Any]) -> web.Response | None:
        if chat in self.missing_chats:
            return _error(400, "Bad Request: chat not found")
        text = params.get("text")
        if text is not None and (not text or len(text.encode("utf-16-le")) // 2 > 4096):
            return _error(400, "Bad Request: message is too long")
        for row in (params.get("reply_markup") or {}).get("inline_keyboard", []):
            for button in row:
                if len(button.get("callback_data", "").encode()) > 64:
                    return _error(400, "Bad Request: BUTTON_DATA_INVALID")
        return None

    def _message_json(self, stored: Stored) -> dict[str, Any]:
        body: dict[str, Any] = {"message_id": stored.message_id, "date": int(time.time()),
                                "chat": _chat(stored.chat_id), "from": _bot_user(),
                                "text": stored.text}
        if stored.reply_markup:
            body["reply_markup"] = stored.reply_markup
        return body


async def _params(request: web.Request) -> dict[str, Any]:
    """PTB posts JSON; complex values may also come JSON-encoded inside form fields."""
    if request.content_type == "application/json":
        raw = await request.json() if request.can_read_body else {}
    else:
        raw = dict(await request.post())
    params: dict[str, Any] = {}
    for key, value in raw.items():
        if key in JSON_KEYS and isinstance(value, str):
            value = json.loads(value)
        params[key] = value
    return params


def _chat_id(chat: str) -> int | str:
    try:
        return int(chat)
    except ValueError:
        return chat


def _chat(chat_id: int | str) -> dict[str, Any]:
    if isinstance(chat_id, int) and chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": "Nurse"}
    return {"id": chat_id, "type": "supergroup", "title": f"Ward chat {chat_id}"}


def _user(user_id: int, first: str, last: str) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": first, "last_name": last,
            "language_code": "fi"}


def _bot_user() -> dict[str, Any]:
    return {"id": BOT_ID, "is_bot": True, "first_name": "Escalator", "username": BOT_USERNAME}


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _error(status: int, description: str, **extra: Any) -> web.Response:
    return web.json_response({"ok": False, "error_code": status, "description": description,
                              **extra}, status=status)
