"""`channels.telegram`: the keys the Telegram channel adds, checked at load time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from support import TOKENS, config_text

from escalator.config import ConfigError, load_config_text
from escalator.notify.telegram.bot_settings import DEFAULT_ALERT_AFTER, from_config


def load(channel: str):
    text = config_text() + f"channels:\n  telegram:\n{channel}"
    return load_config_text(text, env={**TOKENS, "TG": "123:abc"})[0]


def test_alert_keys_are_parsed():
    config = load("    token_env: TG\n    alert_after: 15m\n    alert_to: [manager]\n")
    tg = config.channels["telegram"]
    assert tg["alert_after"] == timedelta(minutes=15) and tg["alert_to"] == ["manager"]
    settings = from_config(tg, {"TG": "123:abc"})
    assert settings is not None
    assert (settings.alert_after, settings.alert_to) == (timedelta(minutes=15), ("manager",))
    assert settings.api_url == "https://api.telegram.org" and settings.mode == "polling"


def test_alert_to_must_name_parties():
    with pytest.raises(ConfigError) as err:
        load("    token_env: TG\n    alert_to: [manger]\n    alert_after: 10\n")
    text = str(err.value)
    assert "channels.telegram.alert_to[0]: unknown party 'manger' (did you mean 'manager'?)" \
        in text
    assert "channels.telegram.alert_after: found 10 (a number without a unit)" in text


def test_no_channel_without_its_token():
    config = load("    token_env: TG\n")
    assert from_config(config.channels["telegram"], {}) is None
    settings = from_config(config.channels["telegram"], {"TG": "123:abc"})
    assert settings is not None and settings.alert_after == DEFAULT_ALERT_AFTER
    assert settings.webhook_secret != "123:abc" and len(settings.webhook_secret) == 48


def test_no_warning_when_telegram_is_not_configured(caplog):
    from escalator.notify.telegram.bot_settings import from_config

    with caplog.at_level("WARNING"):
        assert from_config({}, {}) is None
    assert "is not set" not in caplog.text
    with caplog.at_level("WARNING"):
        assert from_config({"token_env": "TG_TOKEN"}, {}) is None
    assert "TG_TOKEN is not set" in caplog.text  # configured but no token: say so
