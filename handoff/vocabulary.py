"""A team's vocabulary: its people (name, handle, aliases), item and project names, ticket prefixes.

It is fed to the recognizers (Whisper's prompt, pocketsphinx's language model and dictionary) and
to extraction (so "Shivon" becomes "Siobhan"). It is managed by hand (`handoff vocab ...`), and it
grows by itself from published handoffs (the people and items they name) and from reviewers'
corrections (a misheard name becomes an alias of the right one).

Beside the words, the language the team speaks in its clips (`VocabSettings`): like the words it
is what the recognizers are told about the team (`ingest.asr.base.Hints`), set by a lead, read
with the vocabulary for every clip. It is an ISO 639-1 code or `auto`; unset means English.

Every row carries its team and every query filters by it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import JSON, Index, Integer, String, UniqueConstraint, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from handoff.db import migrate, session_scope
from handoff.declaration import PARTS
from handoff.errors import InvalidInput, NotFound
from handoff.languages import check_language
from handoff.models import Base, utcnow
from handoff.teams import validate_team

TermKind = Literal["item", "project", "ticket_prefix"]
TERM_KINDS: tuple[str, ...] = ("item", "project", "ticket_prefix")


class VocabPerson(Base):
    __tablename__ = "vocab_people"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    handle: Mapped[str | None] = mapped_column(String(200))
    aliases: Mapped[list[Any]] = mapped_column(JSON, default=list)
    source: Mapped[str] = mapped_column(String(20), default="manual")  # manual|published|correction
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("team", "name", name="uq_vocab_people_team_name"),
        Index("ix_vocab_people_team", "team"),
    )


class VocabTerm(Base):
    __tablename__ = "vocab_terms"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    term: Mapped[str] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(String(20), default="manual")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("team", "kind", "term", name="uq_vocab_terms_team_kind_term"),
        Index("ix_vocab_terms_team", "team"),
    )


class VocabSettings(Base):
    """A team's speech settings (migration 0014_speech_language); no row: the defaults."""

    __tablename__ = "vocab_settings"

    team: Mapped[str] = mapped_column(String(100), primary_key=True)
    language: Mapped[str | None] = mapped_column(String(8))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


@dataclass(frozen=True, slots=True)
class PersonEntry:
    name: str
    handle: str | None = None
    aliases: tuple[str, ...] = ()
    source: str = "manual"


@dataclass(frozen=True, slots=True)
class TeamVocabulary:
    """What a team's words are, detached from the database."""

    team: str
    people: tuple[PersonEntry, ...] = ()
    items: tuple[str, ...] = ()
    projects: tuple[str, ...] = ()
    ticket_prefixes: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)
    #: The language the team's clips are in: an ISO 639-1 code, `auto`, or None (English).
    language: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "team": self.team,
            "people": [
                {"name": p.name, "handle": p.handle, "aliases": list(p.aliases), "source": p.source}
                for p in self.people
            ],
            "items": list(self.items),
            "projects": list(self.projects),
            "ticket_prefixes": list(self.ticket_prefixes),
            "language": self.language or "en",
        }

    def person_names(self) -> list[str]:
        return [p.name for p in self.people]

    def is_empty(self) -> bool:
        return not (self.people or self.items or self.projects or self.ticket_prefixes)


_PREFIX = re.compile(r"^[A-Z][A-Z0-9]{1,9}$")
_TICKET_REF = re.compile(r"\b([A-Z][A-Z0-9]{1,9})-\d+\b")


def check_term(kind: str, term: str) -> str:
    """The term as it will be stored (spaces collapsed, prefixes upper-cased), or InvalidInput."""
    if kind not in TERM_KINDS:
        raise InvalidInput(f"A vocabulary term is one of {', '.join(TERM_KINDS)}, not {kind!r}.")
    term = " ".join(term.split())
    if kind == "ticket_prefix":
        term = term.rstrip("-").upper()
        if not _PREFIX.match(term):
            raise InvalidInput(f"{term!r} is not a ticket prefix such as BILL or OPS.")
    if not term:
        raise InvalidInput("A vocabulary term cannot be empty.")
    return term


