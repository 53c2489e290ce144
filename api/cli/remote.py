"""The CLI against a remote server: the one seam between the commands and the HTTP API.

With `HANDOFF_URL` set, the commands that read or change a team's work call the server's own API
with `HANDOFF_TOKEN` as a bearer token, so they act as the token's user (roles, teams, read-only
and the audit log are the server's, exactly as for any other client). Without it they work on
the local database as the operator, as before.

Errors come back as one sentence and exit code 2, like every other CLI error:

    RemoteError (a HandoffError)
    ├── the server's `{"detail": ...}` of a 4xx/5xx, with the status for context
    └── the server cannot be reached (names HANDOFF_URL) or answers something that is not JSON

The token is sent only in the `Authorization` header and never printed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import httpx

from handoff.errors import HandoffError
from handoff.settings import Settings, get_settings

#: The keys of a local `result_json`; remote commands print the same shape.
RESULT_KEYS = ("id", "status", "team", "declaration")
#: The keys of `Handoff.summary_json()`; `show` and `list` print these, as locally.
SUMMARY_KEYS = (
    "id",
    "team",
    "author",
    "recorded_at",
    "status",
    "source_kind",
    "missing",
    "published_at",
    "acknowledged_by",
    "acknowledged_at",
    "created_at",
)


class RemoteError(HandoffError):
    """A remote call failed; `str()` is one sentence for the person at the terminal."""


class RemoteClient:
    """A thin httpx client over the server's `/api`: one method per call the CLI makes."""

    def __init__(
        self,
        base_url: str,
        token: str | None,
        *,
        timeout: float = 60.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(
            base_url=self.base_url,
            headers=headers,
            timeout=httpx.Timeout(timeout, connect=10.0),
            transport=transport,
        )

    def close(self) -> None:
        self._http.close()

    # -- plumbing ---------------------------------------------------------------------------------
    def send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """A successful response of the API; any failure is a RemoteError."""
        try:
            response = self._http.request(method, "/api" + path, **kwargs)
        except httpx.TimeoutException as exc:
            raise RemoteError(f"The server at HANDOFF_URL ({self.base_url}) timed out.") from exc
        except httpx.HTTPError as exc:
            raise RemoteError(
                f"Cannot reach the server at HANDOFF_URL ({self.base_url}): {_reason(exc)}."
            ) from exc
        if response.status_code >= 400:
            raise RemoteError(error_sentence(response))
        return response

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        """The JSON body of a successful call (None for 204); any failure is a RemoteError."""
        response = self.send(method, path, **kwargs)
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError as exc:
            raise RemoteError(
                f"The server at HANDOFF_URL ({self.base_url}) did not answer with JSON; "
                "is it a handoff server?"
            ) from exc

    # -- handoffs ---------------------------------------------------------------------------------
    def post_wrap(self, path: Path, fields: dict[str, str | None]) -> dict[str, Any]:
        """Upload a wrap (any file the server reads: text, clip, chat export); the 202 body."""
        data = {k: v for k, v in fields.items() if v is not None}
        with path.open("rb") as fh:
            return dict(self.call("POST", "/handoffs", data=data, files={"file": (path.name, fh)}))

    def wait_job(
        self,
        job_id: str,
        *,
        progress: Callable[[str, float], None] | None = None,
        poll_s: float = 0.25,
        limit_s: float = 30 * 60,
    ) -> dict[str, Any]:
        """Follow a job until it is done; a failed job is its error, as one sentence."""
        deadline = time.monotonic() + limit_s
        while True:
            job = dict(self.call("GET", f"/jobs/{job_id}"))
            if progress is not None:
                progress(str(job.get("stage") or job["state"]), float(job.get("progress") or 0))
            if job["state"] == "done":
                return job
            if job["state"] == "failed":
                raise RemoteError(str(job.get("error") or "The server could not read the wrap."))
            if time.monotonic() > deadline:
                raise RemoteError(f"Job {job_id} is still running on the server; try again later.")
            time.sleep(poll_s)

    def handoff(self, handoff_id: str) -> dict[str, Any]:
        return dict(self.call("GET", f"/handoffs/{handoff_id}"))

    def audit_trail(self, handoff_id: str) -> list[dict[str, Any]]:
        return list(self.call("GET", f"/handoffs/{handoff_id}/audit"))

    def list_handoffs(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        query = {k: v for k, v in params.items() if v is not None}
        return [summary(h) for h in self.call("GET", "/handoffs", params=query)]

    def publish(self, handoff_id: str, force_reason: str | None) -> dict[str, Any]:
        body = {"force_reason": force_reason}
        return dict(self.call("POST", f"/handoffs/{handoff_id}/publish", json=body))

    def unpublish(self, handoff_id: str) -> dict[str, Any]:
        return dict(self.call("POST", f"/handoffs/{handoff_id}/unpublish"))

    def delete(self, handoff_id: str) -> None:
        self.call("DELETE", f"/handoffs/{handoff_id}")

    def answer(self, handoff_id: str, field: str, text: str) -> dict[str, Any]:
        body = {"field": field, "answer": text}
        return dict(self.call("POST", f"/handoffs/{handoff_id}/answers", json=body))

    def answer_recording(self, handoff_id: str, field: str, clip: Path) -> dict[str, Any]:
        with clip.open("rb") as fh:
            files = {"file": (clip.name, fh)}
            path = f"/handoffs/{handoff_id}/answers/recording"
            return dict(self.call("POST", path, data={"field": field}, files=files))

    def ask(self, body: dict[str, Any]) -> dict[str, Any]:
        return dict(self.call("POST", "/ask", json=body))

    def decisions(self, team: str) -> list[dict[str, Any]]:
        return list(self.call("GET", f"/teams/{team}/decisions"))

    def rollup(self, path: str, params: dict[str, Any]) -> str:
        """A team's (`/teams/T/rollup`) or a pod's (`/pods/P/rollup`) rollup, as the server
        renders it (`format` json or markdown)."""
        query = {k: v for k, v in params.items() if v is not None}
        return self.send("GET", path, params=query).text

    # -- vocabulary -------------------------------------------------------------------------------
    def vocabulary(self, team: str) -> dict[str, Any]:
        return dict(self.call("GET", f"/teams/{team}/vocabulary"))

    def vocabulary_call(self, method: str, team: str, tail: str, body: Any = None) -> Any:
        return self.call(method, f"/teams/{team}/vocabulary{tail}", json=body)


def result(handoff: dict[str, Any]) -> dict[str, Any]:
    """The API's handoff in the shape a local command prints (`{id, status, team, declaration}`,
    and `masked` when secrets were masked out of it)."""
    out = {k: handoff.get(k) for k in RESULT_KEYS}
    return out | ({"masked": handoff["masked"]} if handoff.get("masked") else {})


def summary(handoff: dict[str, Any]) -> dict[str, Any]:
    return {k: handoff.get(k) for k in SUMMARY_KEYS}


def error_sentence(response: httpx.Response) -> str:
    """The server's `{"detail"}` as one sentence; FastAPI's validation list becomes its first
    message, and a body that is not JSON becomes the status line."""
    try:
        detail = response.json().get("detail")
    except (ValueError, AttributeError):
        detail = None
    if isinstance(detail, list) and detail and isinstance(detail[0], dict):
        first = detail[0]
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        detail = f"{where}: {first.get('msg')}" if where else first.get("msg")
    if not isinstance(detail, str) or not detail.strip():
        detail = f"The server answered {response.status_code} {response.reason_phrase}."
    elif response.status_code == 401:
        detail = f"{detail.rstrip('.')} (check HANDOFF_TOKEN)."
    return detail.strip()


def _reason(exc: httpx.HTTPError) -> str:
    text = str(exc).strip().rstrip(".")
    return text or type(exc).__name__


def remote(settings: Settings | None = None) -> RemoteClient | None:
    """The client when `HANDOFF_URL` is set, else None: the one place a command asks which way
    to go."""
    settings = settings or get_settings()
    if not settings.url:
        return None
    token = settings.token.get_secret_value() if settings.token else None
    if not token:
        raise RemoteError(
            "HANDOFF_URL is set but HANDOFF_TOKEN is not; create one with "
            "`handoff tokens create` on the server (or unset HANDOFF_URL)."
        )
    client = RemoteClient(settings.url, token)
    ctx = click.get_current_context(silent=True)
    if ctx is not None:  # the connection is closed when the command ends
        ctx.find_root().call_on_close(client.close)
    return client


def refuse_remote(command: str) -> None:
    """Operator and server commands work on this machine's data only; with HANDOFF_URL set that
    would silently be the wrong data, so they refuse."""
    if get_settings().url:
        raise RemoteError(
            f"`handoff {command}` works on the server's own machine only; unset HANDOFF_URL "
            "to run it here."
        )
