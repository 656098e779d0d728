"""Receive the gateway's mail and account-event webhooks, safely.

The gateway delivers each message at least once (a Cloudflare Queue retries a
failed POST with backoff), so a receiver must (1) check that the gateway sent
it, (2) refuse a captured call replayed later and (3) treat a repeated
delivery of the same message as already done. Every call carries the Standard
Webhooks headers (https://www.standardwebhooks.com):

* ``webhook-id``: the message id, the same on every retry of one message;
* ``webhook-timestamp``: epoch seconds of this attempt;
* ``webhook-signature``: ``v1,<base64 HMAC-SHA256 of "id.timestamp.body">``,
  possibly several space-separated (key rotation); one valid one suffices.

The HMAC key is the UTF-8 bytes of the shared secret exactly as configured
(``MAIL_WEBHOOK_SECRET``, ``EVENTS_WEBHOOK_SECRET``), not a ``whsec_`` base64
string. Only the standard library is used.

Usage (see app.py)::

    receiver = WebhookReceiver(os.environ["EVENTS_WEBHOOK_SECRET"].encode())

    @app.post("/webhooks/gateway/events", status_code=204)
    async def events(request: Request):
        message = receiver.accept(request.headers, await request.body())
        if message is None:        # a repeated id: already handled
            return Response(status_code=204)
        handle(message.payload)    # e.g. erase the user on "user.deleted"

``accept`` raises ``WebhookRejected`` (answer 401 or 400; the gateway will
retry, which is right for a transient mismatch during a secret rotation).

The in-memory ``SeenIds`` works for one process; with several workers, record
ids in your database under a unique constraint (``INSERT ... ON CONFLICT DO
NOTHING``) in the same transaction as the change the message causes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass
from typing import Any, Dict, Mapping, Optional

__all__ = ["SeenIds", "WebhookMessage", "WebhookReceiver", "WebhookRejected", "sign", "verify"]

#: Refuse attempts older (or further in the future) than this many seconds.
TOLERANCE_SECONDS = 5 * 60
MAX_BODY_BYTES = 256 * 1024


class WebhookRejected(Exception):
    """The call is not an acceptable gateway webhook; ``status`` is what to answer."""

    def __init__(self, reason: str, status: int = 401) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


@dataclass(frozen=True)
class WebhookMessage:
    id: str
    timestamp: int
    payload: Dict[str, Any]


def sign(key: bytes, msg_id: str, timestamp: int, body: bytes) -> str:
    """``v1,<base64 HMAC-SHA256(key, "id.timestamp.body")>``."""
    mac = hmac.new(key, f"{msg_id}.{timestamp}.".encode("utf-8") + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode("ascii")


def _header(headers: Mapping[str, str], name: str) -> str:
    value = headers.get(name)
    if value is None:
        raise WebhookRejected(f"missing {name}")
    return value


def verify(key: bytes, headers: Mapping[str, str], body: bytes, now: Optional[float] = None,
           tolerance: int = TOLERANCE_SECONDS) -> WebhookMessage:
    """Checks signature and freshness; returns the message (its JSON body parsed)."""
    msg_id = _header(headers, "webhook-id")
    raw_ts = _header(headers, "webhook-timestamp")
    signatures = _header(headers, "webhook-signature")
    if not msg_id or len(msg_id) > 256:
        raise WebhookRejected("bad webhook-id")
    if not raw_ts.isdigit() or len(raw_ts) > 12:
        raise WebhookRejected("bad webhook-timestamp")
    timestamp = int(raw_ts)
    current = time.time() if now is None else now
    if timestamp < current - tolerance:
        raise WebhookRejected("timestamp too old")
    if timestamp > current + tolerance:
        raise WebhookRejected("timestamp in the future")
    if len(body) > MAX_BODY_BYTES:
        raise WebhookRejected("body too large", 413)
    expected = sign(key, msg_id, timestamp, body).encode("ascii")
    ok = False
    for candidate in signatures.split(" "):
        # Compare every candidate (constant time each), whatever the order.
        if candidate.startswith("v1,") and hmac.compare_digest(candidate.encode("ascii", "replace"), expected):
            ok = True
    if not ok:
        raise WebhookRejected("signature does not match")
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise WebhookRejected("body is not JSON", 400) from None
    if not isinstance(payload, dict):
        raise WebhookRejected("body is not a JSON object", 400)
    return WebhookMessage(id=msg_id, timestamp=timestamp, payload=payload)


class SeenIds:
    """Message ids already handled, kept a while past the replay window (per process)."""

    def __init__(self, keep_seconds: int = 24 * 3600, max_entries: int = 100_000) -> None:
        self._seen: Dict[str, float] = {}
        self._keep = keep_seconds
        self._max = max_entries
        self._lock = threading.Lock()

    def first_time(self, msg_id: str, now: Optional[float] = None) -> bool:
        current = time.time() if now is None else now
        with self._lock:
            if len(self._seen) >= self._max:
                self._seen = {k: v for k, v in self._seen.items() if v > current}
                while len(self._seen) >= self._max:
                    self._seen.pop(next(iter(self._seen)))
            expiry = self._seen.get(msg_id)
            if expiry is not None and expiry > current:
                return False
            self._seen[msg_id] = current + self._keep
            return True

    def forget(self, msg_id: str) -> None:
        """Lets a retry through again (call it when handling the message failed)."""
        with self._lock:
            self._seen.pop(msg_id, None)


class WebhookReceiver:
    """``verify`` plus dedupe: ``accept`` returns None for an id already handled."""

    def __init__(self, secret: bytes, seen: Optional[SeenIds] = None, tolerance: int = TOLERANCE_SECONDS) -> None:
        if not secret:
            raise ValueError("the webhook secret must be set (the same string as the gateway's)")
        self.secret = secret
        self.seen = seen or SeenIds()
        self.tolerance = tolerance

    def accept(self, headers: Mapping[str, str], body: bytes, now: Optional[float] = None) -> Optional[WebhookMessage]:
        message = verify(self.secret, headers, body, now, self.tolerance)
        if not self.seen.first_time(message.id, now):
            return None
        return message
