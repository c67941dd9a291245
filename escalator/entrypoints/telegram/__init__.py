"""Telegram's way in: button presses, chat commands and the webhook that carries them."""
