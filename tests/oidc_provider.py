"""A real OpenID Connect provider for tests, served over HTTP on 127.0.0.1 by uvicorn in a thread.

It does what a provider does, and checks what a provider checks, so the client under test
(authlib's Starlette client) runs for real: discovery, the authorization endpoint (a code bound to
the client, redirect URI, nonce and PKCE S256 challenge), the token endpoint (client
authentication, one-use codes, the code verifier), RS256 id_tokens signed with joserfc, userinfo
and the JWKS. Knobs let a test make it misbehave (sign with a rogue key, name another subject in
userinfo). `calls` records which endpoint was asked what.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import uvicorn
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route


@dataclass
class Person:
    sub: str
    email: str
    email_verified: bool = True
    name: str = "Sam Doe"
    preferred_username: str | None = None

    def claims(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "sub": self.sub,
            "email": self.email,
            "email_verified": self.email_verified,
            "name": self.name,
        }
        if self.preferred_username:
            out["preferred_username"] = self.preferred_username
        return out


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _rsa_key(kid: str) -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"})


@dataclass
class Provider:
    client_id: str = "handoff-test"
    client_secret: str = "provider-secret-for-tests"
    person: Person = field(default_factory=lambda: Person("sub-sam", "sam@acme.test"))
    issuer: str = ""
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    #: Misbehaviours a test can switch on.
    rogue_signature: bool = False
    userinfo_sub: str | None = None

    def __post_init__(self) -> None:
        self.key = _rsa_key("k1")
        self._rogue = _rsa_key("k1")  # same kid, another key: a forged id_token
        self._codes: dict[str, dict[str, Any]] = {}
        self._access: dict[str, Person] = {}
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    # -- endpoints --------------------------------------------------------------------------
    async def discovery(self, request: Request) -> Response:
        self.calls.append(("discovery", {}))
        base = self.issuer
        return JSONResponse(
            {
                "issuer": base,
                "authorization_endpoint": f"{base}/authorize",
                "token_endpoint": f"{base}/token",
                "userinfo_endpoint": f"{base}/userinfo",
                "jwks_uri": f"{base}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": [
                    "client_secret_basic",
                    "client_secret_post",
                ],
                "scopes_supported": ["openid", "email", "profile"],
            }
        )

    async def authorize(self, request: Request) -> Response:
        q = dict(request.query_params)
        self.calls.append(("authorize", q))
        problems = [
            q.get("response_type") != "code" and "response_type must be code",
            q.get("client_id") != self.client_id and "unknown client",
            not q.get("redirect_uri") and "redirect_uri missing",
            q.get("code_challenge_method") != "S256" and "PKCE S256 required",
            not q.get("code_challenge") and "code_challenge missing",
            "openid" not in q.get("scope", "").split() and "openid scope missing",
        ]
        if any(problems):
            return PlainTextResponse("; ".join(p for p in problems if p), status_code=400)
        code = secrets.token_urlsafe(24)
        self._codes[code] = {
            "client_id": q["client_id"],
            "redirect_uri": q["redirect_uri"],
            "challenge": q["code_challenge"],
            "nonce": q.get("nonce"),
            "person": self.person,
        }
        back = {"code": code, "state": q.get("state", "")}
        return RedirectResponse(f"{q['redirect_uri']}?{urlencode(back)}", status_code=302)

    def _client_ok(self, request: Request, form: dict[str, Any]) -> bool:
        header = request.headers.get("authorization", "")
        if header.startswith("Basic "):
            raw = base64.b64decode(header[6:]).decode()
            cid, _, secret = raw.partition(":")
        else:
            cid, secret = form.get("client_id", ""), form.get("client_secret", "")
        return cid == self.client_id and secret == self.client_secret

    async def token(self, request: Request) -> Response:
        form = dict(await request.form())
        self.calls.append(("token", {k: v for k, v in form.items() if k != "client_secret"}))
        if not self._client_ok(request, form):
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        grant = self._codes.pop(str(form.get("code")), None)  # a code works once
        if form.get("grant_type") != "authorization_code" or grant is None:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        verifier = str(form.get("code_verifier", ""))
        challenge = _b64url(hashlib.sha256(verifier.encode()).digest())
        if challenge != grant["challenge"] or form.get("redirect_uri") != grant["redirect_uri"]:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        access = secrets.token_urlsafe(24)
        self._access[access] = grant["person"]
        return JSONResponse(
            {
                "access_token": access,
                "token_type": "Bearer",
                "expires_in": 300,
                "scope": "openid email profile",
                "id_token": self._id_token(grant, access),
            }
        )

    def _id_token(self, grant: dict[str, Any], access: str) -> str:
        now = int(time.time())
        claims = grant["person"].claims() | {
            "iss": self.issuer,
            "aud": self.client_id,
            "iat": now,
            "exp": now + 300,
            "nonce": grant["nonce"],
            "at_hash": _b64url(hashlib.sha256(access.encode()).digest()[:16]),
        }
        key = self._rogue if self.rogue_signature else self.key
        return jwt.encode({"alg": "RS256", "kid": "k1"}, claims, key)

    async def userinfo(self, request: Request) -> Response:
        header = request.headers.get("authorization", "")
        self.calls.append(("userinfo", {}))
        person = self._access.get(header.removeprefix("Bearer ").strip())
        if person is None:
            return JSONResponse({"error": "invalid_token"}, status_code=401)
        claims = person.claims()
        if self.userinfo_sub is not None:
            claims["sub"] = self.userinfo_sub
        return JSONResponse(claims)

    async def jwks(self, request: Request) -> Response:
        self.calls.append(("jwks", {}))
        return JSONResponse(KeySet([self.key]).as_dict(private=False))

    # -- serving ------------------------------------------------------------------------------
    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/.well-known/openid-configuration", self.discovery),
                Route("/authorize", self.authorize),
                Route("/token", self.token, methods=["POST"]),
                Route("/userinfo", self.userinfo),
                Route("/jwks", self.jwks),
            ]
        )

    def start(self) -> Provider:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self.issuer = f"http://127.0.0.1:{sock.getsockname()[1]}"
        config = uvicorn.Config(
            self.app(), log_level="warning", lifespan="off", http="h11", ws="none"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the test OIDC provider did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)

    def endpoints_called(self) -> list[str]:
        return [name for name, _ in self.calls]
