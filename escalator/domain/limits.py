"""The caps on what one person, link or script can make the service keep (issue 19).

Each bounds memory, database rows or the work of every later alarm; each is
documented in docs/security.md ("Limits") with the test that holds it. The
maintenance window cap is `escalator.domain.maintenance.MAX_WINDOWS`.
"""

from __future__ import annotations

# notes one incident may hold, from every door (ack page, API, board, Telegram): each
# is in the timeline and the reports and, while the alarm is open, sent to everyone told
NOTES_PER_INCIDENT = 200
# board sign-ins kept at once: past these the oldest session is signed out (of that
# user, then of anyone), so signing in never fails and memory stays bounded
BOARD_SESSIONS = 1_000
SESSIONS_PER_USER = 20
# live board streams (server-sent events) open at once, and per session; past these
# the stream is refused with 429 (the page falls back to reloading now and then)
LIVE_STREAMS = 100
STREAMS_PER_SESSION = 4
