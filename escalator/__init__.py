"""Escalator: alarm and fault escalation for care facilities."""

__version__ = "0.1.0"
