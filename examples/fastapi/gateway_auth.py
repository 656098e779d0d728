"""Trust the edge gateway, and nothing else, about who is calling.

The gateway (a Cloudflare Worker) verifies the user's access token, strips
every client-sent ``x-user-*`` / ``x-auth-*`` header, and adds:

* ``x-auth-assertion``: an HS256 JWT signed with ``UPSTREAM_SECRET``, 60 s
  lifetime, ``aud`` = ``UPSTREAM_AUDIENCE``, claims ``sub`` (user id), ``sid``
  (session id), ``email``, ``email_verified``, ``roles``, ``amr`` (RFC 8176
  methods of the session: ``["pwd"]``, ``["pwd", "otp", "mfa"]``,
  ``["hwk", "mfa"]``), ``jti``, ``iat``,
  ``nbf``, ``exp``, and ``mth`` / ``pth`` / ``rid`` (method, path, request id)
  binding it to this one request;
* ``x-user-id``, ``x-user-email``, ``x-user-email-verified``, ``x-user-roles``,
  ``x-auth-session``, ``x-auth-amr``: the same facts as plain headers, for logs
  and proxies.

The plain headers prove nothing on their own: anyone who can reach this app
without the gateway can send them. This module therefore builds the user only
from the *verified assertion*, and refuses (401) any request that lacks a
valid one. Under HS256 it uses only the standard library and FastAPI; the
JWKS mode (below) adds PyJWT and cryptography.

With an asymmetric ``JWT_ALGORITHM`` at the gateway (``EdDSA`` or ``ES256``),
the assertion is signed by the gateway's private key instead, with a ``kid``,
and this module verifies it from the gateway's JWKS (``gateway_jwks.py``: the
key set fetched and cached, refetched on an unknown ``kid``), no secret shared.

Configuration (environment, read at the first request):

* ``UPSTREAM_SECRET`` (required under HS256): the same string as the gateway's;
  its UTF-8 bytes, exactly as given, are the HMAC key (a 64-hex-character
  string is *not* hex-decoded).
* ``UPSTREAM_JWT_ALGORITHM`` [``HS256``]: the gateway's ``JWT_ALGORITHM``;
  ``EdDSA`` or ``ES256`` verifies from the JWKS (pinned: no other alg passes).
* ``UPSTREAM_JWKS_URL`` (required with EdDSA/ES256): the gateway's
  ``{PUBLIC_URL}/auth/.well-known/jwks.json``.
* ``UPSTREAM_AUDIENCE`` (default ``upstream``).
* ``UPSTREAM_ISSUER`` (optional): when set, ``iss`` must equal it (the
  gateway's ``JWT_ISSUER``, by default its ``PUBLIC_URL`` origin).
* ``UPSTREAM_PATH_PREFIX`` (optional): when ``UPSTREAM_URL`` has a path
  (``http://app:8000/v1``), that prefix, so the request binding still holds.

Usage::

    from fastapi import Depends, FastAPI
    from gateway_auth import GatewayUser, current_user, optional_user

    app = FastAPI()

    @app.get("/api/me")
    def me(user: GatewayUser = Depends(current_user)):
        return {"id": user.id, "roles": list(user.roles)}

    @app.get("/api/admin/stats")   # 403 unless the user holds admin or support
    def stats(user: GatewayUser = Depends(require_roles("admin", "support"))):
        return {"by": user.id}

    @app.post("/api/payouts")      # a session signed in with a second factor
    def payout(user: GatewayUser = Depends(require_mfa)):
        return {"ok": user.has_mfa}

    @app.get("/api/feed")          # AUTH_MODE=optional at the gateway
    def feed(user: GatewayUser | None = Depends(optional_user)):
        return {"anonymous": user is None}

Plain header values, if you read them, are percent-encoded UTF-8
(``decode_header_value``); ``x-user-roles`` is comma-separated with commas
inside a role encoded (``decode_roles``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import os
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Dict, Mapping, Optional, Tuple
from urllib.parse import quote, unquote

from fastapi import Depends, HTTPException, WebSocket, status
from starlette.requests import HTTPConnection

__all__ = [
    "ASSERTION_HEADER",
    "GatewaySettings",
    "GatewayUser",
    "InvalidAssertion",
    "MissingAssertion",
    "ReplayCache",
    "authenticate",
    "configure",
    "current_user",
    "decode_header_value",
    "decode_roles",
    "optional_user",
    "require_roles",

    "require_mfa",
    "verify_assertion",
    "websocket_user",
]

ASSERTION_HEADER = "x-auth-assertion"
#: Headers only the gateway may send; any of them without an assertion is spoofed.
IDENTITY_HEADER_PREFIXES = ("x-user-", "x-auth-", "x_user_", "x_auth_")
#: The gateway signs 60 s assertions; anything claiming to live longer is refused.
MAX_LIFETIME_SECONDS = 300
MAX_TOKEN_LENGTH = 8192
_B64URL = re.compile(r"^[A-Za-z0-9_-]*$")
#: Claims that must be non-empty strings (``iss`` must be a string, possibly empty).
_REQUIRED_STRINGS = ("sub", "sid", "email", "jti")
_TIME_CLAIMS = ("iat", "nbf", "exp")

log = logging.getLogger("gateway_auth")


class InvalidAssertion(Exception):
    """The assertion is present but not acceptable (the reason is for logs only)."""


class MissingAssertion(InvalidAssertion):
    """The request did not come through the gateway."""


@dataclass(frozen=True)
class GatewayUser:
    """The caller, as the gateway verified them. Built only from the signed assertion."""

    id: str
    email: str
    email_verified: bool
    roles: Tuple[str, ...]
    session: str
    request_id: str
    token_id: str
    #: RFC 8176 methods the session was signed in with; an assertion without ``amr`` reads as ``("pwd",)``.
    amr: Tuple[str, ...] = ("pwd",)

    def has_role(self, role: str) -> bool:
        return role in self.roles

    @property
    def has_mfa(self) -> bool:
        """True when the session was signed in with a second factor (``amr`` holds ``mfa``)."""
        return "mfa" in self.amr


@dataclass(frozen=True)
class GatewaySettings:
    """How assertions are checked. ``from_env`` reads the environment."""

    secret: bytes = b""
    audience: str = "upstream"
    issuer: Optional[str] = None
    leeway_seconds: int = 5
    bind_request: bool = True
    path_prefix: str = ""
    #: The gateway's JWT_ALGORITHM: HS256 (secret) or EdDSA / ES256 (``jwks``).
    algorithm: str = "HS256"
    #: A ``gateway_jwks.JwksCache`` for the same algorithm; required unless HS256.
    jwks: Any = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.algorithm == "HS256":
            if not self.secret:
                raise ValueError("UPSTREAM_SECRET must be set (the same string as the gateway's)")
        elif self.algorithm in ("EdDSA", "ES256"):
            if self.jwks is None or getattr(self.jwks, "algorithm", None) != self.algorithm:
                raise ValueError(f"UPSTREAM_JWKS_URL must be set with UPSTREAM_JWT_ALGORITHM={self.algorithm}")
        else:
            raise ValueError("UPSTREAM_JWT_ALGORITHM must be HS256, EdDSA or ES256")
        if not self.audience:
            raise ValueError("UPSTREAM_AUDIENCE must not be empty")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> "GatewaySettings":
        algorithm = environ.get("UPSTREAM_JWT_ALGORITHM") or "HS256"
        jwks = None
        url = environ.get("UPSTREAM_JWKS_URL")
        if algorithm != "HS256" and url:
            from gateway_jwks import JwksCache  # PyJWT and cryptography only when used

            jwks = JwksCache(url, algorithm)
        return cls(
            secret=environ.get("UPSTREAM_SECRET", "").encode("utf-8"),
            audience=environ.get("UPSTREAM_AUDIENCE") or "upstream",
            issuer=environ.get("UPSTREAM_ISSUER") or None,
            path_prefix=(environ.get("UPSTREAM_PATH_PREFIX") or "").rstrip("/"),
            algorithm=algorithm,
            jwks=jwks,
        )


class ReplayCache:
    """Remembers recent ``jti``s so one assertion serves one request (per process)."""

    def __init__(self, max_entries: int = 50_000) -> None:
        self._seen: Dict[str, float] = {}
        self._max = max_entries
        self._lock = threading.Lock()

    def first_use(self, jti: str, exp: float, now: float) -> bool:
        with self._lock:
            if len(self._seen) >= self._max:
                self._seen = {k: v for k, v in self._seen.items() if v >= now}
                while len(self._seen) >= self._max:  # still full: forget the oldest
                    self._seen.pop(next(iter(self._seen)))
            if jti in self._seen:
                return False
            self._seen[jti] = exp
            return True


def _b64url_decode(part: str) -> bytes:
    if not _B64URL.match(part):
        raise InvalidAssertion("not base64url")
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError) as exc:
        raise InvalidAssertion("not base64url") from exc


def _no_duplicates(pairs: Any) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise InvalidAssertion("duplicate JSON key")
        out[key] = value
    return out


def _json_object(raw: bytes) -> Dict[str, Any]:
    try:
        value = json.loads(raw.decode("utf-8"), object_pairs_hook=_no_duplicates)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidAssertion("not JSON") from exc
    if not isinstance(value, dict):
        raise InvalidAssertion("not a JSON object")
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_claims(claims: Dict[str, Any], settings: GatewaySettings, now: float) -> None:
    for name in _REQUIRED_STRINGS:
        if not isinstance(claims.get(name), str) or not claims[name]:
            raise InvalidAssertion(f"claim {name} missing or malformed")
    if not isinstance(claims.get("iss"), str):
        raise InvalidAssertion("claim iss missing or malformed")
    if not isinstance(claims.get("email_verified"), bool):
        raise InvalidAssertion("claim email_verified missing or malformed")
    roles = claims.get("roles")
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise InvalidAssertion("claim roles missing or malformed")
    amr = claims.get("amr", ["pwd"])
    if not isinstance(amr, list) or not amr or not all(isinstance(m, str) for m in amr):
        raise InvalidAssertion("claim amr malformed")
    for name in _TIME_CLAIMS:
        if not _is_number(claims.get(name)):
            raise InvalidAssertion(f"claim {name} missing or malformed")
    aud = claims.get("aud")
    audiences = aud if isinstance(aud, list) else [aud]
    if settings.audience not in audiences:
        raise InvalidAssertion("wrong audience")
    if settings.issuer is not None and claims["iss"] != settings.issuer:
        raise InvalidAssertion("wrong issuer")
    leeway = settings.leeway_seconds
    if claims["exp"] <= now - leeway:
        raise InvalidAssertion("expired")
    if claims["nbf"] > now + leeway or claims["iat"] > now + leeway:
        raise InvalidAssertion("not yet valid")
    if claims["exp"] - claims["iat"] > MAX_LIFETIME_SECONDS:
        raise InvalidAssertion("lifetime too long")


def verify_assertion(token: str, settings: GatewaySettings, now: Optional[float] = None) -> Dict[str, Any]:
    """Verifies an ``x-auth-assertion`` and returns its claims, or raises ``InvalidAssertion``.

    Pinned to ``settings.algorithm`` (HS256 by default) and ``typ: JWT``
    (``none``, HS512, RS256, any other alg are refused before any key is used);
    an HMAC compared in constant time, or an EdDSA/ES256 signature checked with
    the JWKS key named by ``kid``; then
    ``aud``, optional ``iss``, ``exp``/``nbf``/``iat`` with ``leeway_seconds``
    and the presence and types of every claim the gateway sends.

    >>> verify_assertion(token, GatewaySettings(secret=b"..."))["sub"]  # doctest: +SKIP
    '42'
    """
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
        raise InvalidAssertion("malformed")
    parts = token.split(".")
    if len(parts) != 3:
        raise InvalidAssertion("malformed")
    header_b64, payload_b64, signature_b64 = parts
    header = _json_object(_b64url_decode(header_b64))
    if header.get("alg") != settings.algorithm or header.get("typ") != "JWT" or "crit" in header:
        raise InvalidAssertion("unexpected header")
    signature = _b64url_decode(signature_b64)
    signing_input = f"{header_b64}.{payload_b64}".encode("ascii")
    if settings.algorithm == "HS256":
        expected = hmac.new(settings.secret, signing_input, hashlib.sha256).digest()
        if not hmac.compare_digest(signature, expected):
            raise InvalidAssertion("bad signature")
    else:
        try:
            settings.jwks.verify(header.get("kid"), signing_input, signature)
        except Exception as exc:  # JwksError, or anything a hostile token provokes
            raise InvalidAssertion(f"bad signature ({exc})") from None
    claims = _json_object(_b64url_decode(payload_b64))
    _check_claims(claims, settings, time.time() if now is None else now)
    return claims


def decode_header_value(value: str) -> str:
    """Undoes the gateway's header encoding (percent-encoded UTF-8; ``+`` is literal)."""
    return unquote(value, errors="strict")


