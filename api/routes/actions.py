"""One-click actions from email and Slack: the signed link's confirm page, and its POST.

    GET  /actions/{token}   what the link does: the item, the action, for whom; a field for the
                            note (resolve), the read-back (acknowledge) or a name (not mine,
                            reassign). Nothing changes on a GET, so a mail scanner or a link
                            preview that follows the link acts for nobody.
    POST /actions/{token}   do it: the link is marked used and the action done as the person
                            it names, in one transaction.

Refusals are one sentence each, on the app's error page: a link we did not sign, or that was
changed, 400; past its expiry, 410; already used, 409; an item that is not of the link's team,
or a person no longer in it, 404.

Who may call them (`Access.LINK` in the policy table): whoever holds the link. The token in the
path is the credential; the person may not be signed in at all.

Cross-site request forgery: a forged POST needs the token, which is unguessable (signed with
the app's key, with 128 random bits of its own) and travels only in the message sent to its
person; an attacker who has it can use it directly, so a forged form gains nothing over that,
and it works once. A page that makes a victim's browser post the attacker's own token acts as
the attacker (the token names the person, never the browser's session), which is harmless. So
no form nonce is needed for the link's sake. A browser that is also signed in to handoff still
sends its session's CSRF token, because the policy checks every cookie-authenticated POST; the
confirm page carries it.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from api.auth.deps import client_address
from api.deps import ServicesDep
from api.notify.links import ACTION_PATH
from api.routes.web import render
from api.usecases import protocol_links
from handoff.errors import InvalidInput

pages = APIRouter(include_in_schema=False)
MAX_FORM_FIELDS = 8
FIELDS = ("read_back", "note", "belongs_to", "to")


@pages.get(ACTION_PATH + "/{token}", response_class=HTMLResponse)
def confirm_page(token: str, request: Request, svc: ServicesDep) -> Response:
    offer = protocol_links.offer(svc, token)
    return render(request, "action.html", {"offer": offer, "token": token, "error": ""})


@pages.post(ACTION_PATH + "/{token}", response_class=HTMLResponse)
async def perform(token: str, request: Request, svc: ServicesDep) -> Response:
    form = await _form(request)
    try:
        done = await run_in_threadpool(
            protocol_links.perform, svc, token, form, address=client_address(request)
        )
    except InvalidInput as exc:  # a missing note: the page again, the link still unused
        offer = await run_in_threadpool(protocol_links.offer, svc, token)
        ctx = {"offer": offer, "token": token, "error": str(exc), "form": form}
        return render(request, "action.html", ctx, status=422)
    return render(request, "action_done.html", {"done": done})


async def _form(request: Request) -> dict[str, str]:
    async with request.form(max_files=0, max_fields=MAX_FORM_FIELDS) as parsed:
        return {k: v for k, v in parsed.items() if k in FIELDS and isinstance(v, str)}