class VocabularyRepository:
    """Reads and writes team vocabularies. Construct with a database URL; migrates on first use."""

    def __init__(self, url: str) -> None:
        self.url = url
        migrate(url)

    def get(self, team: str) -> TeamVocabulary:
        with session_scope(self.url) as s:
            people = s.scalars(
                select(VocabPerson).where(VocabPerson.team == team).order_by(VocabPerson.name)
            ).all()
            terms = s.scalars(
                select(VocabTerm).where(VocabTerm.team == team).order_by(VocabTerm.term)
            ).all()
            settings = s.get(VocabSettings, team)
            by_kind: dict[str, list[str]] = {k: [] for k in TERM_KINDS}
            for t in terms:
                by_kind.setdefault(t.kind, []).append(t.term)
            return TeamVocabulary(
                team=team,
                people=tuple(
                    PersonEntry(p.name, p.handle, tuple(p.aliases or ()), p.source) for p in people
                ),
                items=tuple(by_kind["item"]),
                projects=tuple(by_kind["project"]),
                ticket_prefixes=tuple(by_kind["ticket_prefix"]),
                language=settings.language if settings else None,
            )

    def set_language(self, team: str, language: str | None) -> str | None:
        """Set the language the team's clips are transcribed in (None: back to English);
        returns it as stored. A value that is not a code Whisper knows nor `auto` is refused."""
        team = validate_team(team)
        code = check_language(language) if language is not None else None
        with session_scope(self.url) as s:
            row = s.get(VocabSettings, team)
            if row is None:
                row = VocabSettings(team=team)
                s.add(row)
            row.language = code
        return code

    def add_person(
        self,
        team: str,
        name: str,
        *,
        handle: str | None = None,
        aliases: tuple[str, ...] | list[str] = (),
        source: str = "manual",
    ) -> PersonEntry:
        """Add someone, or merge the handle and aliases into the entry with that name."""
        team = validate_team(team)
        name = " ".join(name.split())
        if not name:
            raise InvalidInput("A person needs a name.")
        with session_scope(self.url) as s:
            return _upsert_person(s, team, name, handle, list(aliases), source)

    def add_term(self, team: str, kind: str, term: str, *, source: str = "manual") -> str:
        team = validate_team(team)
        term = check_term(kind, term)
        with session_scope(self.url) as s:
            _upsert_term(s, team, kind, term, source)
        return term

    def remove(self, team: str, value: str) -> None:
        """Remove a person (by name) or a term; NotFound when the team has neither."""
        with session_scope(self.url) as s:
            people = s.execute(
                delete(VocabPerson).where(VocabPerson.team == team, VocabPerson.name == value)
            )
            terms = s.execute(
                delete(VocabTerm).where(VocabTerm.team == team, VocabTerm.term == value)
            )
            gone = people.rowcount + terms.rowcount  # type: ignore[attr-defined]
        if not gone:
            raise NotFound(f"The {team} team's vocabulary has no {value!r}.")

    def learn_correction(self, team: str, heard: str, meant: str) -> PersonEntry | None:
        """A reviewer replaced `heard` by `meant`: if `meant` is a known person, `heard` becomes
        one of their aliases (and is heard right next time). Returns the person, or None."""
        heard, meant = " ".join(heard.split()), " ".join(meant.split())
        if not heard or not meant or heard.lower() == meant.lower():
            return None
        with session_scope(self.url) as s:
            person = s.scalars(
                select(VocabPerson).where(VocabPerson.team == team, VocabPerson.name == meant)
            ).first()
            if person is None:
                return None
            return _upsert_person(s, team, meant, None, [heard], "correction")

    def grow_from_declaration(
        self, team: str, declaration: dict[str, Any], *, author: str | None = None
    ) -> None:
        """Learn the people, items and ticket prefixes a published handoff names."""
        people = {author} if author else set()
        items: set[str] = set()
        prefixes: set[str] = set()
        for entry in declaration.get("in_flight") or []:
            if entry.get("item"):
                items.add(str(entry["item"]))
        for part in PARTS:
            who = part.people
            if who is None:
                continue
            for entry in declaration.get(part.name) or []:
                if entry.get(who):
                    people.add(str(entry[who]))
        for match in _TICKET_REF.finditer(str(declaration)):
            prefixes.add(match[1])
        with session_scope(self.url) as s:
            for name in sorted(p for p in people if _plausible_name(p)):
                _upsert_person(s, team, " ".join(name.split()), None, [], "published")
            for item in sorted(items):
                if len(item) <= 300:
                    _upsert_term(s, team, "item", " ".join(item.split()), "published")
            for prefix in sorted(prefixes):
                _upsert_term(s, team, "ticket_prefix", prefix, "published")


def _plausible_name(name: str) -> bool:
    words = name.split()
    return 0 < len(words) <= 4 and all(w[:1].isupper() or w.startswith("@") for w in words)


def _upsert_person(
    s: Session, team: str, name: str, handle: str | None, aliases: list[str], source: str
) -> PersonEntry:
    row = s.scalars(
        select(VocabPerson).where(VocabPerson.team == team, VocabPerson.name == name)
    ).first()
    if row is None:
        row = VocabPerson(team=team, name=name, handle=handle, aliases=[], source=source)
        s.add(row)
    if handle:
        row.handle = handle
    merged = list(dict.fromkeys([*(row.aliases or []), *(a.strip() for a in aliases if a.strip())]))
    row.aliases = [a for a in merged if a.lower() != name.lower()]
    s.flush()
    return PersonEntry(row.name, row.handle, tuple(row.aliases), row.source)


def _upsert_term(s: Session, team: str, kind: str, term: str, source: str) -> None:
    exists = s.scalars(
        select(VocabTerm.id).where(
            VocabTerm.team == team, VocabTerm.kind == kind, VocabTerm.term == term
        )
    ).first()
    if exists is None:
        s.add(VocabTerm(team=team, kind=kind, term=term, source=source))
        s.flush()