def decode_roles(value: str) -> Tuple[str, ...]:
    """Parses ``x-user-roles``: split on ``,``, then decode each role."""
    return tuple(decode_header_value(r) for r in value.split(",")) if value else ()


def _raw_path(conn: HTTPConnection) -> str:
    raw = conn.scope.get("raw_path")
    if isinstance(raw, bytes):
        return raw.decode("latin-1").split("?", 1)[0]
    return quote(conn.scope.get("path", ""), safe="/:@!$&'()*+,;=-._~")


def _has_identity_headers(conn: HTTPConnection) -> bool:
    return any(name.lower().startswith(IDENTITY_HEADER_PREFIXES) for name in conn.headers.keys())


def authenticate(
    conn: HTTPConnection,
    settings: GatewaySettings,
    now: Optional[float] = None,
    replay: Optional[ReplayCache] = None,
) -> Optional[GatewayUser]:
    """The verified user of a request or WebSocket handshake; None when it carries no identity at all.

    Raises ``InvalidAssertion`` when an assertion (or any gateway-only header)
    is present but does not verify, is bound to another method or path, or
    disagrees with ``x-user-id`` / ``x-auth-session``.
    """
    tokens = conn.headers.getlist(ASSERTION_HEADER)
    if not tokens:
        if _has_identity_headers(conn):
            raise MissingAssertion("identity headers without an assertion")
        return None
    if len(tokens) != 1:
        raise InvalidAssertion("several assertions")
    moment = time.time() if now is None else now
    claims = verify_assertion(tokens[0], settings, moment)
    if settings.bind_request:
        method = conn.scope.get("method", "GET") if conn.scope.get("type") == "http" else "GET"
        if claims.get("mth") != method:
            raise InvalidAssertion("assertion bound to another method")
        if not isinstance(claims.get("pth"), str) or settings.path_prefix + claims["pth"] != _raw_path(conn):
            raise InvalidAssertion("assertion bound to another path")
    header_id = conn.headers.get("x-user-id")
    if header_id is not None and decode_header_value(header_id) != claims["sub"]:
        raise InvalidAssertion("x-user-id disagrees with the assertion")
    header_sid = conn.headers.get("x-auth-session")
    if header_sid is not None and decode_header_value(header_sid) != claims["sid"]:
        raise InvalidAssertion("x-auth-session disagrees with the assertion")
    amr = tuple(claims.get("amr", ["pwd"]))
    header_amr = conn.headers.get("x-auth-amr")
    if header_amr is not None and decode_roles(header_amr) != amr:
        raise InvalidAssertion("x-auth-amr disagrees with the assertion")
    if replay is not None and not replay.first_use(claims["jti"], claims["exp"], moment):
        raise InvalidAssertion("assertion already used")
    return GatewayUser(
        id=claims["sub"],
        email=claims["email"],
        email_verified=claims["email_verified"],
        roles=tuple(claims["roles"]),
        session=claims["sid"],
        request_id=str(claims.get("rid", "")),
        token_id=claims["jti"],
        amr=amr,
    )


