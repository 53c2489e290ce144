"""The LLM answerer: the model writes the answer from the retrieved facts only, citing them as
[n]; its citations are checked against what was retrieved, and anything it cites that was not
there is dropped. With no valid citation for a claim-bearing answer, the offline answer stands.

The model is any langchain chat model; `api.wiring.llm` builds it from HANDOFF_LLM, the same way as
the extractor's (`summarizer.llm`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from handoff.errors import LLMUnavailable
from search.index import Hit
from search.question import Question

SYSTEM = """You answer questions about a software team's handoffs (end-of-shift wraps).
Use ONLY the numbered facts below. Cite every statement with the fact number in square brackets,
like [2]. Facts marked (current) describe the state now; do not present resolved or superseded
facts as current. If the facts do not answer the question, say plainly that the handoffs do not
say, and mention what they do say nearby. Never add names, dates or details not in the facts.
Answer in at most five sentences."""

_BUT_RE = re.compile(r"\b(?:but|however|although|though|except)\b", re.I)
_MARK_RE = re.compile(r"\[(\d{1,3})\]")
_REFUSAL_RE = re.compile(
    r"\b(?:do not|don't|doesn't|does not|no)\b.{0,40}\b(?:say|mention|"
    r"information|answer|record)",
    re.I,
)


def facts(offline: dict[str, Any], hits: Sequence[Hit], *, extra: int = 4) -> list[dict[str, Any]]:
    """What the model may use: the composer's cited facts (current state) and a few passages."""
    out = [dict(c, current=True) for c in offline.get("citations", [])]
    seen = {(c["handoff_id"], c["quote"]) for c in out}
    for h in hits:
        if len(out) >= len(offline.get("citations", [])) + extra:
            break
        m = h.metadata
        c = {
            "handoff_id": m.get("handoff_id"),
            "author": m.get("author") or None,
            "recorded_at": m.get("recorded_at") or None,
            "quote": str(m.get("quote") or h.text),
            "kind": m.get("kind"),
            "item_id": m.get("item_id"),
            "start_s": m.get("start_s"),
            "current": False,
        }
        if (c["handoff_id"], c["quote"]) not in seen:
            seen.add((c["handoff_id"], c["quote"]))
            out.append(c)
    return out


def prompt(q: Question, offline: dict[str, Any], fact_list: Sequence[dict[str, Any]]) -> str:
    lines = [f"Question: {q.text}"]
    if q.inherited.get("subject"):
        lines.append(f"(Follow-up; the subject is: {q.inherited['subject']})")
    if q.as_of:
        lines.append(f"Answer as things stood at {q.as_of.isoformat()}.")
    lines.append(f"State from the ledger: {offline.get('answer', '')}")
    lines.append("Facts:")
    for i, f in enumerate(fact_list, start=1):
        tag = "current" if f.get("current") else "passage"
        lines.append(
            f"[{i}] ({tag}; {f.get('kind') or 'text'}; {f.get('author') or 'unknown'}, "
            f"{f.get('recorded_at') or 'undated'}) {f['quote']}"
        )
    return "\n".join(lines)


def check_citations(
    text: str, fact_list: Sequence[dict[str, Any]]
) -> tuple[str, list[dict[str, Any]], list[int]]:
    """Renumber the model's [n] marks to the facts it really cited; drop marks pointing nowhere."""
    order: dict[int, int] = {}
    dropped: list[int] = []

    def renumber(m: re.Match[str]) -> str:
        n = int(m.group(1))
        if not 1 <= n <= len(fact_list):
            dropped.append(n)
            return ""
        order.setdefault(n, len(order) + 1)
        return f"[{order[n]}]"

    cleaned = re.sub(r"\s+([.,;])", r"\1", _MARK_RE.sub(renumber, text)).strip()
    cites = [
        {k: v for k, v in fact_list[n - 1].items() if k != "current"}
        for n, _ in sorted(order.items(), key=lambda kv: kv[1])
    ]
    return cleaned, cites, dropped


def _only_refusal(answer: str) -> bool:
    """An uncited answer that only says the handoffs do not say. "They do not say, but X is
    blocked by Y" is a refusal followed by an uncited claim (a small model's habit), not one."""
    if not _REFUSAL_RE.search(answer) or _BUT_RE.search(answer):
        return False
    return len(re.findall(r"[.!?](?:\s|$)", answer.strip())) <= 1


class LLMAnswerer:
    """Wraps a langchain chat model."""

    def __init__(self, model: Any, *, name: str) -> None:
        self.model = model
        self.name = name

    def _messages(
        self, q: Question, offline: dict[str, Any], fact_list: list[dict[str, Any]]
    ) -> Any:
        return [("system", SYSTEM), ("human", prompt(q, offline, fact_list))]

    def _finish(
        self, text: str, offline: dict[str, Any], fact_list: list[dict[str, Any]]
    ) -> dict[str, Any]:
        answer, cites, dropped = check_citations(text, fact_list)
        result: dict[str, Any] = {"answer": answer, "citations": cites, "answered_by": self.name}
        if dropped:
            result["dropped_citations"] = dropped
        if not cites and fact_list and not _only_refusal(answer):
            # Claims with no checkable source are not shown; the ledger's answer stands.
            return dict(offline, answered_by="offline", llm_rejected="no valid citations")
        return result

    def answer(self, q: Question, offline: dict[str, Any], hits: Sequence[Hit]) -> dict[str, Any]:
        fact_list = facts(offline, hits)
        try:
            reply = self.model.invoke(self._messages(q, offline, fact_list))
        except Exception as exc:
            raise LLMUnavailable(
                f"The language model ({self.name}) failed: {exc.__class__.__name__}; "
                "check HANDOFF_LLM and HANDOFF_LLM_BASE_URL."
            ) from exc
        return self._finish(_text(reply), offline, fact_list)

    def stream(
        self, q: Question, offline: dict[str, Any], hits: Sequence[Hit]
    ) -> Iterator[dict[str, Any]]:
        fact_list = facts(offline, hits)
        parts: list[str] = []
        try:
            for chunk in self.model.stream(self._messages(q, offline, fact_list)):
                piece = _text(chunk)
                if piece:
                    parts.append(piece)
                    yield {"type": "token", "text": piece}
        except Exception as exc:
            raise LLMUnavailable(
                f"The language model ({self.name}) failed: {exc.__class__.__name__}; "
                "check HANDOFF_LLM and HANDOFF_LLM_BASE_URL."
            ) from exc
        yield {"type": "done", **self._finish("".join(parts), offline, fact_list)}


def _text(message: Any) -> str:
    content = getattr(message, "content", message)
    if isinstance(content, list):
        return "".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in content)
    return str(content or "")
