"""systemd's notify protocol, spoken directly: READY=1 at start, WATCHDOG=1 while healthy.

No dependency: a message is one datagram to the unix socket named by
$NOTIFY_SOCKET (a leading "@" is the abstract namespace). Outside systemd
the variable is unset and every call does nothing. The watchdog pings at half
of $WATCHDOG_USEC and only after a liveness check passed (the loop turns and
the store takes a write), so a wedged loop or a lost database stops the
pings and systemd restarts the service (`WatchdogSec=` in the unit).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Awaitable, Callable, Mapping

from escalator.runtime.tasks import cancel_and_wait

log = logging.getLogger(__name__)


def notify(message: str, env: Mapping[str, str] | None = None) -> bool:
    """Send one notify message; False (and nothing raised) when there is no socket."""
    path = (os.environ if env is None else env).get("NOTIFY_SOCKET")
    if not path:
        return False
    address = "\0" + path[1:] if path.startswith("@") else path
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.setblocking(False)  # a full socket buffer must not block the loop
            sock.sendto(message.encode(), address)
    except OSError as exc:
        log.warning("systemd notify to %s failed: %s", path, exc)
        return False
    return True


def watchdog_interval(env: Mapping[str, str] | None = None) -> float | None:
    """Seconds between pings (half the watchdog timeout), or None if no watchdog is set."""
    env = os.environ if env is None else env
    usec = env.get("WATCHDOG_USEC", "")
    pid = env.get("WATCHDOG_PID", "")
    if not usec.isdigit() or int(usec) <= 0:
        return None
    if pid and pid != str(os.getpid()):
        return None  # the variables were meant for another process
    return int(usec) / 2_000_000


class Watchdog:
    def __init__(self, alive: Callable[[], Awaitable[bool]], interval: float,
                 env: Mapping[str, str] | None = None) -> None:
        self._alive = alive
        self.interval = interval
        self._env = env
        self._task: asyncio.Task[None] | None = None
        self._was_ok = True

    async def beat(self) -> bool:
        """One check; ping systemd only if it passed."""
        ok = await self._alive()
        if ok:
            notify("WATCHDOG=1", self._env)
        if ok != self._was_ok:
            (log.info if ok else log.error)(
                "watchdog: %s", "healthy again, pinging systemd" if ok
                else "liveness check failed; not pinging systemd (it restarts us)")
            self._was_ok = ok
        return ok

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while True:
            await self.beat()
            await asyncio.sleep(self.interval)

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None
