"""Roster calendars at URLs as the running service fetches them, and `escalator roster show`."""
