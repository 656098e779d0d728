"""A small FastAPI app behind the gateway, for local runs and end-to-end tests.

Run from this folder::

    UPSTREAM_SECRET=... /usr/bin/python3 -m uvicorn app:app --host 127.0.0.1 --port 8000

Routes:

* ``GET /health``: public.
* ``GET /api/me``: the verified user.
* ``POST /api/echo``: the JSON body back, with the user id.
* ``GET /api/headers``: the headers this app received (tests use it to prove that
  spoofed ``x-user-*`` headers never arrive); anonymous allowed when
  ``AUTH_MODE=optional``, as at the gateway.
* ``POST /webhooks/twilio/sms``: public; the body, query, ``X-Twilio-Signature``
  and forwarding headers it received, and the URL Twilio signed, rebuilt from
  ``x-forwarded-proto`` and ``x-forwarded-host``.
* ``WS /ws/echo``: requires the assertion; echoes text messages.
* ``POST /webhooks/gateway/mail`` and ``POST /webhooks/gateway/events``: the
  gateway's mail and account-event webhooks (``MAIL_WEBHOOK_SECRET``,
  ``EVENTS_WEBHOOK_SECRET``): signature and freshness checked, repeated ids
  ignored (gateway_webhooks.py). List them in the gateway's ``PUBLIC_PATHS``
  only if the gateway itself should proxy them; it calls them directly.
* ``GET /api/gateway-events``: the account events received about the caller.
"""

from __future__ import annotations

import json
import os
from typing import Any, Dict, List, Optional

from fastapi import Depends, FastAPI, HTTPException, Request, Response, WebSocket, WebSocketDisconnect

from gateway_auth import GatewayUser, current_user, optional_user, require_mfa, require_roles, websocket_user
from gateway_webhooks import WebhookReceiver, WebhookRejected

AUTH_MODE = os.environ.get("AUTH_MODE", "required")
user_or_anonymous = optional_user if AUTH_MODE == "optional" else current_user

app = FastAPI(title="Gateway example upstream")


def user_json(user: GatewayUser) -> Dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "email_verified": user.email_verified,
        "roles": list(user.roles),
        "session": user.session,
        "amr": list(user.amr),
    }


@app.get("/health")
def health() -> Dict[str, str]:
    return {"status": "ok"}


@app.get("/api/me")
def me(user: GatewayUser = Depends(current_user)) -> Dict[str, Any]:
    return user_json(user)


@app.get("/api/admin/whoami")
def admin_whoami(user: GatewayUser = Depends(require_roles("admin"))) -> Dict[str, Any]:
    return {"user": user_json(user), "admin": True}


@app.get("/api/secure")
def secure(user: GatewayUser = Depends(require_mfa)) -> Dict[str, Any]:
    """Only for sessions signed in with a second factor (403 mfa_required otherwise)."""
    return user_json(user)


@app.post("/api/echo")
async def echo(request: Request, user: GatewayUser = Depends(current_user)) -> Dict[str, Any]:
    try:
        body = json.loads(await request.body() or b"null")
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise HTTPException(status_code=422, detail="The body is not JSON") from None
    return {"user_id": user.id, "body": body}


@app.get("/api/headers")
def headers(request: Request, user: Optional[GatewayUser] = Depends(user_or_anonymous)) -> Dict[str, Any]:
    raw: List[List[str]] = [[k.decode("latin-1"), v.decode("latin-1")] for k, v in request.scope["headers"]]
    merged: Dict[str, str] = {}
    for name, value in raw:
        merged[name] = f"{merged[name]}, {value}" if name in merged else value
    return {"user_id": user.id if user else None, "headers": merged, "raw": raw}


@app.post("/webhooks/twilio/sms")
async def twilio_sms(request: Request) -> Dict[str, Any]:
    proto = request.headers.get("x-forwarded-proto", request.url.scheme)
    host = request.headers.get("x-forwarded-host", request.headers.get("host", ""))
    query = request.url.query
    return {
        "body": (await request.body()).decode("utf-8", errors="replace"),
        "query": query,
        "x_twilio_signature": request.headers.get("x-twilio-signature"),
        "x_forwarded_proto": request.headers.get("x-forwarded-proto"),
        "x_forwarded_host": request.headers.get("x-forwarded-host"),
        "signed_url": f"{proto}://{host}{request.url.path}" + (f"?{query}" if query else ""),
    }


_receivers: Dict[str, WebhookReceiver] = {}
#: What the webhooks delivered (a real app would send the mail, or update its users).
received_mail: List[Dict[str, Any]] = []
received_events: List[Dict[str, Any]] = []


def _receiver(variable: str) -> WebhookReceiver:
    if variable not in _receivers:
        secret = os.environ.get(variable, "")
        if not secret:
            raise HTTPException(status_code=503, detail=f"{variable} is not configured")
        _receivers[variable] = WebhookReceiver(secret.encode("utf-8"))
    return _receivers[variable]


async def _accept(request: Request, variable: str) -> Optional[Dict[str, Any]]:
    receiver = _receiver(variable)
    try:
        message = receiver.accept(request.headers, await request.body())
    except WebhookRejected as exc:
        raise HTTPException(status_code=exc.status, detail=exc.reason) from None
    return None if message is None else {"id": message.id, **message.payload}


@app.post("/webhooks/gateway/mail", status_code=204)
async def gateway_mail(request: Request) -> Response:
    message = await _accept(request, "MAIL_WEBHOOK_SECRET")
    if message is not None:
        received_mail.append(message)  # here: hand it to the mail provider
    return Response(status_code=204)


@app.post("/webhooks/gateway/events", status_code=204)
async def gateway_events(request: Request) -> Response:
    event = await _accept(request, "EVENTS_WEBHOOK_SECRET")
    if event is not None:
        received_events.append(event)  # here: e.g. erase the user's data on "user.deleted"
    return Response(status_code=204)


@app.get("/api/gateway-events")
def gateway_events_of(user: GatewayUser = Depends(current_user)) -> Dict[str, Any]:
    mine = [e for e in received_events if isinstance(e.get("data"), dict) and e["data"].get("user_id") == user.id]
    return {"events": mine}


@app.websocket("/ws/echo")
async def ws_echo(websocket: WebSocket) -> None:
    user = await websocket_user(websocket)
    if user is None:
        return
    await websocket.accept()
    await websocket.send_json({"hello": user.id})
    try:
        while True:
            await websocket.send_text(await websocket.receive_text())
    except WebSocketDisconnect:
        return
