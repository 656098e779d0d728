"""Tests for verifying EdDSA / ES256 assertions from the gateway's JWKS.

Run: /usr/bin/python3 -m unittest discover -s examples/fastapi
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import sys
import threading
import unittest
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import jwt  # noqa: E402
from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec, ed25519  # noqa: E402
from jwt.algorithms import ECAlgorithm, OKPAlgorithm  # noqa: E402

import gateway_auth  # noqa: E402
import gateway_jwks  # noqa: E402
from gateway_auth import GatewaySettings, InvalidAssertion, verify_assertion  # noqa: E402
from gateway_jwks import JwksCache  # noqa: E402

gateway_auth.log.setLevel("CRITICAL")
gateway_jwks.log.setLevel("CRITICAL")
NOW = 1793534400

# Signed by the gateway's TypeScript signer (src/proxy/assertion.ts, jose) under Node 22 with
# a fresh key of each algorithm, claims sub "42", sid "sess-1", GET /api/me, at NOW:
#   createAssertionSigner({ secret: "", privateKey: async () => ({ alg, kid, key }),
#                           audience: "upstream", issuer: "https://gateway.test" }).sign(..., NOW * 1000)
TS_SIGNED = {
    "EdDSA": {
        "jwk": {
            "kty": "OKP",
            "crv": "Ed25519",
            "x": "I7ZOp8ERXUHJumTVYXiwe47lnnith2-eWCvgslz0ZZ8",
            "kid": "qj_8DajGDZ65rGFPW07pWof59paIli4RPF35GD86dWA",
            "alg": "EdDSA",
            "use": "sig"
        },
        "token": "eyJhbGciOiJFZERTQSIsInR5cCI6IkpXVCIsImtpZCI6InFqXzhEYWpHRFo2NXJHRlBXMDdwV29mNTlwYUlsaTRSUEYzNUdEODZkV0EifQ.eyJzaWQiOiJzZXNzLTEiLCJlbWFpbCI6ImFuYUBleGFtcGxlLmNvbSIsImVtYWlsX3ZlcmlmaWVkIjp0cnVlLCJyb2xlcyI6WyJ1c2VyIl0sIm10aCI6IkdFVCIsInB0aCI6Ii9hcGkvbWUiLCJyaWQiOiJyaWQtMSIsImlzcyI6Imh0dHBzOi8vZ2F0ZXdheS50ZXN0IiwiYXVkIjoidXBzdHJlYW0iLCJzdWIiOiI0MiIsImp0aSI6ImEzOWNmNTE5LTVjNmYtNGYzYy1iODM3LTVmZmEwNjY1YzY0MyIsImlhdCI6MTc5MzUzNDQwMCwibmJmIjoxNzkzNTM0NDAwLCJleHAiOjE3OTM1MzQ0NjB9.AyMBtnbpZDFgYMUHP9MC1Q_lfYXUrFGgEs5Sw_T6iTouHcboiGbsS002AYYTR5jK-qkT6fqAbpqu0tSMVak3CA"
    },
    "ES256": {
        "jwk": {
            "kty": "EC",
            "crv": "P-256",
            "x": "N_2c6kh9GpPatDzldOdvokA5UhPAfjP6Z4pN_32i5_k",
            "y": "LnKjoGSjLslHLP99dy7B-sieugXv_3CT2-RyLkJmzy8",
            "kid": "95Yh8Wcu2Pe1UDThycrT1hvKBKKlSaCfTx_K9BBOUmc",
            "alg": "ES256",
            "use": "sig"
        },
        "token": "eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6Ijk1WWg4V2N1MlBlMVVEVGh5Y3JUMWh2S0JLS2xTYUNmVHhfSzlCQk9VbWMifQ.eyJzaWQiOiJzZXNzLTEiLCJlbWFpbCI6ImFuYUBleGFtcGxlLmNvbSIsImVtYWlsX3ZlcmlmaWVkIjp0cnVlLCJyb2xlcyI6WyJ1c2VyIl0sIm10aCI6IkdFVCIsInB0aCI6Ii9hcGkvbWUiLCJyaWQiOiJyaWQtMSIsImlzcyI6Imh0dHBzOi8vZ2F0ZXdheS50ZXN0IiwiYXVkIjoidXBzdHJlYW0iLCJzdWIiOiI0MiIsImp0aSI6IjhhMGFjMDdiLWFjOTktNDBmZC05ZDNjLTU1NWJhN2ZlMWNkMCIsImlhdCI6MTc5MzUzNDQwMCwibmJmIjoxNzkzNTM0NDAwLCJleHAiOjE3OTM1MzQ0NjB9.bJaDW0Z344SBZCrju_irB9ia8v0WXCAjAw1iEKgHmdcn2IwW7fhQaL_bzT_XCaOGp-ApjQyybAOR-fYINvTsBg"
    }
}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def thumbprint(pub: Dict[str, str]) -> str:
    required = {k: pub[k] for k in sorted(("crv", "kty", "x", "y")) if k in pub}
    return b64url(hashlib.sha256(json.dumps(required, separators=(",", ":")).encode()).digest())


class Key:
    """A key pair as the gateway holds it: private key, public JWK with kid/alg/use."""

    def __init__(self, alg: str) -> None:
        self.alg = alg
        if alg == "EdDSA":
            self.private = ed25519.Ed25519PrivateKey.generate()
            pub = json.loads(OKPAlgorithm.to_jwk(self.private.public_key()))
        else:
            self.private = ec.generate_private_key(ec.SECP256R1())
            pub = json.loads(ECAlgorithm.to_jwk(self.private.public_key()))
        core = {k: pub[k] for k in ("kty", "crv", "x", "y") if k in pub}
        self.kid = thumbprint(core)
        self.public_jwk = {**core, "kid": self.kid, "alg": alg, "use": "sig"}

    def sign(self, claims: Dict[str, Any], **header: Any) -> str:
        return jwt.encode(claims, self.private, algorithm=self.alg, headers={"typ": "JWT", "kid": self.kid, **header})


def claims(**overrides: Any) -> Dict[str, Any]:
    base = {
        "iss": "https://gateway.test", "aud": "upstream", "sub": "42", "sid": "s-1", "email": "ana@example.com",
        "email_verified": True, "roles": ["user"], "jti": str(uuid.uuid4()), "iat": NOW, "nbf": NOW, "exp": NOW + 60,
        "mth": "GET", "pth": "/api/me", "rid": "r-1",
    }
    base.update(overrides)
    return base


class FakeFetcher:
    """Serves a key set without a network; counts fetches; can fail."""

    def __init__(self, keys: List[Dict[str, Any]], cache_control: Optional[str] = "public, max-age=300") -> None:
        self.keys = keys
        self.cache_control = cache_control
        self.calls = 0
        self.fail = False

    def __call__(self, url: str, timeout: float):
        self.calls += 1
        if self.fail:
            raise OSError("connection refused")
        return json.dumps({"keys": self.keys}).encode(), self.cache_control


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def settings_for(alg: str, fetcher: FakeFetcher, clock: Optional[Clock] = None) -> GatewaySettings:
    cache = JwksCache("https://gw.test/auth/.well-known/jwks.json", alg, fetcher=fetcher, clock=clock or Clock())
    return GatewaySettings(algorithm=alg, jwks=cache, audience="upstream")


class JwksVerification(unittest.TestCase):
    def test_verifies_both_algorithms_from_the_key_set(self) -> None:
        for alg in ("EdDSA", "ES256"):
            with self.subTest(alg=alg):
                key = Key(alg)
                s = settings_for(alg, FakeFetcher([key.public_jwk]))
                self.assertEqual(verify_assertion(key.sign(claims()), s, NOW)["sub"], "42")

    def test_caches_the_key_set_for_its_max_age(self) -> None:
        key, fetcher, clock = Key("EdDSA"), None, Clock()
        fetcher = FakeFetcher([key.public_jwk], "public, max-age=300")
        s = settings_for("EdDSA", fetcher, clock)
        for _ in range(5):
            verify_assertion(key.sign(claims()), s, NOW)
        self.assertEqual(fetcher.calls, 1)
        clock.t += 299
        verify_assertion(key.sign(claims()), s, NOW)
        self.assertEqual(fetcher.calls, 1)
        clock.t += 2
        verify_assertion(key.sign(claims()), s, NOW)
        self.assertEqual(fetcher.calls, 2)

    def test_refetches_on_an_unknown_kid_then_rate_limits(self) -> None:
        old, new, clock = Key("EdDSA"), Key("EdDSA"), Clock()
        fetcher = FakeFetcher([old.public_jwk])
        s = settings_for("EdDSA", fetcher, clock)
        verify_assertion(old.sign(claims()), s, NOW)
        # The gateway rotated: its JWKS now leads with the new key.
        fetcher.keys = [new.public_jwk, old.public_jwk]
        clock.t += 31
        self.assertEqual(verify_assertion(new.sign(claims()), s, NOW)["sub"], "42")
        self.assertEqual(fetcher.calls, 2)
        # A flood of made-up kids costs at most one fetch per 30 s.
        stranger = Key("EdDSA")
        for _ in range(20):
            with self.assertRaises(InvalidAssertion):
                verify_assertion(stranger.sign(claims()), s, NOW)
        self.assertEqual(fetcher.calls, 2)
        clock.t += 31
        with self.assertRaises(InvalidAssertion):
            verify_assertion(stranger.sign(claims()), s, NOW)
        self.assertEqual(fetcher.calls, 3)

    def test_keeps_its_keys_when_a_refetch_fails(self) -> None:
        key, clock = Key("ES256"), Clock()
        fetcher = FakeFetcher([key.public_jwk])
        s = settings_for("ES256", fetcher, clock)
        verify_assertion(key.sign(claims()), s, NOW)
        fetcher.fail = True
        clock.t += 400
        self.assertEqual(verify_assertion(key.sign(claims()), s, NOW)["sub"], "42")
        self.assertEqual(fetcher.calls, 2)

    def test_an_unreachable_key_set_refuses(self) -> None:
        key = Key("EdDSA")
        fetcher = FakeFetcher([key.public_jwk])
        fetcher.fail = True
        with self.assertRaises(InvalidAssertion):
            verify_assertion(key.sign(claims()), settings_for("EdDSA", fetcher), NOW)

    def test_claims_are_still_checked(self) -> None:
        key = Key("EdDSA")
        s = settings_for("EdDSA", FakeFetcher([key.public_jwk]))
        for bad in (claims(aud="api"), claims(exp=NOW - 60, iat=NOW - 120, nbf=NOW - 120), claims(sub="")):
            with self.assertRaises(InvalidAssertion):
                verify_assertion(key.sign(bad), s, NOW)


class CrossLanguage(unittest.TestCase):
    def test_the_gateways_own_assertions_verify_from_its_public_keys(self) -> None:
        for alg, fixture in TS_SIGNED.items():
            with self.subTest(alg=alg):
                s = settings_for(alg, FakeFetcher([fixture["jwk"]]))
                got = verify_assertion(fixture["token"], s, NOW + 1)
                self.assertEqual((got["sub"], got["sid"], got["mth"], got["pth"]), ("42", "sess-1", "GET", "/api/me"))
                # The same bytes under the other algorithm's pin, or one bit off, are refused.
                other = "ES256" if alg == "EdDSA" else "EdDSA"
                with self.assertRaises(InvalidAssertion):
                    verify_assertion(fixture["token"], settings_for(other, FakeFetcher([fixture["jwk"]])), NOW + 1)
                head, body, sig = fixture["token"].split(".")
                flipped = sig[:-2] + ("A" if sig[-2] != "A" else "B") + sig[-1]
                with self.assertRaises(InvalidAssertion):
                    verify_assertion(f"{head}.{body}.{flipped}", s, NOW + 1)


class JwksForgeries(unittest.TestCase):
    def setUp(self) -> None:
        self.ed = Key("EdDSA")
        self.ec = Key("ES256")
        # One key set holding both kinds: each cache must use only its own.
        self.fetcher = FakeFetcher([self.ed.public_jwk, self.ec.public_jwk])

    def refused(self, token: str, alg: str = "EdDSA") -> None:
        with self.assertRaises(InvalidAssertion):
            verify_assertion(token, settings_for(alg, self.fetcher), NOW)

    def hmac_token(self, header: Dict[str, Any], secret: bytes) -> str:
        signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims()).encode())}"
        sig = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
        return f"{signing_input}.{b64url(sig)}"

    def test_alg_none(self) -> None:
        header = b64url(json.dumps({"alg": "none", "typ": "JWT", "kid": self.ed.kid}).encode())
        self.refused(f"{header}.{b64url(json.dumps(claims()).encode())}.")

    def test_hs256_keyed_with_the_public_key(self) -> None:
        x = base64.urlsafe_b64decode(self.ed.public_jwk["x"] + "==")
        self.refused(self.hmac_token({"alg": "HS256", "typ": "JWT", "kid": self.ed.kid}, x))
        pem = self.ed.private.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        self.refused(self.hmac_token({"alg": "HS256", "typ": "JWT", "kid": self.ed.kid}, pem))
        self.refused(self.hmac_token({"alg": "HS256", "typ": "JWT", "kid": self.ed.kid}, json.dumps(self.ed.public_jwk).encode()))

    def test_a_foreign_key_presenting_a_known_kid(self) -> None:
        stranger = Key("EdDSA")
        self.refused(stranger.sign(claims(), kid=self.ed.kid))
        stranger_ec = Key("ES256")
        self.refused(stranger_ec.sign(claims(), kid=self.ec.kid), "ES256")

    def test_eddsa_under_es256_and_the_reverse(self) -> None:
        self.refused(self.ed.sign(claims()), "ES256")
        self.refused(self.ec.sign(claims()), "EdDSA")
        # Even naming the other kind's kid.
        self.refused(self.ed.sign(claims(), kid=self.ec.kid), "ES256")

    def test_embedded_jwk_and_missing_kid(self) -> None:
        stranger = Key("EdDSA")
        self.refused(stranger.sign(claims(), jwk=stranger.public_jwk))
        token = jwt.encode(claims(), self.ed.private, algorithm="EdDSA", headers={"typ": "JWT"})
        self.refused(token)

    def test_edited_payload_and_wrong_typ(self) -> None:
        h, _, sig = self.ed.sign(claims()).split(".")
        self.refused(f"{h}.{b64url(json.dumps(claims(roles=['admin'])).encode())}.{sig}")
        self.refused(self.ed.sign(claims(), typ="at+jwt"))

    def test_a_key_set_entry_with_a_private_member_is_never_used(self) -> None:
        leaked = {**self.ed.public_jwk, "d": b64url(b"\x01" * 32)}
        with self.assertRaises(InvalidAssertion):
            verify_assertion(self.ed.sign(claims()), settings_for("EdDSA", FakeFetcher([leaked])), NOW)


class Settings(unittest.TestCase):
    def test_from_env(self) -> None:
        s = GatewaySettings.from_env({"UPSTREAM_JWT_ALGORITHM": "ES256", "UPSTREAM_JWKS_URL": "http://127.0.0.1:1/auth/.well-known/jwks.json"})
        self.assertEqual(s.algorithm, "ES256")
        self.assertEqual(s.jwks.algorithm, "ES256")
        self.assertEqual(GatewaySettings.from_env({"UPSTREAM_SECRET": "x" * 64}).algorithm, "HS256")

    def test_refuses_incomplete_settings(self) -> None:
        with self.assertRaises(ValueError):
            GatewaySettings.from_env({"UPSTREAM_JWT_ALGORITHM": "EdDSA"})
        with self.assertRaises(ValueError):
            GatewaySettings.from_env({"UPSTREAM_JWT_ALGORITHM": "RS256", "UPSTREAM_JWKS_URL": "https://gw.test/jwks"})
        with self.assertRaises(ValueError):
            GatewaySettings(algorithm="ES256", jwks=JwksCache("https://gw.test/j", "EdDSA"))

    def test_hs256_assertions_are_refused_in_jwks_mode(self) -> None:
        key = Key("EdDSA")
        s = settings_for("EdDSA", FakeFetcher([key.public_jwk]))
        header = {"alg": "HS256", "typ": "JWT"}
        signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims()).encode())}"
        token = f"{signing_input}.{b64url(hmac.new(b'k' * 64, signing_input.encode(), hashlib.sha256).digest())}"
        with self.assertRaises(InvalidAssertion):
            verify_assertion(token, s, NOW)


class OverHttp(unittest.TestCase):
    """The real fetcher against a real HTTP server serving the key set."""

    def test_fetches_over_http_and_honours_max_age(self) -> None:
        key = Key("EdDSA")
        hits: List[str] = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                hits.append(self.path)
                body = json.dumps({"keys": [key.public_jwk]}).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("cache-control", "public, max-age=120")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            clock = Clock()
            url = f"http://127.0.0.1:{server.server_address[1]}/auth/.well-known/jwks.json"
            s = GatewaySettings(algorithm="EdDSA", jwks=JwksCache(url, "EdDSA", clock=clock))
            self.assertEqual(verify_assertion(key.sign(claims()), s, NOW)["sub"], "42")
            clock.t += 119
            verify_assertion(key.sign(claims()), s, NOW)
            self.assertEqual(hits, ["/auth/.well-known/jwks.json"])
            clock.t += 2
            verify_assertion(key.sign(claims()), s, NOW)
            self.assertEqual(len(hits), 2)
        finally:
            server.shutdown()
            server.server_close()


if __name__ == "__main__":
    unittest.main()
