"""Single sign-on with any OpenID Connect provider (Okta, Google, Keycloak, Entra...), through
authlib's Starlette client.

The flow: discovery (the provider's metadata document), then the authorization code flow with
PKCE (S256) and a nonce; the code is exchanged at the token endpoint, the id_token's signature is
checked against the provider's JWKS and its claims (issuer, audience, expiry, nonce, at_hash) by
authlib; the userinfo endpoint fills in what the id_token left out and must name the same
subject. authlib keeps the state, nonce and code verifier in the signed session between the two
requests; a callback whose state is not in the session is refused.

The provider must announce the issuer we were configured with (no mix-up between providers).
"""

from __future__ import annotations

from typing import Any

import httpx
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.starlette_client import OAuth, OAuthError
from joserfc.errors import JoseError
from starlette.requests import Request
from starlette.responses import Response

from handoff.errors import ConfigError
from handoff.identity.directory import OidcIdentity
from handoff.identity.errors import ProviderUnavailable, SignInFailed
from handoff.settings import Settings

CLIENT_NAME = "oidc"


class OidcClient:
    def __init__(self, settings: Settings) -> None:
        if not settings.oidc_issuer or not settings.oidc_client_id:
            raise ConfigError(
                "Single sign-on needs HANDOFF_OIDC_ISSUER and HANDOFF_OIDC_CLIENT_ID."
            )
        if "openid" not in settings.oidc_scopes.split():
            raise ConfigError("HANDOFF_OIDC_SCOPES must include 'openid'.")
        self.issuer = settings.oidc_issuer.rstrip("/")
        metadata_url = (
            settings.oidc_metadata_url or f"{self.issuer}/.well-known/openid-configuration"
        )
        secret = (
            settings.oidc_client_secret.get_secret_value() if settings.oidc_client_secret else None
        )
        client_kwargs: dict[str, Any] = {
            "scope": settings.oidc_scopes,
            "code_challenge_method": "S256",
            "timeout": 15.0,
        }
        if secret is None:  # a public client: PKCE alone proves the code is ours
            client_kwargs["token_endpoint_auth_method"] = "none"
        oauth = OAuth()
        self.app: Any = oauth.register(
            name=CLIENT_NAME,
            client_id=settings.oidc_client_id,
            client_secret=secret,
            server_metadata_url=metadata_url,
            client_kwargs=client_kwargs,
        )

    async def _metadata(self) -> dict[str, Any]:
        try:
            metadata: dict[str, Any] = await self.app.load_server_metadata()
        except (httpx.HTTPError, ValueError) as exc:
            raise ProviderUnavailable(
                "The single sign-on provider's discovery document could not be read; "
                "try again later."
            ) from exc
        announced = str(metadata.get("issuer", "")).rstrip("/")
        if announced != self.issuer:
            raise ConfigError(
                f"HANDOFF_OIDC_ISSUER is {self.issuer!r} but the provider says {announced!r}."
            )
        return metadata

    async def login_redirect(self, request: Request, redirect_uri: str) -> Response:
        """The redirect to the provider's authorization endpoint (state, nonce, PKCE saved)."""
        await self._metadata()
        try:
            response: Response = await self.app.authorize_redirect(request, redirect_uri)
        except httpx.HTTPError as exc:
            raise ProviderUnavailable("The single sign-on provider did not answer.") from exc
        return response

    async def finish(self, request: Request) -> OidcIdentity:
        """The verified identity of a callback request; SignInFailed when anything is off."""
        await self._metadata()
        try:
            token = await self.app.authorize_access_token(request)
            claims = token.get("userinfo")
            if not claims:
                raise SignInFailed("Single sign-on returned no id_token; sign-in is refused.")
            info = await self.app.userinfo(token=token)
        except OAuthError as exc:
            raise SignInFailed(_oauth_sentence(exc)) from exc
        except httpx.HTTPError as exc:
            raise ProviderUnavailable(
                "The single sign-on provider did not answer; try again later."
            ) from exc
        except (JoseError, AuthlibBaseError, ValueError) as exc:
            # the id_token's signature, issuer, audience, expiry, nonce or at_hash is wrong
            raise SignInFailed(
                "Single sign-on returned an id_token that does not verify; sign-in is refused."
            ) from exc
        return _identity(dict(claims), dict(info))


def _oauth_sentence(exc: OAuthError) -> str:
    if getattr(exc, "error", "") == "mismatching_state":
        return "Single sign-on failed: the sign-in state does not match; start again."
    description = getattr(exc, "description", None) or getattr(exc, "error", "") or "refused"
    return f"Single sign-on failed: {str(description).rstrip('.')}."


def _identity(claims: dict[str, Any], info: dict[str, Any]) -> OidcIdentity:
    """Merge the id_token's claims with userinfo's; the subject must be the same in both."""
    subject = str(claims.get("sub") or "")
    if not subject or str(info.get("sub") or "") != subject:
        raise SignInFailed("Single sign-on's userinfo names another subject; sign-in is refused.")

    def pick(name: str) -> Any:
        return claims.get(name) if claims.get(name) is not None else info.get(name)

    verified = pick("email_verified")
    return OidcIdentity(
        issuer=str(claims["iss"]).rstrip("/"),
        subject=subject,
        email=str(pick("email")) if pick("email") else None,
        email_verified=verified is True or str(verified).lower() == "true",
        name=str(pick("name")) if pick("name") else None,
        preferred_username=str(pick("preferred_username")) if pick("preferred_username") else None,
    )
