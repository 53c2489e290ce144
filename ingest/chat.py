"""Chat threads in, one transcript segment per message out (speaker and time), so evidence can
point at the message it came from.

Two kinds of source:
- a Slack workspace export, zipped or unpacked (`channels.json`, `users.json`, one folder per
  channel with one JSON file per day): user ids become names, mentions are resolved, joins, bots,
  file shares and deleted messages are dropped, and thread replies follow their parent even when
  they were written on a later day;
- a plain chat log: `[hh:mm] name: text`, IRC's `<nick> text` (optionally after a
  `channel YYYY-MM-DD` prefix, as in meeting-bot logs), with continuation lines joined.
"""

from __future__ import annotations

import html
import re
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import Any

from ingest.archive import ExportLimits, ExportReader
from ingest.errors import ChatImportError
from ingest.transcript import Segment, Transcript


@dataclass(frozen=True, slots=True)
class ChatOptions:
    """Which part of an export to read: one channel (by name) and a time range (aware datetimes)."""

    channel: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def to_json(self) -> dict[str, str]:
        """The choices made, for storing with the handoff (empty when nothing was chosen)."""
        out = {"channel": self.channel} if self.channel else {}
        out |= {k: v.isoformat() for k, v in (("since", self.since), ("until", self.until)) if v}
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> ChatOptions:
        data = data or {}
        since, until = data.get("since"), data.get("until")
        return cls(
            channel=data.get("channel"),
            since=datetime.fromisoformat(since) if since else None,
            until=datetime.fromisoformat(until) if until else None,
        )

    def keeps(self, at: datetime | None) -> bool:
        if at is None:
            return True
        if self.since is not None and at < self.since:
            return False
        return not (self.until is not None and at > self.until)


# --------------------------------------------------------------------------- Slack exports

_DAY_FILE = re.compile(r"^\d{4}-\d{2}-\d{2}\.json$")
# Subtypes that are not something a person said to the team.
_NOISE_SUBTYPES = frozenset(
    {
        "channel_join",
        "channel_leave",
        "group_join",
        "group_leave",
        "bot_message",
        "bot_add",
        "bot_remove",
        "bot_enable",
        "bot_disable",
        "file_share",
        "file_comment",
        "file_mention",
        "pinned_item",
        "unpinned_item",
        "channel_topic",
        "channel_purpose",
        "channel_name",
        "channel_archive",
        "channel_unarchive",
        "group_topic",
        "group_purpose",
        "reminder_add",
        "message_deleted",
        "tombstone",
        "sh_room_created",
        "joiner_notification",
    }
)
_DELETED_TEXT = {"This message was deleted.", "This message was deleted"}


def is_slack_export(path: Path) -> bool:
    """A zip or folder holding channels.json/users.json, or channel folders of day files."""
    try:
        if path.is_file():
            if not zipfile.is_zipfile(path):
                return False
            with zipfile.ZipFile(path) as zf:
                names = zf.namelist()
        elif path.is_dir():
            names = [p.relative_to(path).as_posix() for p in path.rglob("*.json")]
        else:
            return False
    except (OSError, zipfile.BadZipFile):
        return False
    return any(
        PurePosixPath(n).name in {"channels.json", "users.json"}
        or _DAY_FILE.match(PurePosixPath(n).name) is not None
        for n in names
    )


def load_slack_export(
    path: Path, options: ChatOptions | None = None, limits: ExportLimits = ExportLimits()
) -> Transcript:
    """The chosen channel and range of a Slack export as one transcript, read within `limits`
    (bytes unpacked, compression ratio, files, messages: see `ingest.archive`)."""
    options = options or ChatOptions()
    try:
        export = ExportReader(path, limits)
    except zipfile.BadZipFile as exc:
        raise ChatImportError(f"{path.name} is not a readable zip file.") from exc
    try:
        users = _user_names(export.items("users.json"))
        channels = _channel_folders(export)
        if options.channel is not None:
            wanted = options.channel.lstrip("#")
            if wanted not in channels:
                known = ", ".join(sorted(channels)) or "none"
                raise ChatImportError(
                    f"The Slack export has no channel named {wanted!r} (channels: {known})."
                )
            channels = {wanted: channels[wanted]}
        segments: list[Segment] = []
        count = 0
        for name in sorted(channels):
            kept: dict[str, dict[str, Any]] = {}
            for day_file in channels[name]:
                if _day_may_hold(day_file, options):
                    _keep(export.items(day_file), options, kept)
                    limits.check_messages(count + len(kept), path.name)
            count += len(kept)
            segments.extend(_channel_segments(name, kept, users, options))
    finally:
        export.close()
    if not segments:
        raise ChatImportError(f"{path.name} holds no messages from people in the chosen range.")
    return Transcript.from_segments(segments, engine="slack-export", source_kind="chat")


