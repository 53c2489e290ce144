"""The team's decision log: read it, and export it as Architecture Decision Records (a folder of
Markdown files for `handoff decisions export --adr DIR`, a zip for the HTTP route).

Links in the ADRs point at HANDOFF_PUBLIC_URL when it is set, so a team's repository can link
back to the handoffs; without it they are paths on the server.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from api.usecases.teams import team_name
from api.wiring.services import Services
from handoff.errors import ConflictError
from handoff.ledger.adr import adr_filename, parse_adr, render_adr
from handoff.ledger.decision_log import LoggedDecision, read_decision_log

#: A fixed timestamp for zip members, so the same log always zips to the same bytes.
_ZIP_TIME = (2000, 1, 1, 0, 0, 0)


@dataclass(frozen=True, slots=True)
class ExportReport:
    written: int
    unchanged: int
    folder: Path


def decision_log(svc: Services, team: str | None) -> list[LoggedDecision]:
    """The team's decisions, oldest first, numbered from 1."""
    with svc.store.session() as session:
        return read_decision_log(session, team_name(svc, team))


def adr_files(log: Sequence[LoggedDecision], *, base_url: str = "") -> dict[str, str]:
    """File name -> Markdown text, one ADR per decision of `log`."""
    by_number = {d.number: d for d in log}
    return {adr_filename(d): render_adr(d, by_number, base_url=base_url) for d in log}


def export_adrs(files: dict[str, str], folder: Path) -> ExportReport:
    """Write the ADRs into `folder` (created if missing). A file of the same name that handoff
    did not write is never overwritten: the export stops with one sentence instead."""
    folder.mkdir(parents=True, exist_ok=True)
    written = unchanged = 0
    for name, text in files.items():
        path = folder / name
        if path.exists():
            old = path.read_text(encoding="utf-8")
            if old == text:
                unchanged += 1
                continue
            _refuse_foreign(path, old)
        path.write_text(text, encoding="utf-8")
        written += 1
    return ExportReport(written=written, unchanged=unchanged, folder=folder)


def _refuse_foreign(path: Path, text: str) -> None:
    try:
        parse_adr(text)
    except ValueError:
        raise ConflictError(
            f"'{path.name}' exists and was not written by handoff; move it or export elsewhere."
        ) from None


def adr_zip(svc: Services, team: str | None) -> bytes:
    """The ADRs as one zip (under a folder named for the team), byte-identical for an unchanged
    log."""
    name = team_name(svc, team)
    files = adr_files(decision_log(svc, name), base_url=svc.settings.public_url or "")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for filename, text in files.items():
            info = zipfile.ZipInfo(f"{name}-decisions/{filename}", date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text)
    return buffer.getvalue()
