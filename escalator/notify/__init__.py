"""Outgoing notifications: channels, rendering and the durable dispatcher."""
