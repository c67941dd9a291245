"""Configuration: YAML in, a validated frozen `Config` out (see `loader`)."""

from escalator.config.calendar import build_directory
from escalator.config.loader import load_config, load_config_text
from escalator.config.model import Config
from escalator.domain.errors import ConfigError

__all__ = ["Config", "ConfigError", "build_directory", "load_config", "load_config_text"]
