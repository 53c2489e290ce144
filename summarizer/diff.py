"""What the LLM changed from the offline pass: the differences between two drafts of one wrap.

In hybrid drafting (`api.usecases.refining`) the offline draft is stored first and the LLM's
arrives later; the reviewer is shown what the second pass added, removed and changed, so they can
judge the model rather than read the whole draft again. Pure: two declarations in, a JSON-able
record out; nothing here knows where either came from.

Items of a part are paired when they say the same thing (similar words) or cite the same words of
the transcript (overlapping evidence quotes); each pair is compared on the fields that carry
meaning a reviewer acts on (status, owner, needed_from, rationale, ...), not on wording. Items left
unpaired were added or removed. Missing flags are compared through the pairing, so a flag moving
from `blockers[2]` to `blockers[0]` is not a change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

from handoff.declaration import PARTS, Declaration, MissingFlag, Part, PartItem

#: The item fields compared, in the order they are reported; a part compares those its items have.
COMPARED: tuple[str, ...] = ("status", "owner", "needed_from", "rationale", "why_blocking", "refs")
#: Below this score two items are not the same item.
PAIR_AT = 0.5
_FLAG = re.compile(r"^(?P<part>[a-z_]+)\[(?P<index>\d+)\](?:\.(?P<attr>\w+))?$")
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    offline: Any
    llm: Any

    def to_json(self) -> dict[str, Any]:
        return {"field": self.field, "offline": self.offline, "llm": self.llm}


@dataclass(frozen=True, slots=True)
class ItemChange:
    """One item the LLM added, removed or changed. Indexes point into each draft's part."""

    part: str
    change: str  # added | removed | changed
    text: str
    offline_index: int | None = None
    llm_index: int | None = None
    offline_text: str | None = None
    fields: tuple[FieldChange, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "part": self.part,
            "change": self.change,
            "text": self.text,
            "offline_index": self.offline_index,
            "llm_index": self.llm_index,
            "offline_text": self.offline_text,
            "fields": [f.to_json() for f in self.fields],
        }


@dataclass(frozen=True, slots=True)
class DraftChanges:
    items: tuple[ItemChange, ...] = ()
    returns_at: tuple[FieldChange, ...] = ()
    missing_resolved: tuple[MissingFlag, ...] = ()
    missing_raised: tuple[MissingFlag, ...] = ()
    stated_empty: tuple[FieldChange, ...] = ()

    @property
    def count(self) -> int:
        return (
            len(self.items)
            + len(self.returns_at)
            + len(self.missing_resolved)
            + len(self.missing_raised)
            + len(self.stated_empty)
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "items": [c.to_json() for c in self.items],
            "returns_at": [c.to_json() for c in self.returns_at],
            "missing": {
                "resolved": [f.model_dump() for f in self.missing_resolved],
                "raised": [f.model_dump() for f in self.missing_raised],
            },
            "stated_empty": [c.to_json() for c in self.stated_empty],
        }


def diff_drafts(offline: Declaration, llm: Declaration) -> DraftChanges:
    """What `llm` says differently from `offline` (see the module's docstring)."""
    items: list[ItemChange] = []
    pairs: dict[str, dict[int, int]] = {}
    for part in PARTS:
        before, after = part.items(offline), part.items(llm)
        pairs[part.name] = pair_items(part, before, after)
        items.extend(_part_changes(part, before, after, pairs[part.name]))
    resolved, raised = _flag_changes(offline.missing, llm.missing, pairs)
    return DraftChanges(
        items=tuple(items),
        returns_at=_returns_changes(offline, llm),
        missing_resolved=resolved,
        missing_raised=raised,
        stated_empty=_changed(
            "stated_empty", sorted(offline.stated_empty), sorted(llm.stated_empty)
        ),
    )


# -- pairing ---------------------------------------------------------------------------------------
def pair_items(part: Part, before: list[PartItem], after: list[PartItem]) -> dict[int, int]:
    """Offline index -> LLM index of the items that are the same item, best pairs first."""
    scored = sorted(
        (
            (_similarity(part, a, b), i, j)
            for i, a in enumerate(before)
            for j, b in enumerate(after)
        ),
        key=lambda s: (-s[0], s[1], s[2]),
    )
    paired: dict[int, int] = {}
    taken: set[int] = set()
    for score, i, j in scored:
        if score < PAIR_AT:
            break
        if i not in paired and j not in taken:
            paired[i] = j
            taken.add(j)
    return paired


def _similarity(part: Part, a: PartItem, b: PartItem) -> float:
    words = _text_similarity(_text(part, a), _text(part, b))
    quotes = 0.5 if _quotes_overlap(a, b) else 0.0
    return words + quotes


