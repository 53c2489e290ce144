"""Chat threads in: the real Slack export and IRC meetings, plus crafted edge cases."""

from __future__ import annotations

import json
import shutil
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ingest.chat import ChatOptions, load_chat_log, resolve_slack_markup
from ingest.errors import ChatImportError, UnsupportedInput
from ingest.loader import detect_kind, load_transcript


@pytest.fixture
def slack_zip(shared_data: Path) -> Path:
    return shared_data / "chat" / "slack-export-viewer" / "testarchive.zip"


def test_real_slack_export(slack_zip: Path) -> None:
    assert detect_kind(slack_zip) == "slack"
    t = load_transcript(slack_zip)
    assert t.source_kind == "chat" and t.engine == "slack-export"
    speakers = {s.speaker for s in t.segments}
    assert {"Hamza Faran", "Harry Potter"} <= speakers  # user ids resolved to names
    assert not any(s.speaker and s.speaker.startswith("U0") for s in t.segments)
    texts = " ".join(s.text for s in t.segments)
    assert "<@" not in texts and "has joined the channel" not in texts  # mentions, joins
    assert "@Harry Potter: Created an issue for a setup.py" in texts
    assert all(s.at is not None and s.room for s in t.segments)
    # Time order within each channel.
    for room in {s.room for s in t.segments}:
        times = [s.at for s in t.segments if s.room == room and s.thread_id is None]
        assert times == sorted(times)  # type: ignore[type-var]


def test_slack_channel_and_time_range(slack_zip: Path) -> None:
    only = load_transcript(slack_zip, chat=ChatOptions(channel="enrique"))
    assert {s.room for s in only.segments} == {"enrique"}
    since = datetime(2016, 3, 1, tzinfo=UTC)
    late = load_transcript(slack_zip, chat=ChatOptions(channel="#enrique", since=since))
    assert late.segments and all(s.at and s.at >= since for s in late.segments)
    assert len(late.segments) < len(only.segments)
    with pytest.raises(ChatImportError, match=r"no channel named 'general'.*enrique"):
        load_transcript(slack_zip, chat=ChatOptions(channel="general"))


def test_unpacked_slack_folder(tmp_path: Path, slack_zip: Path) -> None:
    with zipfile.ZipFile(slack_zip) as zf:
        zf.extractall(tmp_path / "export")
    folder = tmp_path / "export"
    assert detect_kind(folder) == "slack"
    assert len(load_transcript(folder).segments) == len(load_transcript(slack_zip).segments)


def _crafted(tmp_path: Path, *, users: bool = True) -> Path:
    root = tmp_path / "crafted"
    (root / "ops").mkdir(parents=True)
    (root / "channels.json").write_text(json.dumps([{"id": "C1", "name": "ops"}]))
    if users:
        (root / "users.json").write_text(
            json.dumps(
                [
                    {"id": "U1", "name": "siobhan", "profile": {"real_name": "Siobhan Kelly"}},
                    {"id": "U2", "name": "li", "profile": {"real_name": "Li Wei"}},
                ]
            )
        )
    day1 = [
        {
            "type": "message",
            "user": "U1",
            "text": "Deploy is blocked on <@U2>",
            "ts": "1700000000.0001",
            "thread_ts": "1700000000.0001",
            "reply_count": 2,
        },
        {
            "type": "message",
            "subtype": "tombstone",
            "text": "This message was deleted.",
            "ts": "1700000100.0001",
        },
        {
            "type": "message",
            "user": "U2",
            "text": "oops",
            "ts": "1700000200.0001",
            "subtype": "message_deleted",
        },
        {
            "type": "message",
            "user": "U2",
            "text": "Later parent-level note",
            "ts": "1700000300.0001",
            "user_profile": {"real_name": "Li Wei"},
        },
        {
            "type": "message",
            "subtype": "bot_message",
            "bot_id": "B1",
            "text": "CI passed",
            "ts": "1700000400.0001",
        },
        {
            "type": "message",
            "user": "U1",
            "subtype": "file_share",
            "text": "uploaded a file",
            "ts": "1700000500.0001",
        },
    ]
    day2 = [  # a reply written the next day still belongs after its parent
        {
            "type": "message",
            "user": "U2",
            "text": "Unblocked: &lt;see <#C1|ops>&gt;",
            "ts": "1700090000.0001",
            "thread_ts": "1700000000.0001",
            "user_profile": {"real_name": "Li Wei"},
        },
    ]
    (root / "ops" / "2023-11-14.json").write_text(json.dumps(day1))
    (root / "ops" / "2023-11-15.json").write_text(json.dumps(day2))
    return root


