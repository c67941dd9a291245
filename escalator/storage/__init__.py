"""Durable storage: the truth about incidents, events and deliveries."""

from escalator.storage.rows import DeliveryRow
from escalator.storage.sql import SqlStore, Tx, open_store

__all__ = ["DeliveryRow", "SqlStore", "Tx", "open_store"]
