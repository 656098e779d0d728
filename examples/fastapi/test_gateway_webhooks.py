"""Tests for the webhook receiver (standard library unittest).

Run: /usr/bin/python3 -m unittest discover -s examples/fastapi
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import sys
import unittest
from typing import Dict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from gateway_webhooks import SeenIds, WebhookReceiver, WebhookRejected, sign, verify  # noqa: E402

SECRET = "e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f0e9d8"
KEY = SECRET.encode("utf-8")
NOW = 1793534400
BODY = b'{"type":"user.created","timestamp":"2026-11-01T12:00:00.000Z","data":{"user_id":"42"}}'


def headers(msg_id: str = "msg_1", ts: int = NOW, body: bytes = BODY, key: bytes = KEY) -> Dict[str, str]:
    return {"webhook-id": msg_id, "webhook-timestamp": str(ts), "webhook-signature": sign(key, msg_id, ts, body)}


class StandardWebhooksVector(unittest.TestCase):
    def test_spec_test_vector(self) -> None:
        # standard-webhooks' "sign function works": whsec_ key, base64-decoded.
        key = base64.b64decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        self.assertEqual(
            sign(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, b'{"test": 2432232314}'),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
        )

    def test_gateway_signature(self) -> None:
        # The same vector is asserted against the gateway's TypeScript signer
        # (test/unit/delivery.test.ts): the UTF-8 bytes of SECRET, msg_1, NOW, BODY.
        self.assertEqual(sign(KEY, "msg_1", NOW, BODY), "v1,xP2WpSwTfXg410lP74mrQEKo7HMuxsSSx8StFzjWMNs=")


class Verify(unittest.TestCase):
    def test_valid(self) -> None:
        message = verify(KEY, headers(), BODY, now=NOW + 10)
        self.assertEqual(message.id, "msg_1")
        self.assertEqual(message.payload["data"]["user_id"], "42")

    def test_several_signatures_one_valid(self) -> None:
        h = headers()
        h["webhook-signature"] = "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v2,xyz " + h["webhook-signature"]
        self.assertEqual(verify(KEY, h, BODY, now=NOW).id, "msg_1")

    def test_refusals(self) -> None:
        cases = {
            "wrong key": (headers(key=b"other-secret-other-secret-other-secret"), BODY, NOW),
            "tampered body": (headers(), BODY.replace(b"42", b"43"), NOW),
            "id swapped": ({**headers(), "webhook-id": "msg_2"}, BODY, NOW),
            "timestamp swapped": ({**headers(), "webhook-timestamp": str(NOW + 1)}, BODY, NOW),
            "older than 5 minutes": (headers(ts=NOW - 301), BODY, NOW),
            "from the future": (headers(ts=NOW + 301), BODY, NOW),
            "not a number": ({**headers(), "webhook-timestamp": "12a"}, BODY, NOW),
            "partial signature": ({**headers(), "webhook-signature": "v1,"}, BODY, NOW),
            "no v1": ({**headers(), "webhook-signature": headers()["webhook-signature"][3:]}, BODY, NOW),
        }
        for name, (h, body, now) in cases.items():
            with self.subTest(name):
                with self.assertRaises(WebhookRejected):
                    verify(KEY, h, body, now=now)
        for missing in ("webhook-id", "webhook-timestamp", "webhook-signature"):
            with self.subTest(missing):
                h = headers()
                del h[missing]
                with self.assertRaises(WebhookRejected):
                    verify(KEY, h, BODY, now=NOW)

    def test_exactly_five_minutes_is_accepted(self) -> None:
        self.assertEqual(verify(KEY, headers(ts=NOW - 300), BODY, now=NOW).id, "msg_1")

    def test_signed_non_json_is_400(self) -> None:
        with self.assertRaises(WebhookRejected) as ctx:
            verify(KEY, headers(body=b"[1]"), b"[1]", now=NOW)
        self.assertEqual(ctx.exception.status, 400)


class Dedupe(unittest.TestCase):
    def test_repeated_id_is_ignored(self) -> None:
        receiver = WebhookReceiver(KEY)
        self.assertIsNotNone(receiver.accept(headers(), BODY, now=NOW))
        # The retry of the same message, signed again later.
        self.assertIsNone(receiver.accept(headers(ts=NOW + 60), BODY, now=NOW + 60))
        self.assertIsNotNone(receiver.accept(headers(msg_id="msg_2"), BODY, now=NOW))

    def test_seen_ids_expire_and_can_be_forgotten(self) -> None:
        seen = SeenIds(keep_seconds=10, max_entries=2)
        self.assertTrue(seen.first_time("a", now=0))
        self.assertFalse(seen.first_time("a", now=5))
        self.assertTrue(seen.first_time("a", now=11))
        seen.forget("a")
        self.assertTrue(seen.first_time("a", now=12))
        self.assertTrue(seen.first_time("b", now=12))
        self.assertTrue(seen.first_time("c", now=12))  # full: the oldest is dropped

    def test_empty_secret_refused(self) -> None:
        with self.assertRaises(ValueError):
            WebhookReceiver(b"")


class AppRoutes(unittest.TestCase):
    """The example app's routes, called as ASGI without a server."""

    def setUp(self) -> None:
        os.environ["EVENTS_WEBHOOK_SECRET"] = SECRET
        os.environ["MAIL_WEBHOOK_SECRET"] = SECRET
        import app as app_module

        self.app_module = app_module
        app_module._receivers.clear()
        app_module.received_events.clear()
        app_module.received_mail.clear()

    def call(self, path: str, h: Dict[str, str], body: bytes) -> int:
        status = {}
        sent = False

        async def receive():
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]

        scope = {
            "type": "http", "method": "POST", "path": path, "raw_path": path.encode(), "query_string": b"",
            "headers": [(k.encode(), v.encode()) for k, v in {**h, "content-type": "application/json"}.items()],
            "http_version": "1.1", "scheme": "http", "server": ("127.0.0.1", 8000), "client": ("127.0.0.1", 1),
        }
        asyncio.run(self.app_module.app(scope, receive, send))
        return status["code"]

    def test_events_route(self) -> None:
        import time

        now = int(time.time())
        h = headers(ts=now)
        self.assertEqual(self.call("/webhooks/gateway/events", h, BODY), 204)
        self.assertEqual(self.call("/webhooks/gateway/events", headers(ts=now + 1), BODY), 204)  # repeat: ignored
        self.assertEqual(len(self.app_module.received_events), 1)
        self.assertEqual(self.app_module.received_events[0]["type"], "user.created")
        self.assertEqual(self.call("/webhooks/gateway/events", headers(msg_id="msg_9", ts=now - 600), BODY), 401)
        self.assertEqual(self.call("/webhooks/gateway/events", {**h, "webhook-id": "msg_x"}, BODY), 401)

    def test_mail_route(self) -> None:
        import time

        mail = json.dumps({"kind": "password_changed", "to": "a@example.com", "subject": "s", "text": "t", "html": "h", "link": None}).encode()
        now = int(time.time())
        self.assertEqual(self.call("/webhooks/gateway/mail", headers(msg_id="msg_m", ts=now, body=mail), mail), 204)
        self.assertEqual(self.app_module.received_mail[0]["kind"], "password_changed")


if __name__ == "__main__":
    unittest.main()
