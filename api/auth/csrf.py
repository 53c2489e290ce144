"""Cross-site request forgery protection for cookie-authenticated requests.

Each session holds a random token; every POST/PUT/PATCH/DELETE that a session cookie
authenticates must send it back, in the `X-CSRF-Token` header (htmx: `hx-headers` on <body>,
fetch: a header) or a `csrf_token` form field (plain forms). Bearer-token requests are exempt: a
browser never attaches a bearer token by itself. SameSite=Lax cookies are a second fence.
"""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request

from handoff.identity.errors import Forbidden
from handoff.identity.secrets import new_secret, same

SESSION_KEY = "csrf"
HEADER = "x-csrf-token"
FORM_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def csrf_token(request: Request) -> str:
    """This session's token, created on first use; templates put it in forms and in
    `<meta name="csrf-token">`."""
    session = request.session
    token = session.get(SESSION_KEY)
    if not isinstance(token, str) or not token:
        token = new_secret()
        session[SESSION_KEY] = token
    return token


async def read_form(request: Request) -> FormData:
    """The request's form, parsed once: Starlette keeps it on the request, so the route's own
    `request.form()` gets the same object. The limits are the widest any route accepts (one
    file; text fields up to HANDOFF_MAX_FORM_BYTES; Starlette's field count), so a form a route
    would take is never refused here first."""
    settings = getattr(request.app.state, "settings", None)
    part = int(getattr(settings, "max_form_bytes", 1024 * 1024))
    try:
        form = await request.form(max_files=1, max_fields=1000, max_part_size=part)
    except HTTPException as exc:
        if exc.status_code == 400 and str(exc.detail).startswith("Part exceeded maximum size"):
            raise HTTPException(
                413, f"A form field is larger than {part:,} bytes (HANDOFF_MAX_FORM_BYTES)."
            ) from exc
        raise
    request.state.policy_form = form  # closed by the policy when it refuses the request
    return form


async def _sent_token(request: Request) -> str | None:
    header = request.headers.get(HEADER)
    if header:
        return header
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype not in _FORM_TYPES:
        return None
    form = await read_form(request)
    value = form.get(FORM_FIELD)
    return value if isinstance(value, str) else None


async def check_csrf(request: Request) -> None:
    """Refuse (403, one sentence) a state-changing request without this session's token."""
    if request.method in SAFE_METHODS:
        return
    expected = request.session.get(SESSION_KEY) if "session" in request.scope else None
    sent = await _sent_token(request)
    if not isinstance(expected, str) or not expected or not sent or not same(expected, sent):
        raise Forbidden(
            "The form has expired or did not come from this site; reload the page and try again."
        )
