"""Named API tokens, a /healthz that tells strangers nothing, secrets never printed."""

from __future__ import annotations

import json
import logging

from support import TOKENS, config_text
from tg_support import alarm

from escalator.app import Escalator
from escalator.config import load_config, load_config_text
from escalator.domain.errors import ConfigError
from escalator.domain.model import AlarmEvent

ENV = {**TOKENS, "ANNA_TOKEN": "anna-token-0123456789", "BOARD_TOKEN": "board-token-0123456789"}
ANNA = {"Authorization": f"Bearer {ENV['ANNA_TOKEN']}"}
BOARD = {"Authorization": f"Bearer {ENV['BOARD_TOKEN']}"}
LEGACY = {"Authorization": f"Bearer {TOKENS['ESCALATOR_API_TOKEN']}"}
NAMED = """  public_url: http://escalator.test
  api_tokens:
    - {name: "Nurse Anna", token_env: ANNA_TOKEN, role: operator}
    - {name: Board, token_env: BOARD_TOKEN, role: viewer}
"""
PASTED = "hunter2-Pasted-Secret-Value"


def named_config(storage: str) -> str:
    return config_text(storage).replace("  public_url: http://escalator.test\n", NAMED)


async def started(tmp_path, clock, recorder, aiohttp_client, text: str | None = None):
    path = tmp_path / "escalator.yaml"
    path.write_text(text or named_config(f"sqlite:///{tmp_path}/a.db"))
    cfg, _ = load_config(str(path), env=ENV)
    app = Escalator(cfg, clock=clock, env=ENV,
                    notifiers={"telegram": recorder, "email": recorder, "sms": recorder})
    await app.start(serve_http=False, schedule=False)
    return app, path, await aiohttp_client(app.web_app())


async def test_actions_are_recorded_under_the_tokens_name_and_viewers_only_read(
        tmp_path, clock, recorder, aiohttp_client):
    app, _, client = await started(tmp_path, clock, recorder, aiohttp_client)
    try:
        res = await app.service.ingest(AlarmEvent("terminal", "FT", "alarm", clock.now()))
        url = f"/api/v1/incidents/{res.incident_id}/actions"
        claimed = await client.post(url, json={"action": "acknowledge", "by": "terminal"},
                                    headers=ANNA)
        assert claimed.status == 400 and "'Nurse Anna'" in (await claimed.json())["error"]
        viewer = await client.post(url, json={"action": "resolve"}, headers=BOARD)
        assert viewer.status == 403
        assert "'Board' is a viewer token" in (await viewer.json())["error"]
        assert (await client.post("/api/v1/config/reload", headers=BOARD)).status == 403
        assert (await client.get("/api/v1/incidents", headers=BOARD)).status == 200
        # with named tokens configured, the old single token is no longer one of them
        assert (await client.get("/api/v1/incidents", headers=LEGACY)).status == 401

        taken = await client.post(url, json={"action": "acknowledge"}, headers=ANNA)
        assert taken.status == 200 and (await taken.json())["acked_by"] == "Nurse Anna"
        await client.close()
    finally:
        await app.stop()


async def test_healthz_without_a_token_says_ok_per_component_and_nothing_else(
        tmp_path, clock, recorder, aiohttp_client):
    app, path, client = await started(tmp_path, clock, recorder, aiohttp_client)
    try:
        anonymous = await (await client.get("/healthz")).json()
        assert set(anonymous) == {"ok", "store", "scheduler", "config"}
        assert all(set(v) == {"ok"} for k, v in anonymous.items() if k != "ok")
        assert str(path) not in json.dumps(anonymous) and "sqlite" not in json.dumps(anonymous)
        detailed = await (await client.get("/healthz", headers=BOARD)).json()
        assert detailed["config"]["path"] == str(path) and detailed["store"]["kind"] == "sqlite"
        await client.close()
    finally:
        await app.stop()