def test_crafted_threads_deletions_and_noise(tmp_path: Path) -> None:
    t = load_transcript(_crafted(tmp_path))
    assert [s.text for s in t.segments] == [
        "Deploy is blocked on @Li Wei",
        "Unblocked: <see #ops>",
        "Later parent-level note",
    ]
    assert [s.speaker for s in t.segments] == ["Siobhan Kelly", "Li Wei", "Li Wei"]
    assert t.segments[1].thread_id == "1700000000.0001"


def test_missing_users_json(tmp_path: Path) -> None:
    t = load_transcript(_crafted(tmp_path, users=False))
    # Names from the messages' own profiles where they carry one, the id otherwise.
    assert [s.speaker for s in t.segments] == ["U1", "Li Wei", "Li Wei"]
    assert "@U2" in t.segments[0].text


def test_zip_that_is_not_slack(tmp_path: Path) -> None:
    other = tmp_path / "photos.zip"
    with zipfile.ZipFile(other, "w") as zf:
        zf.writestr("a.txt", "hello")
    with pytest.raises(UnsupportedInput, match="not a Slack export"):
        load_transcript(other)


def test_markup() -> None:
    users = {"U1": "Ana"}
    assert resolve_slack_markup("<@U1> see <https://x.io|the doc> <!here>", users) == (
        "@Ana see the doc (https://x.io) @here"
    )


def test_plain_chat_log_with_continuations(tmp_path: Path) -> None:
    log = tmp_path / "standup.log"
    log.write_text(
        "[09:01] Maya: shipped the rate limiter\n"
        "[09:02] Tomás Ruiz: refund flow is in review\n"
        "   waiting on James for the last approval\n"
        "[09:03] Maya: back tomorrow 9am\n"
    )
    t = load_transcript(log)
    assert t.source_kind == "chat"
    assert [(s.clock, s.speaker) for s in t.segments] == [
        ("09:01", "Maya"),
        ("09:02", "Tomás Ruiz"),
        ("09:03", "Maya"),
    ]
    assert t.segments[1].text.endswith("waiting on James for the last approval")


def test_irc_log(tmp_path: Path) -> None:
    log = tmp_path / "irc.txt"
    log.write_text(
        "<alice> the migration ran fine\n"
        "* bob waves\n"
        "=== carol has joined #ops\n"
        "<@bob> I will take the rollback ticket\n"
    )
    t = load_transcript(log)
    assert [(s.speaker, s.text) for s in t.segments] == [
        ("alice", "the migration ran fine"),
        ("bob", "* bob waves"),
        ("bob", "I will take the rollback ticket"),
    ]


def test_real_irc_meetings(shared_data: Path) -> None:
    path = shared_data / "chat" / "ubuntu-meetings" / "ubuntu-meeting.0.ascii.txt"
    t = load_transcript(path)
    assert t.engine == "chat-log" and len(t.segments) > 1000
    first = t.segments[0]
    assert first.speaker == "rodrigo_" and first.room == "ubuntu-meeting"
    assert first.at == datetime(2010, 11, 8, 13, 21, tzinfo=UTC)
    actions = [s for s in t.segments if s.text.startswith("ACTION received:")]
    assert any("persia to ask the CC for assistance" in s.text for s in actions)
    assert all(s.speaker == "MootBot" for s in actions)


def test_irc_time_range(shared_data: Path) -> None:
    path = shared_data / "chat" / "ubuntu-meetings" / "ubuntu-meeting.0.ascii.txt"
    since = datetime(2010, 11, 9, tzinfo=UTC)
    t = load_chat_log(path.read_text(), ChatOptions(since=since))
    assert t.segments and all(s.at and s.at >= since for s in t.segments)


def test_markdown_notes_are_a_wrap(tmp_path: Path) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text(
        "# Wrap\n\n## Shipped\n- **rate limiter** ([PR](https://x/1790))\n\n## Blockers\n- none\n"
    )
    t = load_transcript(notes)
    assert t.source_kind == "text"
    assert "rate limiter (PR)" in t.text and "**" not in t.text and "https" not in t.text


def test_copied_export_keeps_working(tmp_path: Path, slack_zip: Path) -> None:
    copy = tmp_path / "export-without-extension"
    shutil.copyfile(slack_zip, copy)
    assert detect_kind(copy) == "slack"
