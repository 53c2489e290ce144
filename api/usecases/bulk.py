"""Importing many wraps at once (`handoff ingest X.jsonl`, the demo, `eval`): each row takes the
path one wrap takes (`posting.ingest_text`, then `lifecycle.publish`), faster: item names are
embedded per batch, and a batch is indexed (after its handoffs are committed) while the next one
is being published."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from typing import TypedDict

from api.usecases import lifecycle, posting
from api.usecases.teams import team_name
from api.wiring.services import Services
from handoff.declaration import Declaration
from handoff.errors import HandoffError
from handoff.limits import DeclarationLimits, check_patch
from handoff.store import Handoff

Result = Handoff | HandoffError


class Row(TypedDict, total=False):
    """One wrap to import; `text` is required, `declaration` skips extraction."""

    text: str
    author: str | None
    team: str | None
    recorded_at: datetime | None
    id: str | None
    declaration: Declaration | None


#: A batch's index update running, its results, and how many rows it had.
_Pending = tuple[Future[int], list[Result], int]


def import_many(
    svc: Services,
    rows: Iterable[Row],
    *,
    publish: bool = False,
    force_reason: str | None = None,
    progress: Callable[[int], None] | None = None,
    batch: int = 64,
) -> Iterator[Result]:
    """Ingest (and publish) many wraps; yields each row's handoff, or the error that stopped
    it, in order. A row's result is what `ingest_text` then `publish` give; a failed row never
    stops the others (a refused publish leaves its draft, as one by one)."""
    pending = list(rows)
    # Indexing a batch (mostly the embedding model) overlaps publishing the next one.
    indexer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-index")
    previous: _Pending | None = None
    try:
        for start in range(0, len(pending), batch):
            chunk = pending[start : start + batch]
            results = _import_batch(svc, chunk, publish=publish, force_reason=force_reason)
            indexed = indexer.submit(
                svc.index.add_handoffs,
                [r for r in results if isinstance(r, Handoff) and r.status != "draft"],
            )
            if previous is not None:
                yield from _indexed(previous, progress)
            previous = (indexed, results, len(chunk))
        if previous is not None:
            yield from _indexed(previous, progress)
    finally:
        indexer.shutdown(wait=True)


def _indexed(batch: _Pending, progress: Callable[[int], None] | None) -> Iterator[Result]:
    indexed, results, size = batch
    indexed.result()  # an index failure stops the import, as it stops `publish`
    if progress is not None:
        progress(size)
    yield from results


def _import_batch(
    svc: Services, chunk: list[Row], *, publish: bool, force_reason: str | None
) -> list[Result]:
    given = [r for r in chunk if r.get("declaration") is not None]
    if publish and given:  # no extraction in between: embed the whole batch's names
        svc.ledger.warm(r.get("declaration") for r in given)
    results: list[Result] = []
    for row in chunk:
        try:
            handoff = _import_one(svc, row)
            if publish:
                if row.get("declaration") is None:
                    svc.ledger.warm([handoff.declaration])
                handoff = lifecycle.publish(
                    svc,
                    handoff.id,
                    team=handoff.team,
                    actor=handoff.author,
                    force_reason=force_reason,
                    index=False,  # per batch, in `import_many`
                )
            results.append(handoff)
        except HandoffError as exc:
            results.append(exc)
    return results


def _import_one(svc: Services, row: Row) -> Handoff:
    team = team_name(svc, row.get("team"))
    declaration = row.get("declaration")
    if declaration is None:
        return posting.ingest_text(
            svc,
            row["text"],
            author=row.get("author"),
            team=team,
            recorded_at=row.get("recorded_at"),
            handoff_id=row.get("id"),
        )
    from ingest.masking import mask_text, mask_value, masked_json
    from ingest.text import transcript_from_text

    posting.check_wrap_text(svc, row["text"])
    declared = row.get("declaration")
    if declared is not None:  # held to the limits an edit is held to
        given = {"author": row.get("author"), **declared.model_dump(mode="json")}
        check_patch(Declaration(), given, DeclarationLimits.from_settings(svc.settings))
    text, masked = mask_text(row["text"], where="wrap")
    data, in_declaration = mask_value(declaration.model_dump(mode="json"), where="declaration")
    return svc.store.create(
        team=team,
        author=row.get("author"),
        recorded_at=row.get("recorded_at"),
        source_kind="text",
        source_text=text,
        transcript=transcript_from_text(text).to_json(),
        declaration=Declaration.model_validate(data),
        handoff_id=row.get("id"),
        actor=row.get("author"),
        masked=masked_json([*masked, *in_declaration]),
    )
