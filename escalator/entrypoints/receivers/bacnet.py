"""BACnet/IP (bacpypes3): event notifications from building automation, and their alarm lists.

The source is a small BACnet device of its own (`device_id`, bound at `listen`). It
takes confirmed and unconfirmed event notifications from the configured `devices`
(a notification must come from a configured address and name its device; else it
is dropped); a confirmed one is acked only once stored, so the device repeats what we
did not take, and a device one of whose events could not be stored is read again.

Every `every` each device is checked: with `notification_classes`, our address is
read from, and if missing written into, each class's recipient list (a device that
restarted with a fresh list is subscribed again); otherwise its device object is
read. A device that answered is a sign of life; one that does not answer is not, so
a silent BMS opens "source silent" after `heartbeat_timeout`. At start, when a
device answers again after failing, and when our recipient entry had vanished, the
device's active alarms are read (GetEventInformation, GetAlarmSummary if the device
does not know it) and compared with the open incidents of its points: what is
active and not open is raised, what is open and no longer active is cleared, so
nothing that happened while we were away is missed. What a notification or an alarm
list means is decided by the pure codec (escalator/codecs/bacnet.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from dataclasses import dataclass, field
from typing import Any

from bacpypes3.apdu import (
    ConfirmedEventNotificationRequest,
    ErrorRejectAbortNack,
    GetAlarmSummaryACK,
    GetAlarmSummaryRequest,
    GetEventInformationACK,
    GetEventInformationRequest,
    ReadPropertyACK,
    ReadPropertyRequest,
    SimpleAckPDU,
    UnconfirmedEventNotificationRequest,
    WritePropertyRequest,
)
from bacpypes3.app import Application
from bacpypes3.basetypes import (
    DaysOfWeek,
    Destination,
    DeviceAddress,
    EventTransitionBits,
    Recipient,
)
from bacpypes3.constructeddata import Any as BacnetAny
from bacpypes3.constructeddata import ListOf
from bacpypes3.local.device import DeviceObject
from bacpypes3.local.networkport import NetworkPortObject
from bacpypes3.pdu import Address
from bacpypes3.primitivedata import ObjectIdentifier, Time

from escalator.codecs.bacnet import (
    Active,
    Notice,
    PointName,
    Reading,
    active_readings,
    owned_points,
    point_for,
    read_notice,
)
from escalator.domain.errors import StorageError
from escalator.domain.model import Incident
from escalator.entrypoints.receivers.bacnet_ack import BmsAcks, Transition
from escalator.entrypoints.receivers.base import IntakeContext, Throttle, heartbeat_every
from escalator.entrypoints.receivers.gate import Gate
from escalator.runtime.tasks import cancel_and_wait

log = logging.getLogger(__name__)

MAX_PAGES = 100  # GetEventInformation pages read at most (a device that never ends its list)
MAX_ENTRIES = 10_000
PROCESS_ID = 1
ListOfDestination = ListOf(Destination)


class BacnetError(Exception):
    """A device did not answer, or answered with an Error, Reject or Abort."""


@dataclass
class Device:
    """One configured BMS device and what we know of it."""

    device_id: int
    host: str
    port: int
    notification_classes: tuple[int, ...] = ()
    points: dict[str, PointName] = field(default_factory=dict)
    up: bool = False
    last_error: str | None = None
    gate: Gate = field(default_factory=lambda: Gate())

    @property
    def address(self) -> Address:
        return Address(f"{self.host}:{self.port}")


class _Node(Application):  # type: ignore[misc]
    """Our BACnet device: hands each event notification to the source."""

    source: BacnetSource

    async def do_ConfirmedEventNotificationRequest(
            self, apdu: ConfirmedEventNotificationRequest) -> None:
        if await self.source.on_notification(apdu):
            await self.response(SimpleAckPDU(context=apdu))

    async def do_UnconfirmedEventNotificationRequest(
            self, apdu: UnconfirmedEventNotificationRequest) -> None:
        await self.source.on_notification(apdu)


class BacnetSource:
    def __init__(self, ctx: IntakeContext) -> None:
        self.ctx = ctx
        self.source_id = ctx.source.id
        opts = ctx.options
        self.host, self.port = opts["listen"]
        self.device_id: int = opts["device_id"]
        self.every: float = opts["every"].total_seconds()
        self.timeout: float = opts["timeout"].total_seconds()
        self.code: str = opts["code"]
        self.devices = [Device(d["device_id"], d["address"][0], d["address"][1],
                               tuple(d.get("notification_classes", ())),
                               {k: PointName(**v) for k, v in d.get("points", {}).items()})
                        for d in opts["devices"]]
        self.rounds = 0  # checks of every device done (for tests and health)
        self.dropped = 0  # notifications from no configured device
        self._throttle = Throttle(ctx.clock, heartbeat_every(ctx.source))
        self.acks = BmsAcks(self.source_id, opts.get("ack_in_bms", False), self._request)
        self._node: _Node | None = None
        self._task: asyncio.Task[None] | None = None

    # -- lifecycle ---------------------------------------------------------------

    async def start(self) -> None:
        _check_free(self.host, self.port)
        device = DeviceObject(objectIdentifier=("device", self.device_id),
                              objectName=f"escalator-{self.source_id}"[:64],
                              vendorIdentifier=999)
        port = NetworkPortObject(f"{self.host}/32:{self.port}",
                                 objectIdentifier=("network-port", 1), objectName="NP-1")
        node = _Node.from_object_list([device, port])
        node.source = self
        self._node = node
        self._task = asyncio.get_running_loop().create_task(self._loop())

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None
        await self.acks.stop()
        if self._node is not None:
            self._node.close()
            self._node = None

    def health(self) -> dict[str, object]:
        return {"kind": "bacnet", "running": self._task is not None and not self._task.done(),
                "rounds": self.rounds, "dropped": self.dropped, "acked_in_bms": self.acks.sent,
                "devices": {d.device_id: {"up": d.up, "last_error": d.last_error}
                            for d in self.devices}}

    async def _loop(self) -> None:
        while True:
            try:
                await self.check_once()
            except Exception:  # a device's odd answer must not end supervision
                log.exception("source %s: BACnet check failed", self.source_id)
            await asyncio.sleep(self.every)

    # -- supervision and resync -------------------------------------------------

    async def check_once(self) -> bool:
        """Check every device (subscribe again, resync when needed); True when all answered."""
        answered = [await self._check(device) for device in self.devices]
        self.rounds += 1
        if all(answered) and self._throttle.due():
            with contextlib.suppress(StorageError):
                await self.ctx.ingest(self.ctx.heartbeat())
        return all(answered)

    async def _check(self, device: Device) -> bool:
        try:
            missing = False
            for nc in device.notification_classes:
                missing = await self._subscribe(device, nc) or missing
            if not device.notification_classes:
                await self._read(device, ObjectIdentifier(f"device,{device.device_id}"),
                                 "systemStatus")
            if not device.up or missing:
                await self.resync(device)
        except (BacnetError, TimeoutError, StorageError) as exc:  # storage: read again
            if device.up or device.last_error is None:
                log.warning("source %s: BACnet device %s at %s:%s: %s", self.source_id,
                            device.device_id, device.host, device.port, exc or "no answer")
            device.up, device.last_error = False, str(exc) or "no answer"
            return False
        device.up, device.last_error = True, None
        return True

    async def resync(self, device: Device) -> None:
        """Raise what the device lists as active and is not open; clear what is open
        for its points and no longer active."""
        async with device.gate.alone():
            entries = await self._active(device)
            readings = active_readings(device.device_id, entries, device.points, self.code)
            stored = await self.ctx.open_alarms() if self.ctx.open_alarms else set()
            prefix, names = owned_points(device.device_id, device.points)
            mine = {key for key in stored if key[1].startswith(prefix) or key[1] in names}
            now = {self.ctx.stored_key(r.code, r.point): r for r in readings}
            for key, reading in now.items():
                if key not in mine:
                    await self._ingest(reading)
            for code, point in sorted(mine - now.keys()):
                await self.ctx.ingest(self.ctx.event(code, "clear", point=point))

    async def _ingest(self, reading: Reading) -> None:
        await self.ctx.ingest(self.ctx.event(reading.code, reading.state, point=reading.point,
                                             text=reading.text, severity=reading.severity))

    # -- notifications ---------------------------------------------------------

    async def on_notification(self, apdu: Any) -> bool:
        """Store one notification; True when it is ours and stored (then it is acked)."""
        device = self._device_for(apdu)
        if device is None:
            self.dropped += 1
            if self.dropped % 100 == 1:  # the first, then every 100th: no log flood
                log.warning("source %s: event notification from %s, not a configured device; "
                            "dropped (%d so far)", self.source_id, apdu.pduSource, self.dropped)
            return False
        object_type, instance = apdu.eventObjectIdentifier
        notice = Notice(device.device_id, str(object_type), int(instance), str(apdu.toState),
                        _text(apdu.fromState), _text(apdu.notifyType),
                        _int_or_none(apdu.priority), _text(apdu.messageText))
        reading = read_notice(notice, device.points, self.code)
        if reading is not None and reading.state == "alarm":
            self._remember(device, apdu.eventObjectIdentifier, apdu.toState, apdu.timeStamp)
        if reading is not None:
            async with device.gate.shared():
                try:
                    await self._ingest(reading)
                except StorageError:  # confirmed: answered with an error, the device repeats;
                    device.up = False  # either way the next check reads its alarm list again
                    raise
        return True

    def incident_taken(self, incident: Incident) -> None:
        """A person took an incident of this source (`ack_in_bms`)."""
        self.acks.incident_taken(incident)

    def _remember(self, device: Device, objid: Any, state: Any, stamp: Any) -> None:
        code, point, _ = point_for(device.device_id, str(objid[0]), int(objid[1]),
                                   device.points, self.code)
        self.acks.remember(self.ctx.stored_key(code, point),
                           Transition(device.address, objid, state, stamp))

    def _device_for(self, apdu: Any) -> Device | None:
        where = getattr(apdu.pduSource, "addrTuple", None)
        try:
            kind, instance = apdu.initiatingDeviceIdentifier
        except (TypeError, ValueError):
            return None
        if str(kind) != "device":
            return None
        for device in self.devices:
            if device.device_id == instance and where == (device.host, device.port):
                return device
        return None

    # -- requests -----------------------------------------------------------------

    async def _request(self, apdu: Any) -> Any:
        assert self._node is not None
        try:
            answer = await asyncio.wait_for(self._node.request(apdu), self.timeout)
        except ErrorRejectAbortNack as exc:
            raise BacnetError(f"{type(exc).__name__}: {exc}") from None
        except TimeoutError:
            raise BacnetError(f"no answer in {self.timeout:g} s") from None
        if isinstance(answer, ErrorRejectAbortNack):
            raise BacnetError(f"{type(answer).__name__}: {answer}")
        return answer

    async def _read(self, device: Device, objid: ObjectIdentifier, prop: str) -> Any:
        answer = await self._request(ReadPropertyRequest(
            objectIdentifier=objid, propertyIdentifier=prop, destination=device.address))
        if not isinstance(answer, ReadPropertyACK):
            raise BacnetError("unexpected answer to ReadProperty")
        return answer.propertyValue

    async def _subscribe(self, device: Device, nc: int) -> bool:
        """Make sure our address is in the class's recipient list; True when it was missing."""
        objid = ObjectIdentifier(f"notification-class,{nc}")
        try:
            listed = list((await self._read(device, objid, "recipientList"))
                          .cast_out(ListOfDestination))
        except (ValueError, TypeError, AttributeError) as exc:
            raise BacnetError(f"unreadable recipient list: {exc}") from None
        ours = self._recipient(device)
        if any(_same_recipient(entry, ours) for entry in listed):
            return False
        value = BacnetAny(ListOfDestination([*listed, ours]))
        await self._request(WritePropertyRequest(
            objectIdentifier=objid, propertyIdentifier="recipientList", propertyValue=value,
            destination=device.address))
        log.info("source %s: subscribed to notification class %s of device %s",
                 self.source_id, nc, device.device_id)
        return True

    def _recipient(self, device: Device) -> Destination:
        host = self.host if self.host not in ("0.0.0.0", "") else _local_ip(device.host)
        mac = socket.inet_aton(host) + self.port.to_bytes(2, "big")
        return Destination(
            validDays=DaysOfWeek([1] * 7), fromTime=Time((0, 0, 0, 0)),
            toTime=Time((23, 59, 59, 99)),
            recipient=Recipient(address=DeviceAddress(networkNumber=0, macAddress=mac)),
            processIdentifier=PROCESS_ID, issueConfirmedNotifications=True,
            transitions=EventTransitionBits([1, 1, 1]))

    async def _active(self, device: Device) -> list[Active]:
        """GetEventInformation, page by page; GetAlarmSummary when that fails (the device
        has just answered a read, so it is there: it does not know the newer service)."""
        try:
            return await self._event_information(device)
        except BacnetError as exc:  # refused, or not answered at all
            log.info("source %s: device %s: GetEventInformation failed (%s); "
                     "reading its alarm summary", self.source_id, device.device_id, exc)
        answer = await self._request(GetAlarmSummaryRequest(destination=device.address))
        if not isinstance(answer, GetAlarmSummaryACK):
            raise BacnetError("unexpected answer to GetAlarmSummary")
        return [Active(str(s.objectIdentifier[0]), int(s.objectIdentifier[1]),
                       str(s.alarmState)) for s in list(answer.listOfAlarmSummaries)[:MAX_ENTRIES]]

    async def _event_information(self, device: Device) -> list[Active]:
        found: list[Active] = []
        last: ObjectIdentifier | None = None
        for _ in range(MAX_PAGES):
            request = GetEventInformationRequest(destination=device.address)
            if last is not None:
                request.lastReceivedObjectIdentifier = last
            answer = await self._request(request)
            if not isinstance(answer, GetEventInformationACK):
                raise BacnetError("unexpected answer to GetEventInformation")
            page = list(answer.listOfEventSummaries or [])
            for summary in page:
                stamps = list(summary.eventTimeStamps or [])
                index = {"normal": 2, "fault": 1}.get(str(summary.eventState), 0)
                if len(stamps) == 3:
                    self._remember(device, summary.objectIdentifier, summary.eventState,
                                   stamps[index])
                priorities = list(summary.eventPriorities or [])
                found.append(Active(str(summary.objectIdentifier[0]),
                                    int(summary.objectIdentifier[1]), str(summary.eventState),
                                    _int_or_none(priorities[0]) if priorities else None))
            if not answer.moreEvents or not page or len(found) >= MAX_ENTRIES:
                return found[:MAX_ENTRIES]
            last = page[-1].objectIdentifier
        return found


def _same_recipient(entry: Any, ours: Destination) -> bool:
    try:
        return bytes(entry.recipient.address.macAddress) == \
            bytes(ours.recipient.address.macAddress)
    except AttributeError:
        return False


def _text(value: Any) -> str:
    """An optional field as text ('' when absent; `normal` is 0, so never `value or ''`)."""
    return "" if value is None else str(value)


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _local_ip(peer: str) -> str:
    """The address this machine uses to reach `peer` (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect((peer, 47808))
        return str(probe.getsockname()[0])


def _check_free(host: str, port: int) -> None:
    """Fail at start when the port is taken (bacpypes3 would only keep retrying)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind((host, port))
