"""A BACnet/IP building-automation device for the tests, built with bacpypes3.

It is a real bacpypes3 application on 127.0.0.1: it has a device object and
notification classes whose recipient list can be read and written over the wire,
keeps a table of event objects and their states, answers GetEventInformation
(page by page) or, when told it is an older device, only GetAlarmSummary, and
sends confirmed or unconfirmed event notifications to the recipients listed in
a class, as a BMS does. It shares no code with the receiver under test.
"""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass

from bacpypes3.apdu import (
    ConfirmedEventNotificationRequest,
    GetAlarmSummaryACK,
    GetEventInformationACK,
    SimpleAckPDU,
    UnconfirmedEventNotificationRequest,
)
from bacpypes3.app import Application
from bacpypes3.basetypes import (
    EventState,
    EventTransitionBits,
    EventType,
    GetAlarmSummaryAlarmSummary,
    GetEventInformationEventSummary,
    NotifyType,
    TimeStamp,
)
from bacpypes3.errors import UnrecognizedService
from bacpypes3.local.device import DeviceObject
from bacpypes3.local.networkport import NetworkPortObject
from bacpypes3.local.object import Object as LocalObject
from bacpypes3.object import NotificationClassObject
from bacpypes3.pdu import Address, LocalStation
from bacpypes3.primitivedata import ObjectIdentifier

PAGE = 3  # event summaries per GetEventInformation answer: the receiver must page


class _NotificationClass(LocalObject, NotificationClassObject):  # type: ignore[misc]
    pass


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Point:
    state: str = "normal"
    priority: int = 100


class SimDevice(Application):  # type: ignore[misc]
    """Build with `SimDevice.at(port, device_id)`; `close()` takes it off the network."""

    points: dict[str, Point]
    acks: list[tuple[str, str, int, str]]
    event_information = True  # False: an older device that knows only GetAlarmSummary
    muted = False  # True: answers nothing (a device that stops answering)
    port: int
    device_id: int

    @classmethod
    def at(cls, port: int, device_id: int, classes: tuple[int, ...] = (1,)) -> SimDevice:
        objects = [
            DeviceObject(objectIdentifier=("device", device_id), objectName=f"bms-{device_id}",
                         vendorIdentifier=999),
            NetworkPortObject(f"127.0.0.1/32:{port}", objectIdentifier=("network-port", 1),
                              objectName="NP-1"),
        ]
        for nc in classes:
            objects.append(_NotificationClass(
                objectIdentifier=("notification-class", nc), objectName=f"nc-{nc}",
                notificationClass=nc, priority=[100, 100, 200], ackRequired=[1, 1, 0],
                recipientList=[]))
        sim = cls.from_object_list(objects)
        sim.points, sim.port, sim.device_id = {}, port, device_id
        sim.acks = []
        return sim

    async def indication(self, apdu) -> None:
        if not self.muted:
            await super().indication(apdu)

    def recipients(self, nc: int = 1) -> list:
        return list(self.get_object_id(ObjectIdentifier(f"notification-class,{nc}"))
                    .recipientList or [])

    def set_state(self, obj: str, state: str, priority: int = 100) -> None:
        self.points[obj] = Point(state, priority)

    async def notify(self, obj: str, to_state: str, *, confirmed: bool | None = None, nc: int = 1,
                     message: str = "", priority: int = 100, from_state: str = "",
                     to: tuple[str, int] | None = None, notify_type: str = "alarm",
                     device_id: int | None = None, stamp: int = 1) -> list:
        """Change `obj`'s state and tell each recipient of class `nc` (or `to` only);
        `confirmed` None: as the recipient's entry asks."""
        previous = self.points.get(obj, Point()).state
        self.set_state(obj, to_state, priority)
        if to is not None:
            targets = [(Address(f"{to[0]}:{to[1]}"), confirmed is not False)]
        else:
            targets = []
            for entry in self.recipients(nc):
                mac = bytes(entry.recipient.address.macAddress)
                asked = bool(entry.issueConfirmedNotifications)
                targets.append((LocalStation(mac), asked if confirmed is None else confirmed))
        answers = []
        for where, as_confirmed in targets:
            kind = ConfirmedEventNotificationRequest if as_confirmed \
                else UnconfirmedEventNotificationRequest
            request = kind(
                processIdentifier=1,
                initiatingDeviceIdentifier=ObjectIdentifier(
                    f"device,{self.device_id if device_id is None else device_id}"),
                eventObjectIdentifier=ObjectIdentifier(obj),
                timeStamp=TimeStamp(sequenceNumber=stamp), notificationClass=nc,
                priority=priority, eventType=EventType.changeOfState, notifyType=notify_type,
                ackRequired=True, fromState=from_state or previous, toState=to_state)
            if message:
                request.messageText = message
            request.pduDestination = where
            answers.append(await self.request(request))
        return answers

    def _active(self) -> list[tuple[ObjectIdentifier, Point]]:
        found = [(ObjectIdentifier(obj), p) for obj, p in self.points.items()
                 if p.state != "normal"]
        return sorted(found, key=lambda item: (int(item[0][0]), item[0][1]))

    async def do_GetEventInformationRequest(self, apdu) -> None:
        if not self.event_information:
            raise UnrecognizedService()
        active = self._active()
        if apdu.lastReceivedObjectIdentifier is not None:
            last = apdu.lastReceivedObjectIdentifier
            keys = [(int(o[0]), o[1]) for o, _ in active]
            active = active[keys.index((int(last[0]), last[1])) + 1:] \
                if (int(last[0]), last[1]) in keys else []
        page = [GetEventInformationEventSummary(
            objectIdentifier=obj, eventState=EventState(point.state),
            acknowledgedTransitions=EventTransitionBits([1, 1, 1]),
            eventTimeStamps=[TimeStamp(sequenceNumber=1)] * 3, notifyType=NotifyType.alarm,
            eventEnable=EventTransitionBits([1, 1, 1]),
            eventPriorities=[point.priority] * 3) for obj, point in active[:PAGE]]
        await self.response(GetEventInformationACK(
            listOfEventSummaries=page, moreEvents=len(active) > PAGE, context=apdu))

    async def do_AcknowledgeAlarmRequest(self, apdu) -> None:
        """Kept as (object, state, the transition's time stamp, who): what the test checks."""
        self.acks.append((str(apdu.eventObjectIdentifier), str(apdu.eventStateAcknowledged),
                          apdu.timeStamp.sequenceNumber, str(apdu.acknowledgmentSource)))
        await self.response(SimpleAckPDU(context=apdu))

    async def do_GetAlarmSummaryRequest(self, apdu) -> None:
        summaries = [GetAlarmSummaryAlarmSummary(
            objectIdentifier=obj, alarmState=EventState(point.state),
            acknowledgedTransitions=EventTransitionBits([1, 1, 1]))
            for obj, point in self._active()]
        await self.response(GetAlarmSummaryACK(listOfAlarmSummaries=summaries, context=apdu))


async def settle() -> None:
    """Let bacpypes3 finish binding its sockets (its endpoints open in tasks)."""
    for _ in range(5):
        await asyncio.sleep(0)