_settings: Optional[GatewaySettings] = None
_replay = ReplayCache()


def configure(settings: Optional[GatewaySettings]) -> None:
    """Sets the settings explicitly (tests); None re-reads the environment next time."""
    global _settings, _replay
    _settings = settings
    _replay = ReplayCache()


def _current_settings() -> GatewaySettings:
    global _settings
    if _settings is None:
        _settings = GatewaySettings.from_env()
    return _settings


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail=detail,
        headers={"WWW-Authenticate": 'Bearer realm="gateway"'},
    )


def _resolve(conn: HTTPConnection) -> Optional[GatewayUser]:
    # Verified once per request: a second dependency must not trip the replay check.
    if "gateway_user" in conn.scope:
        return conn.scope["gateway_user"]
    try:
        user = authenticate(conn, _current_settings(), replay=_replay)
    except InvalidAssertion as exc:
        log.warning("gateway assertion refused: %s", exc)
        raise _unauthorized("The request did not come through the gateway") from None
    conn.scope["gateway_user"] = user
    return user


async def current_user(conn: HTTPConnection) -> GatewayUser:
    """FastAPI dependency: the verified user, or 401 for anything that did not come through the gateway."""
    user = _resolve(conn)
    if user is None:
        raise _unauthorized("The request did not come through the gateway")
    return user


