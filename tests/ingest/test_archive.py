"""Chat exports are read within their limits: bytes actually decompressed, compression ratio,
number of files and messages; reading stops at the limit, whatever the zip claims."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from ingest.archive import CHUNK, ExportLimits, ExportReader, ExportTooLarge
from ingest.chat import load_chat_log, load_slack_export


def export(path: Path, *, days: int = 1, per_day: int = 3, pad: int = 0) -> Path:
    users = [{"id": "U1", "name": "maya", "profile": {"real_name": "Maya"}}]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("users.json", json.dumps(users))
        zf.writestr("channels.json", json.dumps([{"name": "ops"}]))
        for d in range(days):
            msgs = [
                {"type": "message", "user": "U1", "text": f"note {d}-{i}" + " " * pad,
                 "ts": f"{1700000000 + d * 86400 + i}.0"}
                for i in range(per_day)
            ]  # fmt: skip
            zf.writestr(f"ops/2023-11-{14 + d:02d}.json", json.dumps(msgs))
    return path


def test_a_small_export_reads_whole(tmp_path: Path) -> None:
    limits = ExportLimits(max_bytes=10_000, max_ratio=100, max_files=10, max_messages=10)
    t = load_slack_export(export(tmp_path / "e.zip", days=2), limits=limits)
    assert len(t.segments) == 6 and t.segments[0].speaker == "Maya"


def test_a_zip_bomb_is_abandoned_at_the_byte_limit(tmp_path: Path) -> None:
    bomb = export(tmp_path / "bomb.zip", per_day=1)
    with zipfile.ZipFile(bomb, "a", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("ops/2023-11-20.json", b"[" + b" " * (50 * 1024 * 1024) + b"]")
    assert bomb.stat().st_size < 100_000
    reader = ExportReader(bomb, ExportLimits(max_bytes=2 * 1024 * 1024))
    with pytest.raises(ExportTooLarge, match="HANDOFF_MAX_EXPORT_BYTES") as err:
        reader.read("ops/2023-11-20.json")
    assert err.value.status_code == 413
    assert reader.read_bytes <= 2 * 1024 * 1024 + CHUNK  # it stopped there, not at 50 MB
    with pytest.raises(ExportTooLarge, match="HANDOFF_MAX_EXPORT_RATIO"):
        load_slack_export(bomb, limits=ExportLimits(max_ratio=100))


def test_too_many_files_are_refused_before_any_is_read(tmp_path: Path) -> None:
    many = export(tmp_path / "many.zip", days=12)
    with pytest.raises(ExportTooLarge, match="HANDOFF_MAX_EXPORT_FILES"):
        ExportReader(many, ExportLimits(max_files=10))


def test_a_folder_export_has_the_same_limits(tmp_path: Path) -> None:
    folder = tmp_path / "unpacked"
    with zipfile.ZipFile(export(tmp_path / "e.zip", days=3, pad=500)) as zf:
        zf.extractall(folder)
    with pytest.raises(ExportTooLarge, match="HANDOFF_MAX_EXPORT_BYTES"):
        load_slack_export(folder, limits=ExportLimits(max_bytes=2000))
    with pytest.raises(ExportTooLarge, match="HANDOFF_MAX_EXPORT_FILES"):
        load_slack_export(folder, limits=ExportLimits(max_files=3))
    assert len(load_slack_export(folder).segments) == 9


def test_messages_are_counted_in_the_chosen_range(tmp_path: Path) -> None:
    path = export(tmp_path / "e.zip", days=3, per_day=4)
    with pytest.raises(ExportTooLarge, match="HANDOFF_MAX_CHAT_MESSAGES"):
        load_slack_export(path, limits=ExportLimits(max_messages=10))
    log = "".join(f"[09:{i:02d}] maya: note {i}\n" for i in range(12))
    with pytest.raises(ExportTooLarge, match="HANDOFF_MAX_CHAT_MESSAGES"):
        load_chat_log(log, limits=ExportLimits(max_messages=11))
    assert len(load_chat_log(log, limits=ExportLimits(max_messages=12)).segments) == 12


def test_a_damaged_member_is_one_sentence(tmp_path: Path) -> None:
    path = export(tmp_path / "e.zip")
    data = bytearray(path.read_bytes())
    start = data.index(b"ops/2023-11-14.json") + len("ops/2023-11-14.json")
    data[start : start + 40] = bytes(40)  # the first member's compressed bytes zeroed
    path.write_bytes(bytes(data))
    from ingest.errors import ChatImportError

    with pytest.raises(ChatImportError, match=r"damaged|not valid JSON"):
        load_slack_export(path)


def test_a_range_reads_only_its_days(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from ingest.chat import ChatOptions

    path = export(tmp_path / "e.zip", days=10, per_day=3, pad=2000)
    small = ExportLimits(max_bytes=20_000)
    with pytest.raises(ExportTooLarge, match="HANDOFF_MAX_EXPORT_BYTES"):
        load_slack_export(path, limits=small)
    day = datetime(2023, 11, 20, tzinfo=UTC)  # the seventh day file (14 + 6)
    t = load_slack_export(path, ChatOptions(since=day, until=day.replace(hour=23)), small)
    assert [s.text.split()[1] for s in t.segments] == ["6-0", "6-1", "6-2"]


def _declare_size(path: Path, member: str, size: int) -> None:
    """Rewrite the uncompressed size the zip's central directory states for `member`."""
    data = bytearray(path.read_bytes())
    name = member.encode()
    at = data.rindex(b"PK\x01\x02", 0, data.rindex(name))  # its central directory entry
    data[at + 24 : at + 28] = size.to_bytes(4, "little")
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("declared", [100, 0xFFFFFFFE])
def test_the_declared_size_is_not_trusted(tmp_path: Path, declared: int) -> None:
    from ingest.errors import ChatImportError

    path = export(tmp_path / "e.zip", per_day=1)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("ops/2023-11-20.json", b"[" + b" " * (4 * 1024 * 1024) + b"]")
    _declare_size(path, "ops/2023-11-20.json", declared)
    reader = ExportReader(path, ExportLimits(max_bytes=1024 * 1024))
    with pytest.raises(ChatImportError):  # cut short and damaged, or past the limit
        load_slack_export(path, limits=ExportLimits(max_bytes=1024 * 1024))
    with pytest.raises((ExportTooLarge, zipfile.BadZipFile)):
        reader.read("ops/2023-11-20.json")
    assert reader.read_bytes <= 1024 * 1024 + CHUNK