def _day_may_hold(name: str, options: ChatOptions) -> bool:
    """Whether a day file (`channel/YYYY-MM-DD.json`, dated in the workspace's time zone) can
    hold messages in the chosen range; files a day or more outside it are not read at all, so
    choosing a range of a large export costs only that range."""
    try:
        day = date.fromisoformat(PurePosixPath(name).name[:10])
    except ValueError:
        return True  # not a real date: read it, and let each message's time decide
    if options.since is not None and day < options.since.date() - timedelta(days=1):
        return False
    return not (options.until is not None and day > options.until.date() + timedelta(days=1))


def _user_names(users: Iterable[Any]) -> dict[str, str]:
    names: dict[str, str] = {}
    for user in users:
        if not isinstance(user, dict) or "id" not in user:
            continue
        profile = user.get("profile") or {}
        names[user["id"]] = (
            profile.get("real_name")
            or user.get("real_name")
            or profile.get("display_name")
            or user.get("name")
            or user["id"]
        )
    return names


def _channel_folders(export: ExportReader) -> dict[str, list[str]]:
    folders: dict[str, list[str]] = defaultdict(list)
    for name in export.names:
        parts = PurePosixPath(name).parts
        if len(parts) == 2 and _DAY_FILE.match(parts[1]):
            folders[parts[0]].append(name)
    return {k: sorted(v) for k, v in folders.items()}


def _keep(messages: Iterable[Any], options: ChatOptions, kept: dict[str, dict[str, Any]]) -> None:
    """Add a day file's messages from people in the chosen range to `kept` (by timestamp, so an
    edit replaces what it edits); the rest is dropped as it is parsed, so memory follows what
    is kept, and the caller can stop counting at the limit."""
    for msg in messages:
        if not isinstance(msg, dict):
            continue
        if msg.get("subtype") == "message_changed" and isinstance(msg.get("message"), dict):
            msg = {**msg["message"], "ts": msg["message"].get("ts", msg.get("ts"))}
        if _is_noise(msg):
            continue
        try:
            at = datetime.fromtimestamp(float(msg["ts"]), tz=UTC)
        except (TypeError, ValueError, OverflowError, OSError):
            continue  # no usable time: not a message a person wrote
        if options.keeps(at):
            kept[str(msg["ts"])] = msg


def _channel_segments(
    channel: str, kept: dict[str, dict[str, Any]], users: dict[str, str], options: ChatOptions
) -> list[Segment]:
    """Kept messages in order, each thread's replies right after their parent."""
    threads: dict[str, list[dict[str, Any]]] = defaultdict(list)
    roots: list[dict[str, Any]] = []
    for ts, msg in sorted(kept.items(), key=lambda kv: float(kv[0])):
        parent = str(msg.get("thread_ts") or ts)
        if parent != ts and parent in kept:
            threads[parent].append(msg)
        else:
            roots.append(msg)  # a parent, or a reply whose parent was deleted or is out of range
    out: list[Segment] = []
    for root in roots:
        for msg in (root, *threads.get(str(root["ts"]), [])):
            at = datetime.fromtimestamp(float(msg["ts"]), tz=UTC)
            if not options.keeps(at):
                continue
            text = resolve_slack_markup(str(msg.get("text", "")), users)
            if not text.strip():
                continue
            thread = msg.get("thread_ts")
            out.append(
                Segment(
                    text=text,
                    speaker=_speaker(msg, users),
                    at=at,
                    room=channel,
                    thread_id=str(thread) if thread else None,
                )
            )
    return out


def _is_noise(msg: dict[str, Any]) -> bool:
    if msg.get("type", "message") != "message" or "ts" not in msg:
        return True
    if msg.get("subtype") in _NOISE_SUBTYPES or (msg.get("bot_id") and not msg.get("user")):
        return True
    if msg.get("hidden") or msg.get("is_deleted"):
        return True
    text = str(msg.get("text", "")).strip()
    return text in _DELETED_TEXT or (not text and not msg.get("attachments"))


def _speaker(msg: dict[str, Any], users: dict[str, str]) -> str:
    uid = msg.get("user")
    if uid and uid in users:
        return users[uid]
    profile = msg.get("user_profile") or {}
    return str(
        profile.get("real_name")
        or profile.get("display_name")
        or msg.get("username")
        or uid
        or "unknown"
    )