def _text_similarity(a: str, b: str) -> float:
    wa, wb = _words(a), _words(b)
    if not wa or not wb:
        return 0.0
    if set(wa) <= set(wb) or set(wb) <= set(wa):
        return 0.9
    jaccard = len(set(wa) & set(wb)) / len(set(wa) | set(wb))
    return max(jaccard, SequenceMatcher(None, " ".join(wa), " ".join(wb)).ratio())


def _quotes_overlap(a: PartItem, b: PartItem) -> bool:
    """Whether the two items cite the same words: one quote contains the other."""
    for qa in (" ".join(_words(e.quote)) for e in a.evidence):
        for qb in (" ".join(_words(e.quote)) for e in b.evidence):
            if qa and qb and (qa in qb or qb in qa):
                return True
    return False


def _words(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def _text(part: Part, item: PartItem) -> str:
    return str(getattr(item, part.text) or "")


# -- comparing -------------------------------------------------------------------------------------
def _part_changes(
    part: Part, before: list[PartItem], after: list[PartItem], paired: dict[int, int]
) -> list[ItemChange]:
    out: list[ItemChange] = []
    for i, a in enumerate(before):
        if i not in paired:
            out.append(ItemChange(part.name, "removed", _text(part, a), offline_index=i))
            continue
        j = paired[i]
        fields = _item_fields(part, a, after[j])
        if fields:
            text, old = _text(part, after[j]), _text(part, a)
            out.append(
                ItemChange(
                    part.name,
                    "changed",
                    text,
                    offline_index=i,
                    llm_index=j,
                    offline_text=old if old != text else None,
                    fields=fields,
                )
            )
    taken = set(paired.values())
    out.extend(
        ItemChange(part.name, "added", _text(part, b), llm_index=j)
        for j, b in enumerate(after)
        if j not in taken
    )
    return out


def _item_fields(part: Part, a: PartItem, b: PartItem) -> tuple[FieldChange, ...]:
    names = [n for n in COMPARED if n in part.model.model_fields]
    return tuple(c for n in names for c in _changed(n, getattr(a, n), getattr(b, n)))


def _changed(name: str, old: Any, new: Any) -> tuple[FieldChange, ...]:
    return () if _same(old, new) else (FieldChange(name, old, new),)


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, list) or isinstance(new, list):
        return {_norm(v) for v in old or []} == {_norm(v) for v in new or []}
    return _norm(old) == _norm(new)


def _norm(value: Any) -> str:
    return " ".join(_words(str(value))) if value not in (None, "") else ""


def _returns_changes(offline: Declaration, llm: Declaration) -> tuple[FieldChange, ...]:
    """The return time as said and as resolved; wording alone is no change when both drafts
    resolved it to the same moment."""
    before, after = _iso(offline), _iso(llm)
    if before is not None and before == after:
        return ()
    said = _changed("returns_at", offline.returns_at, llm.returns_at)
    return said + _changed("returns_at_iso", before, after)


def _iso(decl: Declaration) -> str | None:
    return decl.returns_at_iso.isoformat() if decl.returns_at_iso else None


def _flag_changes(
    offline: list[MissingFlag], llm: list[MissingFlag], pairs: dict[str, dict[int, int]]
) -> tuple[tuple[MissingFlag, ...], tuple[MissingFlag, ...]]:
    """Flags the LLM's draft no longer has (resolved) and flags only it has (raised), matched
    through the item pairing; flags of an item only one draft has go with that item's change."""
    back = {part: {j: i for i, j in p.items()} for part, p in pairs.items()}
    before = {key: f for f in offline if (key := _flag_key(f, pairs)) is not None}
    after = {key: f for f in llm if (key := _flag_key(f, back, llm_side=True)) is not None}
    resolved = tuple(f for key, f in before.items() if key not in after)
    raised = tuple(f for key, f in after.items() if key not in before)
    return resolved, raised


def _flag_key(
    flag: MissingFlag, pairs: dict[str, dict[int, int]], *, llm_side: bool = False
) -> str | None:
    """The flag's field in the offline draft's numbering (None: its item is unpaired)."""
    m = _FLAG.match(flag.field)
    if m is None:
        return flag.field
    index = int(m["index"])
    if llm_side:
        offline_index = pairs.get(m["part"], {}).get(index)
    else:
        offline_index = index if index in pairs.get(m["part"], {}) else None
    if offline_index is None:
        return None
    return f"{m['part']}[{offline_index}]" + (f".{m['attr']}" if m["attr"] else "")
