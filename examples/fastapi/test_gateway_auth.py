"""Tests for the gateway assertion verifier (standard library unittest).

Run: /usr/bin/python3 -m unittest discover -s examples/fastapi
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import os
import sys
import unittest
import uuid
from typing import Any, Dict, List, Optional, Tuple

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fastapi import Depends, HTTPException  # noqa: E402
from starlette.requests import HTTPConnection  # noqa: E402

import gateway_auth  # noqa: E402

gateway_auth.log.setLevel("CRITICAL")
from gateway_auth import (  # noqa: E402
    GatewaySettings,
    InvalidAssertion,
    MissingAssertion,
    ReplayCache,
    authenticate,
    decode_header_value,
    decode_roles,
    verify_assertion,
)

SECRET = "a3f5c7e9b1d3f5a7c9e1b3d5f7a9c1e3b5d7f9a1c3e5b7d9f1a3c5e7b9d1f3a5"
SETTINGS = GatewaySettings(secret=SECRET.encode("utf-8"), audience="upstream")
NOW = 1793534400  # 2026-11-01T12:00:00Z

# Signed by the gateway's TypeScript signer (src/proxy/assertion.ts) under Node:
#   createAssertionSigner({ secret: SECRET, audience: "upstream", issuer: "https://gateway.test" })
#     .sign({ sub: "42", sid: "sess-1", email: "josé@exämple.com", email_verified: true,
#             roles: ["user", "a,b"], method: "GET", path: "/api/me", requestId: "rid-1" }, NOW * 1000)
TS_SIGNED = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
    "eyJzaWQiOiJzZXNzLTEiLCJlbWFpbCI6Impvc8OpQGV4w6RtcGxlLmNvbSIsImVtYWlsX3ZlcmlmaWVkIjp0cnVlLCJyb2xlcyI6"
    "WyJ1c2VyIiwiYSxiIl0sIm10aCI6IkdFVCIsInB0aCI6Ii9hcGkvbWUiLCJyaWQiOiJyaWQtMSIsImlzcyI6Imh0dHBzOi8vZ2F0"
    "ZXdheS50ZXN0IiwiYXVkIjoidXBzdHJlYW0iLCJzdWIiOiI0MiIsImp0aSI6ImYyZjUyZTZkLTJkMmQtNDg5Ni05YjY3LWI0MjE5"
    "MzZiNzJmYyIsImlhdCI6MTc5MzUzNDQwMCwibmJmIjoxNzkzNTM0NDAwLCJleHAiOjE3OTM1MzQ0NjB9."
    "hgPGlv94b_OeGMbniWY21Ero4A7ItZotjS2_-NQHEOY"
)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def claims(**overrides: Any) -> Dict[str, Any]:
    base: Dict[str, Any] = {
        "iss": "https://gateway.test",
        "aud": "upstream",
        "sub": "42",
        "sid": "sess-1",
        "email": "ana@example.com",
        "email_verified": True,
        "roles": ["user"],
        "jti": str(uuid.uuid4()),
        "iat": NOW,
        "nbf": NOW,
        "exp": NOW + 60,
        "mth": "GET",
        "pth": "/api/me",
        "rid": "rid-1",
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def sign(payload: Dict[str, Any], secret: bytes = SECRET.encode(), header: Optional[Dict[str, Any]] = None,
         digest: Any = hashlib.sha256) -> str:
    head = b64url(json.dumps(header or {"alg": "HS256", "typ": "JWT"}).encode())
    body = b64url(json.dumps(payload).encode())
    sig = hmac.new(secret, f"{head}.{body}".encode(), digest).digest()
    return f"{head}.{body}.{b64url(sig)}"


def connection(headers: List[Tuple[str, str]], method: str = "GET", path: str = "/api/me",
               kind: str = "http") -> HTTPConnection:
    scope: Dict[str, Any] = {
        "type": kind,
        "path": path,
        "raw_path": path.encode("latin-1"),
        "query_string": b"",
        "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers],
    }
    if kind == "http":
        scope["method"] = method
    return HTTPConnection(scope)


class VerifyAssertionTest(unittest.TestCase):
    def assertRefused(self, token: str, settings: GatewaySettings = SETTINGS, now: float = NOW) -> None:
        with self.assertRaises(InvalidAssertion):
            verify_assertion(token, settings, now)

    def test_accepts_a_valid_token(self) -> None:
        got = verify_assertion(sign(claims()), SETTINGS, NOW + 10)
        self.assertEqual(got["sub"], "42")
        self.assertEqual(got["roles"], ["user"])

    def test_accepts_the_typescript_signers_token(self) -> None:
        got = verify_assertion(TS_SIGNED, GatewaySettings(secret=SECRET.encode(), issuer="https://gateway.test"), NOW)
        self.assertEqual(got["sub"], "42")
        self.assertEqual(got["email"], "josé@exämple.com")
        self.assertEqual(got["roles"], ["user", "a,b"])
        self.assertEqual((got["mth"], got["pth"], got["rid"]), ("GET", "/api/me", "rid-1"))
        self.assertEqual(got["exp"] - got["iat"], 60)

    def test_refuses_the_wrong_secret(self) -> None:
        self.assertRefused(sign(claims(), secret=b"x" * 64))
        self.assertRefused(TS_SIGNED, GatewaySettings(secret=b"y" * 64))

    def test_the_key_is_the_utf8_string_not_hex_decoded(self) -> None:
        self.assertRefused(sign(claims(), secret=bytes.fromhex(SECRET)))

    def test_refuses_the_wrong_audience_and_issuer(self) -> None:
        self.assertRefused(sign(claims(aud="api")))
        self.assertRefused(sign(claims(aud=None)))
        self.assertRefused(TS_SIGNED, GatewaySettings(secret=SECRET.encode(), audience="other"))
        self.assertRefused(sign(claims()), GatewaySettings(secret=SECRET.encode(), issuer="https://elsewhere"))
        ok = verify_assertion(sign(claims(aud=["x", "upstream"])), SETTINGS, NOW)
        self.assertEqual(ok["sub"], "42")

    def test_refuses_alg_none(self) -> None:
        head = b64url(json.dumps({"alg": "none", "typ": "JWT"}).encode())
        body = b64url(json.dumps(claims()).encode())
        self.assertRefused(f"{head}.{body}.")
        self.assertRefused(f"{head}.{body}.{sign(claims()).split('.')[2]}")

    def test_refuses_other_algorithms_even_with_the_right_key(self) -> None:
        self.assertRefused(sign(claims(), header={"alg": "HS512", "typ": "JWT"}, digest=hashlib.sha512))
        self.assertRefused(sign(claims(), header={"alg": "HS384", "typ": "JWT"}, digest=hashlib.sha384))
        self.assertRefused(sign(claims(), header={"alg": "RS256", "typ": "JWT"}))

    def test_pins_typ_and_refuses_crit(self) -> None:
        self.assertRefused(sign(claims(), header={"alg": "HS256", "typ": "at+jwt"}))
        self.assertRefused(sign(claims(), header={"alg": "HS256"}))
        self.assertRefused(sign(claims(), header={"alg": "HS256", "typ": "JWT", "crit": ["x"], "x": 1}))

    def test_refuses_expired_and_not_yet_valid_tokens_with_small_leeway(self) -> None:
        token = sign(claims())
        verify_assertion(token, SETTINGS, NOW + 64)
        self.assertRefused(token, now=NOW + 65)
        self.assertRefused(TS_SIGNED, now=NOW + 3600)
        verify_assertion(token, SETTINGS, NOW - 4)
        self.assertRefused(token, now=NOW - 6)
        self.assertRefused(sign(claims(exp=NOW + 3600)))  # longer than any gateway assertion

    def test_refuses_tampered_tokens(self) -> None:
        head, body, sig = TS_SIGNED.split(".")
        payload = json.loads(base64.urlsafe_b64decode(body + "=="))
        payload["roles"] = ["admin"]
        forged = b64url(json.dumps(payload).encode())
        self.assertRefused(f"{head}.{forged}.{sig}")
        flipped = sig[:-2] + ("A" if sig[-2] != "A" else "B") + sig[-1]
        self.assertRefused(f"{head}.{body}.{flipped}")
        self.assertRefused(f"{head}.{body}")
        self.assertRefused(f"{head}.{body}.{sig}.x")
        self.assertRefused(f"{head}.{body}.{sig}!")
        self.assertRefused("garbage")
        self.assertRefused("a" * 10000)

    def test_refuses_missing_or_mistyped_claims(self) -> None:
        for name in ("sub", "sid", "email", "email_verified", "roles", "jti", "iat", "nbf", "exp", "iss"):
            with self.subTest(missing=name):
                self.assertRefused(sign(claims(**{name: None})))
        self.assertRefused(sign(claims(sub=42)))
        self.assertRefused(sign(claims(email_verified="true")))
        self.assertRefused(sign(claims(roles="admin")))
        self.assertRefused(sign(claims(roles=[1])))
        self.assertRefused(sign(claims(exp=True)))

    def test_refuses_duplicate_json_keys(self) -> None:
        head = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        raw = json.dumps(claims())[:-1] + ', "sub": "1"}'
        body = b64url(raw.encode())
        sig = hmac.new(SECRET.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
        self.assertRefused(f"{head}.{body}.{b64url(sig)}")


class AuthenticateTest(unittest.TestCase):
    def test_a_request_without_any_gateway_header_is_anonymous(self) -> None:
        self.assertIsNone(authenticate(connection([("accept", "*/*")]), SETTINGS, NOW))

    def test_identity_headers_without_an_assertion_are_refused(self) -> None:
        for name in ("x-user-id", "X_User_Id", "x-auth-session", "x-user-roles"):
            with self.subTest(name=name), self.assertRaises(MissingAssertion):
                authenticate(connection([(name, "1")]), SETTINGS, NOW)

    def test_builds_the_user_from_the_assertion_not_the_headers(self) -> None:
        conn = connection([
            ("x-auth-assertion", sign(claims(roles=["user"]))),
            ("x-user-roles", "admin"),
            ("x-user-email", "someone@else.example"),
        ])
        user = authenticate(conn, SETTINGS, NOW)
        assert user is not None
        self.assertEqual((user.id, user.email, user.roles, user.session), ("42", "ana@example.com", ("user",), "sess-1"))
        self.assertFalse(user.has_role("admin"))

    def test_x_user_id_and_session_must_match_the_assertion(self) -> None:
        token = sign(claims())
        self.assertIsNotNone(authenticate(connection([("x-auth-assertion", token), ("x-user-id", "42")]), SETTINGS, NOW))
        with self.assertRaises(InvalidAssertion):
            authenticate(connection([("x-auth-assertion", token), ("x-user-id", "1")]), SETTINGS, NOW)
        with self.assertRaises(InvalidAssertion):
            authenticate(connection([("x-auth-assertion", token), ("x-auth-session", "other")]), SETTINGS, NOW)

    def test_the_assertion_is_bound_to_method_and_path(self) -> None:
        token = sign(claims(mth="GET", pth="/api/me"))
        with self.assertRaises(InvalidAssertion):
            authenticate(connection([("x-auth-assertion", token)], method="DELETE"), SETTINGS, NOW)
        with self.assertRaises(InvalidAssertion):
            authenticate(connection([("x-auth-assertion", token)], path="/api/admin"), SETTINGS, NOW)
        ws = connection([("x-auth-assertion", sign(claims(pth="/ws/echo")))], path="/ws/echo", kind="websocket")
        self.assertIsNotNone(authenticate(ws, SETTINGS, NOW))
        encoded = connection([("x-auth-assertion", sign(claims(pth="/api/a%20b")))], path="/api/a%20b")
        self.assertIsNotNone(authenticate(encoded, SETTINGS, NOW))

    def test_a_path_prefix_can_be_configured(self) -> None:
        prefixed = GatewaySettings(secret=SECRET.encode(), path_prefix="/v1")
        conn = connection([("x-auth-assertion", sign(claims()))], path="/v1/api/me")
        self.assertIsNotNone(authenticate(conn, prefixed, NOW))

    def test_two_assertions_are_refused(self) -> None:
        conn = connection([("x-auth-assertion", sign(claims())), ("x-auth-assertion", sign(claims()))])
        with self.assertRaises(InvalidAssertion):
            authenticate(conn, SETTINGS, NOW)

    def test_an_assertion_serves_one_request(self) -> None:
        cache = ReplayCache()
        token = sign(claims())
        self.assertIsNotNone(authenticate(connection([("x-auth-assertion", token)]), SETTINGS, NOW, cache))
        with self.assertRaises(InvalidAssertion):
            authenticate(connection([("x-auth-assertion", token)]), SETTINGS, NOW, cache)

    def test_replay_cache_stays_bounded(self) -> None:
        cache = ReplayCache(max_entries=3)
        for i in range(10):
            self.assertTrue(cache.first_use(f"j{i}", NOW + 60, NOW))
        self.assertFalse(cache.first_use("j9", NOW + 60, NOW))


class ConfiguredTest(unittest.TestCase):
    """Runs with gateway_auth configured from SETTINGS (reset afterwards); no tests of its own."""

    def setUp(self) -> None:
        gateway_auth.configure(SETTINGS)

    def tearDown(self) -> None:
        gateway_auth.configure(None)

    def run_dep(self, dep: Any, conn: HTTPConnection) -> Any:
        return asyncio.run(dep(conn))


class DependencyTest(ConfiguredTest):
    def test_current_user_refuses_a_missing_header_with_401(self) -> None:
        with self.assertRaises(HTTPException) as ctx:
            self.run_dep(gateway_auth.current_user, connection([]))
        self.assertEqual(ctx.exception.status_code, 401)

    def test_current_user_refuses_a_bad_token_with_401_and_no_detail_leak(self) -> None:
        with self.assertRaises(HTTPException) as ctx:
            self.run_dep(gateway_auth.current_user, connection([("x-auth-assertion", "forged")]))
        self.assertEqual(ctx.exception.status_code, 401)
        self.assertNotIn("forged", str(ctx.exception.detail))

    def test_current_user_accepts_a_fresh_assertion(self) -> None:
        token = sign(claims(iat=None, nbf=None, exp=None) | _now_claims())
        user = self.run_dep(gateway_auth.current_user, connection([("x-auth-assertion", token)]))
        self.assertEqual(user.id, "42")

    def test_optional_user_is_none_when_anonymous_and_401_when_spoofed(self) -> None:
        self.assertIsNone(self.run_dep(gateway_auth.optional_user, connection([])))
        with self.assertRaises(HTTPException):
            self.run_dep(gateway_auth.optional_user, connection([("x-user-id", "1")]))

    def test_settings_from_env(self) -> None:
        s = GatewaySettings.from_env({"UPSTREAM_SECRET": "sécret"})
        self.assertEqual((s.secret, s.audience, s.issuer), ("sécret".encode("utf-8"), "upstream", None))
        with self.assertRaises(ValueError):
            GatewaySettings.from_env({})


class RequireRolesTest(ConfiguredTest):
    def token(self, roles: List[str]) -> str:
        return sign(claims(iat=None, nbf=None, exp=None, roles=roles) | _now_claims())

    def test_admits_a_user_holding_one_of_the_roles(self) -> None:
        dep = gateway_auth.require_roles("admin", "support")
        for roles in (["user", "admin"], ["support"]):
            user = self.run_dep(dep, connection([("x-auth-assertion", self.token(roles))]))
            self.assertEqual(user.roles, tuple(roles))

    def test_refuses_a_user_without_them_with_403(self) -> None:
        dep = gateway_auth.require_roles("admin")
        for roles in ([], ["user"], ["admins"], ["Admin"]):
            with self.assertRaises(HTTPException) as ctx:
                self.run_dep(dep, connection([("x-auth-assertion", self.token(roles))]))
            self.assertEqual(ctx.exception.status_code, 403)

    def test_reads_roles_from_the_assertion_not_the_plain_header(self) -> None:
        dep = gateway_auth.require_roles("admin")
        headers = [("x-auth-assertion", self.token(["user"])), ("x-user-roles", "admin")]
        with self.assertRaises(HTTPException) as ctx:
            self.run_dep(dep, connection(headers))
        self.assertEqual(ctx.exception.status_code, 403)

    def test_refuses_a_request_that_did_not_come_through_the_gateway_with_401(self) -> None:
        dep = gateway_auth.require_roles("admin")
        for headers in ([], [("x-user-roles", "admin"), ("x-user-id", "1")], [("x-auth-assertion", "forged")]):
            with self.assertRaises(HTTPException) as ctx:
                self.run_dep(dep, connection(headers))
            self.assertEqual(ctx.exception.status_code, 401)

    def test_bad_role_names_fail_when_the_dependency_is_built(self) -> None:
        for roles in ((), ("Admin",), ("a b",), ("",)):
            with self.assertRaises(ValueError):
                gateway_auth.require_roles(*roles)


class AmrTest(ConfiguredTest):
    """``amr`` on the user, the ``x-auth-amr`` cross-check and ``require_mfa``."""

    def user_for(self, **overrides: Any) -> Any:
        token = sign(claims(iat=None, nbf=None, exp=None) | _now_claims() | overrides)
        return asyncio.run(gateway_auth.current_user(connection([("x-auth-assertion", token)])))

    def test_amr_is_exposed_on_the_user(self) -> None:
        user = self.user_for(amr=["pwd", "otp", "mfa"])
        self.assertEqual(user.amr, ("pwd", "otp", "mfa"))
        self.assertTrue(user.has_mfa)
        plain = self.user_for(amr=["pwd"])
        self.assertEqual(plain.amr, ("pwd",))
        self.assertFalse(plain.has_mfa)

    def test_an_assertion_without_amr_reads_as_a_password_session(self) -> None:
        user = self.user_for()
        self.assertEqual(user.amr, ("pwd",))
        self.assertFalse(user.has_mfa)

    def test_a_malformed_amr_is_refused(self) -> None:
        for bad in ("mfa", [], [1], {"mfa": True}):
            with self.assertRaises(InvalidAssertion):
                verify_assertion(sign(claims(amr=bad)), SETTINGS, NOW)

    def test_x_auth_amr_must_match_the_assertion(self) -> None:
        token = sign(claims(amr=["pwd"]))
        with self.assertRaises(InvalidAssertion):
            authenticate(connection([("x-auth-assertion", token), ("x-auth-amr", "pwd,otp,mfa")]), SETTINGS, NOW)
        user = authenticate(connection([("x-auth-assertion", token), ("x-auth-amr", "pwd")]), SETTINGS, NOW)
        self.assertEqual(user.amr, ("pwd",))

    def test_require_mfa_admits_an_mfa_session_and_refuses_others_with_403(self) -> None:
        mfa_user = self.user_for(amr=["hwk", "mfa"])
        self.assertIs(asyncio.run(gateway_auth.require_mfa(mfa_user)), mfa_user)
        with self.assertRaises(HTTPException) as ctx:
            asyncio.run(gateway_auth.require_mfa(self.user_for(amr=["pwd"])))
        self.assertEqual(ctx.exception.status_code, 403)
        self.assertEqual(ctx.exception.detail, "mfa_required")

    def test_require_mfa_through_fastapi(self) -> None:
        from fastapi import FastAPI

        app = FastAPI()

        @app.get("/api/me")
        def me(user: gateway_auth.GatewayUser = Depends(gateway_auth.require_mfa)) -> Dict[str, Any]:
            return {"id": user.id, "amr": list(user.amr)}

        def call(headers: List[Tuple[str, str]]) -> Tuple[int, Any]:
            """One GET /api/me through the ASGI app (no HTTP client needed)."""
            sent: List[Dict[str, Any]] = []
            scope = {
                "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
                "scheme": "http", "path": "/api/me", "raw_path": b"/api/me", "query_string": b"",
                "root_path": "", "server": ("testserver", 80), "client": ("127.0.0.1", 1),
                "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers],
            }

            async def receive() -> Dict[str, Any]:
                return {"type": "http.request", "body": b"", "more_body": False}

            async def send(message: Dict[str, Any]) -> None:
                sent.append(message)

            asyncio.run(app(scope, receive, send))
            start = next(m for m in sent if m["type"] == "http.response.start")
            body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
            return start["status"], json.loads(body)

        fresh = claims(iat=None, nbf=None, exp=None) | _now_claims()
        self.assertEqual(
            call([("x-auth-assertion", sign(fresh | {"amr": ["pwd", "otp", "mfa"]}))]),
            (200, {"id": "42", "amr": ["pwd", "otp", "mfa"]}),
        )
        self.assertEqual(call([("x-auth-assertion", sign(fresh | {"jti": "other"}))]), (403, {"detail": "mfa_required"}))
        self.assertEqual(call([])[0], 401)


class HeaderDecodingTest(unittest.TestCase):
    def test_decodes_the_gateway_encoding(self) -> None:
        self.assertEqual(decode_header_value("jos%C3%A9@ex%C3%A4mple.com"), "josé@exämple.com")
        self.assertEqual(decode_header_value("a+b%25c"), "a+b%c")
        self.assertEqual(decode_roles("a%2Cb,%C3%BCn%C3%AF,plain"), ("a,b", "ünï", "plain"))
        self.assertEqual(decode_roles(""), ())


def _now_claims() -> Dict[str, Any]:
    import time

    now = int(time.time())
    return {"iat": now, "nbf": now, "exp": now + 60}


if __name__ == "__main__":
    unittest.main()