_SLACK_LINK = re.compile(r"<([^<>|]+)(?:\|([^<>]*))?>")


def resolve_slack_markup(text: str, users: dict[str, str]) -> str:
    """`<@U1>` -> `@Name`, `<#C1|dev>` -> `#dev`, `<url|label>` -> `label (url)`; entities
    unescaped."""

    def repl(m: re.Match[str]) -> str:
        target, label = m[1], m[2]
        if target.startswith("@"):
            return "@" + (users.get(target[1:]) or label or target[1:])
        if target.startswith("#"):
            return "#" + (label or target[1:])
        if target.startswith("!"):
            return "@" + (label or target[1:].split("^")[0])
        return f"{label} ({target})" if label and label != target else target

    return html.unescape(_SLACK_LINK.sub(repl, text)).strip()


# --------------------------------------------------------------------------- plain chat logs

_PREFIX = r"(?:(?P<room>[#\w.-]+)\s+)?(?:(?P<date>\d{4}-\d{2}-\d{2})[ T]?)?\s*"
_CLOCK = r"[\[(]?(?P<clock>\d{1,2}:\d{2}(?::\d{2})?)(?:\s*[AaPp][Mm])?[\])]?"
_PLAIN = re.compile(_PREFIX + _CLOCK + r"\s+(?P<name>[^\s:<>][^:<>]{0,40}?):\s+(?P<text>.*)$")
_IRC = re.compile(
    "^" + _PREFIX + r"(?:" + _CLOCK + r"\s+)?<[@+%~&]?(?P<name>[^<>\s]+)>\s?(?P<text>.*)$"
)
_IRC_ACTION = re.compile(
    "^" + _PREFIX + r"(?:" + _CLOCK + r"\s+)?\*\s+(?P<name>\S+)\s+(?P<text>.*)$"
)
_IRC_NOISE = re.compile(r"^(?:.*\s)?(?:===|-->|<--|--|\*\*\*)\s|has (?:joined|quit|left)\b", re.I)


@dataclass(slots=True)
class _Line:
    name: str
    text: str
    at: datetime | None
    clock: str | None
    room: str | None


def _parse_line(line: str) -> _Line | None:
    for pattern in (_IRC, _PLAIN, _IRC_ACTION):
        m = pattern.match(line)
        if m is None:
            continue
        if pattern is _PLAIN and not m["name"].strip():
            continue
        groups = m.groupdict()
        date, clock = groups.get("date"), groups.get("clock")
        at = None
        if date and clock:
            fmt = "%Y-%m-%d %H:%M:%S" if clock.count(":") == 2 else "%Y-%m-%d %H:%M"
            try:
                at = datetime.strptime(f"{date} {clock}", fmt).replace(tzinfo=UTC)
            except ValueError:
                at = None
        text = m["text"].strip()
        if pattern is _IRC_ACTION:
            text = f"* {m['name']} {text}"
        return _Line(m["name"].strip(), text, at, clock, groups.get("room"))
    return None


def looks_like_chat_log(text: str) -> bool:
    """Most non-blank lines start like a chat message (at least two of them)."""
    lines = [ln for ln in text.splitlines()[:400] if ln.strip()]
    hits = sum(1 for ln in lines if _parse_line(ln) is not None or _IRC_NOISE.search(ln))
    return hits >= 2 and hits >= 0.6 * len(lines)


def chat_lines(text: str) -> Iterator[_Line]:
    current: _Line | None = None
    for raw in text.splitlines():
        line = raw.rstrip()
        if not line.strip():
            continue
        parsed = _parse_line(line)
        if parsed is None:
            if _IRC_NOISE.search(line):
                continue
            if current is not None:  # a continuation of the previous message
                current.text = f"{current.text}\n{line.strip()}"
            continue
        if current is not None:
            yield current
        current = parsed
    if current is not None:
        yield current


def load_chat_log(
    text: str,
    options: ChatOptions | None = None,
    *,
    name: str = "log",
    limits: ExportLimits = ExportLimits(),
) -> Transcript:
    options = options or ChatOptions()
    segments = [
        Segment(text=ln.text, speaker=ln.name, at=ln.at, clock=ln.clock, room=ln.room)
        for ln in chat_lines(text)
        if ln.text.strip()
        and options.keeps(ln.at)
        and (options.channel is None or ln.room is None or ln.room.lstrip("#") == options.channel)
    ]
    if not segments:
        raise ChatImportError(f"{name} holds no chat messages in the chosen range.")
    limits.check_messages(len(segments), name)
    return Transcript.from_segments(segments, engine="chat-log", source_kind="chat")
