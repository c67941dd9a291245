"""`ack_in_bms: true`: when a person takes an incident, acknowledge its alarm in the BMS.

BACnet's AcknowledgeAlarm names the event object, the state acknowledged and the
time stamp of that transition as the device gave it, so the receiver remembers
those per (code, point) from each notification and from each alarm list read
(GetEventInformation; GetAlarmSummary gives no time stamps, so those alarms cannot
be acknowledged until a notification about them arrives). The service tells the
source when an incident is taken (`Sources.incident_changed` -> `incident_taken`);
the acknowledgement is sent in the background, once per incident, and a refusal
or no answer is logged, never retried: the incident is the record of who took it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bacpypes3.apdu import AcknowledgeAlarmRequest
from bacpypes3.basetypes import TimeStamp
from bacpypes3.pdu import Address

from escalator.domain.model import Incident
from escalator.runtime.tasks import cancel_all

log = logging.getLogger(__name__)

PROCESS_ID = 1
SOURCE_NAME = "escalator"  # who acknowledged, as the BMS shows it (no person's name)
MAX_REMEMBERED = 100_000


@dataclass(frozen=True)
class Transition:
    """What AcknowledgeAlarm must repeat back to the device."""

    address: Address
    object_id: Any  # ObjectIdentifier
    state: Any  # EventState
    stamp: Any  # TimeStamp


class BmsAcks:
    def __init__(self, source_id: str, enabled: bool,
                 request: Callable[[Any], Awaitable[Any]]) -> None:
        self.source_id = source_id
        self.enabled = enabled
        self._request = request
        self._known: dict[tuple[str, str], Transition] = {}
        self._done: set[int] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self.sent = 0  # acknowledgements the BMS accepted (health, tests)

    def remember(self, key: tuple[str, str], transition: Transition) -> None:
        if self.enabled and (key in self._known or len(self._known) < MAX_REMEMBERED):
            self._known[key] = transition

    def incident_taken(self, incident: Incident) -> None:
        if not self.enabled or incident.id in self._done:
            return
        known = self._known.get((incident.code, incident.point))
        if known is None:
            log.info("source %s: incident %s taken; no BACnet transition known to acknowledge",
                     self.source_id, incident.id)
            return
        self._done.add(incident.id)
        task = asyncio.get_running_loop().create_task(self._send(incident.id, known))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send(self, incident_id: int, known: Transition) -> None:
        request = AcknowledgeAlarmRequest(
            acknowledgingProcessIdentifier=PROCESS_ID, eventObjectIdentifier=known.object_id,
            eventStateAcknowledged=known.state, timeStamp=known.stamp,
            acknowledgmentSource=SOURCE_NAME, timeOfAcknowledgment=TimeStamp.as_time(),
            destination=known.address)
        try:
            await self._request(request)
        except Exception as exc:  # logged, not retried: the BMS may not require acks
            log.warning("source %s: acknowledging incident %s in the BMS failed: %s",
                        self.source_id, incident_id, exc)
            return
        self.sent += 1

    async def stop(self) -> None:
        await cancel_all(self._tasks)
