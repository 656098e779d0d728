"""Verify the gateway's asymmetric assertions from its JWKS, without a shared secret.

With ``JWT_ALGORITHM=EdDSA`` (or ``ES256``) at the gateway, ``x-auth-assertion``
is signed by the gateway's private key and carries a ``kid``; the public keys
are served at ``{PUBLIC_URL}/auth/.well-known/jwks.json``. ``JwksCache``
fetches that key set, keeps it for the ``max-age`` the gateway sends (300 s),
refetches at once when an assertion names a ``kid`` it does not hold (a key
rotation), and never refetches more often than ``min_refetch_seconds`` (so a
flood of made-up ``kid``s cannot turn this app into a load generator against
the gateway). When a refetch fails, the keys it already holds keep working.

Only keys of the one pinned algorithm are ever used: an ``ES256`` cache ignores
``OKP`` keys and the reverse, a key with a private member is ignored, and the
signature is checked by PyJWT's algorithm for that algorithm alone (no
``HS256`` with a public key, no ``none``).

Needs PyJWT and cryptography (Debian: ``python3-jwt``, ``python3-cryptography``).
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
import urllib.request
from typing import Any, Callable, Dict, Mapping, Optional, Tuple

from jwt.algorithms import ECAlgorithm, OKPAlgorithm

log = logging.getLogger("gateway_auth.jwks")

#: The algorithms the gateway signs with, and the only key shapes each accepts.
KEY_SHAPES: Mapping[str, Tuple[str, str]] = {"EdDSA": ("OKP", "Ed25519"), "ES256": ("EC", "P-256")}
_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*(\d+)", re.IGNORECASE)
_MAX_BODY = 256 * 1024


class JwksError(Exception):
    """The key set cannot verify this signature (the reason is for logs only)."""


Fetcher = Callable[[str, float], Tuple[bytes, Optional[str]]]


def http_fetch(url: str, timeout: float) -> Tuple[bytes, Optional[str]]:
    """GETs the key set; returns its body and ``cache-control`` header."""
    req = urllib.request.Request(url, headers={"accept": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as res:  # noqa: S310 (operator-configured URL)
        return res.read(_MAX_BODY + 1), res.headers.get("cache-control")


def _algorithm(name: str) -> Any:
    if name == "EdDSA":
        return OKPAlgorithm()
    if name == "ES256":
        return ECAlgorithm(ECAlgorithm.SHA256)
    raise ValueError(f"unsupported algorithm {name!r}: the gateway signs with EdDSA or ES256")


class JwksCache:
    """The gateway's public keys for one pinned algorithm, fetched and cached.

    >>> cache = JwksCache("https://gw.example/auth/.well-known/jwks.json", "EdDSA")  # doctest: +SKIP
    >>> cache.verify(kid, signing_input, signature)  # raises JwksError  # doctest: +SKIP
    """

    def __init__(
        self,
        url: str,
        algorithm: str,
        *,
        min_refetch_seconds: float = 30.0,
        default_max_age: float = 300.0,
        max_age_cap: float = 3600.0,
        timeout: float = 5.0,
        fetcher: Fetcher = http_fetch,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not url.startswith(("https://", "http://")):
            raise ValueError("the JWKS URL must be an http(s) URL")
        self.url = url
        self.algorithm = algorithm
        self._alg = _algorithm(algorithm)
        self._kty, self._crv = KEY_SHAPES[algorithm]
        self._min_refetch = min_refetch_seconds
        self._default_max_age = default_max_age
        self._max_age_cap = max_age_cap
        self._timeout = timeout
        self._fetcher = fetcher
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: Dict[str, Any] = {}
        self._fresh_until = float("-inf")
        self._last_fetch = float("-inf")
        #: How many times the key set was fetched (tests and metrics).
        self.fetches = 0

    def _usable(self, jwk: Any) -> Optional[Tuple[str, Any]]:
        if not isinstance(jwk, dict) or not isinstance(jwk.get("kid"), str) or not jwk["kid"]:
            return None
        if "d" in jwk or jwk.get("kty") != self._kty or jwk.get("crv") != self._crv:
            return None
        if jwk.get("alg", self.algorithm) != self.algorithm or jwk.get("use", "sig") != "sig":
            return None
        try:
            return jwk["kid"], self._alg.from_jwk(json.dumps(jwk))
        except Exception:  # noqa: BLE001 - a malformed key is skipped, the others still work
            log.warning("JWKS key %s is malformed; skipped", jwk.get("kid"))
            return None

    def _fetch(self, now: float) -> None:
        self._last_fetch = now
        self.fetches += 1
        try:
            body, cache_control = self._fetcher(self.url, self._timeout)
            if len(body) > _MAX_BODY:
                raise ValueError("key set too large")
            doc = json.loads(body.decode("utf-8"))
            if not isinstance(doc, dict) or not isinstance(doc.get("keys"), list):
                raise ValueError("not a JWK set")
        except Exception as exc:  # noqa: BLE001 - keep the keys already held
            log.warning("JWKS fetch from %s failed (%s); keeping %d cached keys", self.url, type(exc).__name__, len(self._keys))
            return
        keys = dict(k for k in map(self._usable, doc["keys"]) if k is not None)
        max_age = self._default_max_age
        match = _MAX_AGE.search(cache_control or "")
        if match:
            max_age = min(float(match.group(1)), self._max_age_cap)
        self._keys = keys
        self._fresh_until = now + max_age

    def key(self, kid: str) -> Any:
        """The public key for ``kid``; refetches when stale or unknown (rate-limited)."""
        with self._lock:
            now = self._clock()
            stale = now >= self._fresh_until
            unknown = kid not in self._keys
            if (stale or unknown) and now - self._last_fetch >= self._min_refetch:
                self._fetch(now)
            found = self._keys.get(kid)
        if found is None:
            raise JwksError("unknown kid")
        return found

    def verify(self, kid: Any, signing_input: bytes, signature: bytes) -> None:
        """Raises ``JwksError`` unless ``signature`` is this algorithm's signature by key ``kid``."""
        if not isinstance(kid, str) or not kid or len(kid) > 256:
            raise JwksError("missing kid")
        key = self.key(kid)
        try:
            ok = self._alg.verify(signing_input, key, signature)
        except Exception:  # noqa: BLE001 - a malformed signature is a bad signature
            ok = False
        if not ok:
            raise JwksError("bad signature")