def test_the_member_count_is_read_from_the_end_record(tmp_path: Path) -> None:
    from ingest.archive import check_zip_entries, zip_entries

    many = tmp_path / "many.zip"
    with zipfile.ZipFile(many, "w", zipfile.ZIP_STORED) as zf:
        for i in range(70_000):  # past 65,535: the count is in the zip64 record
            zf.writestr(f"f/{i}", b"")
    assert zip_entries(many) == (70_000, 70_000 * 46 + sum(len(f"f/{i}") for i in range(70_000)))
    stated = zip_entries(export(tmp_path / "e.zip", days=2))
    assert stated is not None and stated[0] == 4
    (tmp_path / "note.txt").write_text("not a zip")
    assert zip_entries(tmp_path / "note.txt") is None
    with pytest.raises(ExportTooLarge, match="more than 10,000 files"):
        check_zip_entries(many, ExportLimits(max_files=10_000))
    # An end record that understates the count still states the directory's size.
    data = bytearray(many.read_bytes())
    record = data.rindex(b"PK\x06\x06")
    data[record + 24 : record + 40] = (1).to_bytes(8, "little") * 2  # "one member"
    many.write_bytes(bytes(data))
    assert zip_entries(many) == (1, 70_000 * 46 + sum(len(f"f/{i}") for i in range(70_000)))
    with pytest.raises(ExportTooLarge, match="HANDOFF_MAX_EXPORT_FILES"):
        check_zip_entries(many, ExportLimits(max_files=100))