async def optional_user(conn: HTTPConnection) -> Optional[GatewayUser]:
    """FastAPI dependency for AUTH_MODE=optional: None for an anonymous caller, 401 for a bad or spoofed identity."""
    return _resolve(conn)


async def websocket_user(websocket: WebSocket) -> Optional[GatewayUser]:
    """For WebSocket routes: the verified user, or None after closing the handshake (policy violation, 1008)."""
    try:
        user = authenticate(websocket, _current_settings(), replay=_replay)
    except InvalidAssertion as exc:
        log.warning("gateway assertion refused: %s", exc)
        user = None
    if user is None:
        await websocket.close(code=1008)
    return user


_ROLE_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")


def require_roles(*roles: str):
    """FastAPI dependency factory: the verified user if they hold *one* of ``roles``.

    Like the gateway's ``ROLE_RULES`` (``/api/admin/**=admin|support``): 401 when the
    request did not come through the gateway, 403 when the user holds none of the
    roles. The roles come from the signed assertion, never from a plain header.
    Role names are checked when the dependency is built (a typo fails at import).
    """
    if not roles or not all(isinstance(r, str) and _ROLE_NAME.match(r) for r in roles):
        raise ValueError("require_roles needs role names matching ^[a-z][a-z0-9_-]{0,31}$")
    wanted = frozenset(roles)

    async def roles_required(conn: HTTPConnection) -> GatewayUser:
        user = await current_user(conn)
        if wanted.isdisjoint(user.roles):
            raise HTTPException(status_code=status.HTTP_403_FORBIDDEN, detail="This needs one of the roles: " + ", ".join(sorted(wanted)))
        return user

    return roles_required


async def require_mfa(user: GatewayUser = Depends(current_user)) -> GatewayUser:
    """FastAPI dependency: the verified user whose session has MFA (``amr`` holds ``mfa``), else 403.

    The 403 carries ``{"detail": "mfa_required"}``: the client should sign in
    again with a second factor (TOTP, a recovery code, or a passkey). Prefer
    ``MFA_PATHS`` at the gateway for whole path prefixes; use this for single
    routes, and as defence in depth behind ``MFA_PATHS``.
    """
    if not user.has_mfa:
        raise HTTPException(status_code=status.HTTP_403_FORBIDDEN, detail="mfa_required")
    return user
