"""The config editor's pages: edit, Check, Simulate, Save, history, diff, restore.

Managers only (nurses and viewers get 403 and no link). The pages hold no
logic of their own: they call the `ConfigEditing` use case they find under
`EDITING`, and show its answers. Every POST carries the session's CSRF token
(`signed_in` checks it) and the hash of the text the edit started from, so
a save over someone else's newer save is refused instead of undoing it.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from escalator.config.cli import summary
from escalator.config.files import digest
from escalator.config.loader import MAX_CONFIG_BYTES
from escalator.config.problem import render as render_problem
from escalator.config.problem import rendered
from escalator.domain import bounds
from escalator.entrypoints.http.board.auth import Session
from escalator.entrypoints.http.board.editor_chrome import EDITING, EDITOR_ROLES, chrome
from escalator.entrypoints.http.board.editor_texts import et
from escalator.entrypoints.http.board.pages import (
    _ENV,
    HEADERS,
    Handler,
    board_state,
    forbidden,
    language,
    signed_in,
)
from escalator.entrypoints.http.board.texts import local
from escalator.liveconfig.editing import SIMULATE_HORIZON, ConfigEditing, Refused, Stale

MAX_FIELD = 200
# The config travels form-encoded (up to ~3 bytes per byte); the loader refuses more than
# MAX_CONFIG_BYTES with its own clear message. Only this route gets the room; the body is
# read only once the session is known (`signed_in`).
MAX_EDIT_BODY = 3 * MAX_CONFIG_BYTES + 64 * 1024


def setup(web_app: web.Application) -> None:
    r = web_app.router
    r.add_get("/board/config", editor)
    r.add_post("/board/config", roomy(submit))
    r.add_get("/board/config/history", history)
    r.add_get("/board/config/history/{id}", version)
    r.add_post("/board/config/history/{id}/restore", restore)


def roomy(handler: Handler) -> Handler:
    """The whole config fits in the form (the service's default body limit is 64 KiB)."""
    async def wrapped(request: web.Request) -> web.StreamResponse:
        return await handler(request.clone(client_max_size=MAX_EDIT_BODY))
    return wrapped


def _editing(request: web.Request) -> ConfigEditing:
    return request.app[EDITING]


def render(request: web.Request, template: str, session: Session, status: int = 200,
           **values: Any) -> web.Response:
    lang = language(request, session)
    text = _ENV.get_template(template).render(
        lang=lang, t=lambda key, **kw: et(lang, key, **kw), session=session,
        path=request.path, has_outbox=board_state(request).outbox is not None,
        register_roles=frozenset({"manager", "viewer"}),
        editor=chrome(request, session.role, lang), **values)
    return web.Response(text=text, status=status, content_type="text/html", charset="utf-8",
                        headers=HEADERS)


def managers(handler: Any) -> Any:
    """Signed in, and a manager; anyone else gets 403 before anything is read."""
    @signed_in
    async def wrapped(request: web.Request, session: Session) -> web.StreamResponse:
        if session.role not in EDITOR_ROLES:
            return forbidden(request, session)
        if not _editing(request).editable:
            return render(request, "config.html", session, 404, not_editable=True)
        return await handler(request, session)
    wrapped.__doc__ = handler.__doc__
    return wrapped


def _page(request: web.Request, session: Session, text: str, base: str, status: int = 200,
          **values: Any) -> web.Response:
    editing, lang = _editing(request), language(request, session)
    problems = values.pop("problems", ())
    bad_lines = sorted({p.line for p in problems if p.line})
    source = text.split("\n")
    # (problem, its source line, the problem in the reader's language)
    shown = [(p, source[p.line - 1].strip() if 0 < p.line <= len(source) else "",
              render_problem(p, lang)) for p in problems]
    values["warnings"] = rendered(values.get("warnings", ()), lang)
    if editing.restart_pending:
        values["restart"] = et(lang, "config.restart_pending",
                               what=", ".join(editing.restart_pending))
    return render(request, "config.html", session, status, text=text, base=base,
                  file=editing.path, problems=shown, bad_lines=bad_lines,
                  line_count=max(1, text.count("\n") + 1), sim=values.pop("sim", {}),
                  sim_hours=int(SIMULATE_HORIZON.total_seconds() // 3600),
                  **values)


@managers
async def editor(request: web.Request, session: Session) -> web.Response:
    """The file as it is on disk now, ready to edit."""
    draft = await _editing(request).current()
    lang = language(request, session)
    said = ""
    if (saved := request.query.get("saved", "")).isdigit():
        said = et(lang, "config.saved", version=saved)
    return _page(request, session, draft.text, draft.version, said=said)


@managers
async def submit(request: web.Request, session: Session) -> web.Response:
    """Check, Simulate or Save the text in the form (the button pressed says which)."""
    editing, lang = _editing(request), language(request, session)
    form = await request.post()
    text = str(form.get("text", "")).replace("\r\n", "\n")
    base = str(form.get("base", ""))[:MAX_FIELD]
    op = str(form.get("op", "check"))
    sim = {k: str(form.get(k, ""))[:MAX_FIELD].strip() for k in ("code", "source", "point", "at")}
    if op == "save":
        return await _save(request, session, text, base, sim)
    if op == "simulate":
        if not sim["code"]:
            return _page(request, session, text, base, 400, sim=sim,
                         error=et(lang, "config.sim.need_code"))
        simulated = await editing.simulate(text, sim["code"], sim["source"], sim["point"],
                                           sim["at"], lang=lang)
        checked = simulated.checked
        if not checked.ok:
            return _page(request, session, text, base, 400, sim=sim, problems=checked.problems,
                         error=et(lang, "config.problems_check", n=len(checked.problems)))
        return _page(request, session, text, base, 400 if simulated.error else 200, sim=sim,
                     error=simulated.error, simulation=simulated.lines,
                     warnings=checked.warnings)
    checked = await editing.check(text)
    if not checked.ok:
        return _page(request, session, text, base, 400, sim=sim, problems=checked.problems,
                     error=et(lang, "config.problems_check", n=len(checked.problems)))
    assert checked.config is not None
    return _page(request, session, text, base, sim=sim, warnings=checked.warnings,
                 said=et(lang, "config.ok", summary=summary(checked.config)))


async def _save(request: web.Request, session: Session, text: str, base: str,
                sim: dict[str, str]) -> web.Response:
    lang = language(request, session)
    try:
        saved = await _editing(request).save(text, base, session.name)
    except Refused as exc:
        problems = exc.checked.problems
        return _page(request, session, text, base, 400, sim=sim, problems=problems,
                     error=et(lang, "config.problems", n=len(problems)))
    except Stale:
        return _page(request, session, text, base, 409, sim=sim, error=et(lang, "config.stale"))
    raise web.HTTPSeeOther(f"/board/config?saved={saved.version_id}")


@managers
async def history(request: web.Request, session: Session) -> web.Response:
    editing, lang = _editing(request), language(request, session)
    now, tz = editing.now(), editing.timezone
    current = (await editing.current()).version
    rows = [{"id": v.id, "when": local(v.saved_at, tz, now, lang), "who": v.actor,
             "origin": v.origin, "lines": et(lang, "hist.lines", added=v.added, removed=v.removed),
             "sections": ", ".join(v.sections), "current": v.sha256 == current}
            for v in await editing.history()]
    return render(request, "config_history.html", session, versions=rows)


@managers
async def version(request: web.Request, session: Session) -> web.Response:
    editing, lang = _editing(request), language(request, session)
    found = await editing.version(_id(request))
    if found is None:
        raise web.HTTPNotFound()
    v, changed = found
    draft = await editing.current()
    return render(request, "config_version.html", session, v=v,
                  when=local(v.saved_at, editing.timezone, editing.now(), lang),
                  diff=[_diff_line(line) for line in changed.diff], base=draft.version,
                  current=digest(v.body) == draft.version)


@managers
async def restore(request: web.Request, session: Session) -> web.Response:
    """A restore is a save of the old text: same check, same stale-edit rule."""
    editing, lang = _editing(request), language(request, session)
    form = await request.post()
    base = str(form.get("base", ""))[:MAX_FIELD]
    found = await editing.version(_id(request))
    if found is None:
        raise web.HTTPNotFound()
    try:
        saved = await editing.restore(found[0].id, base, session.name)
    except Refused as exc:
        problems = exc.checked.problems
        return _page(request, session, found[0].body, base, 400, problems=problems,
                     error=et(lang, "config.problems", n=len(problems)))
    except Stale:
        draft = await editing.current()
        return _page(request, session, draft.text, draft.version, 409,
                     error=et(lang, "config.stale"))
    raise web.HTTPSeeOther(f"/board/config?saved={saved.version_id}")


def _id(request: web.Request) -> int:
    try:
        return bounds.row_id(request.match_info["id"], "version")
    except bounds.BadInput:  # "²" passed isdigit() and then failed int(): a 500
        raise web.HTTPNotFound() from None


def _diff_line(line: str) -> tuple[str, str]:
    kind = "add" if line.startswith("+") and not line.startswith("+++") else \
        "del" if line.startswith("-") and not line.startswith("---") else \
        "hunk" if line.startswith("@@") else "same"
    return kind, line