def test_a_secret_pasted_into_the_yaml_is_refused_without_its_value():
    for key, yaml in [
        ("http.api_token_env", config_text().replace(
            "  public_url: http://escalator.test\n",
            f"  public_url: http://escalator.test\n  api_token_env: {PASTED}\n")),
        ("sources.terminal.token_env",
         config_text().replace("token_env: ESCALATOR_TERMINAL_TOKEN", f"token_env: {PASTED}")),
        ("http.api_tokens[0].token_env", config_text().replace(
            "  public_url: http://escalator.test\n",
            f"  public_url: http://escalator.test\n  api_tokens: [{{name: A, token_env: "
            f"'{PASTED}'}}]\n")),
    ]:
        try:
            load_config_text(yaml, env=TOKENS)
        except ConfigError as exc:
            assert key in str(exc) and "not shown: it may be a secret" in str(exc)
            assert "Pasted" not in str(exc)
        else:
            raise AssertionError(f"{key}: a pasted secret was accepted")


async def test_a_pasted_secret_is_not_in_the_reload_answer_healthz_or_log(
        tmp_path, clock, recorder, aiohttp_client, caplog):
    caplog.set_level(logging.DEBUG)
    app, path, client = await started(tmp_path, clock, recorder, aiohttp_client)
    try:
        path.write_text(path.read_text().replace("token_env: BOARD_TOKEN", f"token_env: {PASTED}"))
        resp = await client.post("/api/v1/config/reload", headers=ANNA)
        assert resp.status == 422
        answer = await resp.text()
        assert "api_tokens[1].token_env" in answer and "Pasted" not in answer
        health = await (await client.get("/healthz", headers=ANNA)).text()
        assert "api_tokens[1].token_env" in health and "Pasted" not in health
        assert "api_tokens[1].token_env" in caplog.text and "Pasted" not in caplog.text
        await client.close()
    finally:
        await app.stop()


async def test_the_bot_token_is_never_logged_even_at_debug(tg_app, fake_tg, caplog):
    caplog.set_level(logging.DEBUG)
    app = await tg_app()
    await alarm(app)
    await app.tick()
    await fake_tg.wait_for(lambda: fake_tg.calls_of("sendMessage"))
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name != "aiohttp.access")
    assert "getUpdates" in logged or "sendMessage" in logged  # requests were logged ...
    assert fake_tg.token not in logged and fake_tg.token not in caplog.text  # ... masked


async def test_a_5000_digit_or_unicode_limit_is_a_400(app, client):
    for raw in ("9" * 5000, "١٠", "0"):
        resp = await client.get(f"/api/v1/incidents?limit={raw}", headers=LEGACY)
        assert resp.status == 400
        assert "limit must be a whole number from 1 to 500" in (await resp.json())["error"]


def test_a_bot_token_pasted_where_a_chat_belongs_is_not_echoed():
    token = "7123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
    yaml = config_text().replace("- telegram: -1001234567890", f'- telegram: "{token}"')
    try:
        load_config_text(yaml, env=TOKENS)
    except ConfigError as exc:
        assert "people.ward-a.contact[0]" in str(exc) and token not in str(exc)
        assert "AAHdqTcv" not in str(exc)
    else:
        raise AssertionError("a bot token was accepted as a chat")


async def test_maintenance_windows_follow_the_token_roles_and_names(
        tmp_path, clock, recorder, aiohttp_client):
    app, _, client = await started(tmp_path, clock, recorder, aiohttp_client)
    try:
        window = {"match": {"point": "B-wing*"}, "until": "2026-11-24 12:00",
                  "reason": "installation work"}
        viewer = await client.post("/api/v1/maintenance", json=window, headers=BOARD)
        assert viewer.status == 403
        assert (await client.get("/api/v1/maintenance", headers=BOARD)).status == 200
        made = await client.post("/api/v1/maintenance", json=window, headers=ANNA)
        assert made.status == 201
        listed = await (await client.get("/api/v1/maintenance", headers=BOARD)).json()
        assert listed["maintenance"][0]["created_by"] == "Nurse Anna"
        await client.close()
    finally:
        await app.stop()
