"""The webhook channel: POST JSON to a ticket system, signed when a secret is set.

Signature header `X-Escalator-Signature: sha256=<hex HMAC of the body>`, with
`X-Escalator-Timestamp` inside the signed text so a captured request cannot be
replayed later (the GitHub/Stripe convention).

Every request carries the delivery's stable id (`Message.delivery_key`) as
`Idempotency-Key` and `X-Escalator-Delivery` headers and as `delivery_key` in
the body: a send cut at shutdown goes out again after the restart with the same
id, so a receiver that keeps the ids it has seen drops the repeat.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable

import aiohttp

from escalator.domain.availability import Contact
from escalator.domain.errors import NotifyError
from escalator.notify.base import Message, delivery_headers
from escalator.notify.gateway import retry_after
from escalator.security.outbound import failure_text


def payload(message: Message) -> dict[str, object]:
    inc = message.incident
    return {
        "incident": inc.id, "reason": message.reason, "step": message.step,
        "to": message.party, "to_name": message.party_name, "update": message.update,
        "detail": message.detail, "text": message.text, "subject": message.subject,
        "ack_url": message.ack_url, "state": inc.state.value, "code": inc.code,
        "point": inc.point, "source": inc.source, "severity": inc.severity,
        "opened_at": inc.opened_at.isoformat(), "count": inc.count,
        "delivery": message.delivery_id, "delivery_key": message.delivery_key,
    }


def sign(secret: bytes, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


class WebhookNotifier:
    def __init__(
        self,
        session: Callable[[], aiohttp.ClientSession],
        secrets: Callable[[str], str | None],
        clock_ts: Callable[[], int],
        timeout: float = 10.0,
    ) -> None:
        self._session = session
        self._secrets = secrets  # env var name -> value
        self._ts = clock_ts
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    async def send(self, contact: Contact, message: Message) -> None:
        body = json.dumps(payload(message), ensure_ascii=False).encode()
        timestamp = str(self._ts())
        headers = {"Content-Type": "application/json", "X-Escalator-Timestamp": timestamp,
                   **delivery_headers(message)}
        env = contact.option("secret_env")
        secret = self._secrets(env) if env else None
        if env and not secret:
            raise NotifyError(f"webhook secret {env} is not set", recoverable=False,
                              kind="not_set_up")
        if secret:
            headers["X-Escalator-Signature"] = sign(secret.encode(), timestamp, body)
        try:
            async with self._session().post(contact.address, data=body, headers=headers,
                                             timeout=self._timeout) as resp:
                if resp.status < 300:
                    return
                wait = retry_after(resp.headers.get("Retry-After"))
                recoverable = resp.status >= 500 or resp.status in (408, 425, 429)
                raise NotifyError(f"webhook answered HTTP {resp.status}",
                                  recoverable=recoverable, retry_after=wait,
                                  kind="busy" if recoverable else "refused")
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise NotifyError(f"webhook unreachable: {failure_text(exc)}", recoverable=True,
                              kind="unreachable") from exc

