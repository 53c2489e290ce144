"""Reading a chat export (a zip or its folder) within limits, so a small zip that unpacks to
gigabytes costs no more than the limits allow.

A zip member's declared size is the zip's own claim and may lie, so it is never trusted: each
member is opened and read in chunks, counting the bytes actually decompressed, and the read is
abandoned (`ExportTooLarge`) as soon as

- the export's members together pass `max_bytes` (HANDOFF_MAX_EXPORT_BYTES), or
- one member has decompressed to more than `max_ratio` times its compressed size
  (HANDOFF_MAX_EXPORT_RATIO; members under `RATIO_FLOOR` bytes are not held to it, as tiny JSON
  files compress well), or
- the export has more than `max_files` members (HANDOFF_MAX_EXPORT_FILES), checked from the
  count the zip's end record states (`zip_entries`) before its directory is parsed at all, so a
  zip of a million empty members costs no more than reading its last 64 KiB.

A folder is held to the same byte and file limits, counted as its files are read.

`ExportReader.items(name)` parses a member's top-level JSON array as a stream (ijson), one
element at a time, so the memory an export costs follows the messages kept from it, not the
size of its largest file.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

from ingest.errors import ChatImportError

CHUNK = 64 * 1024
RATIO_FLOOR = 1024 * 1024
"""Bytes a member may decompress to before its compression ratio is looked at."""


class ExportTooLarge(ChatImportError):
    """A chat export past one of its limits; the message names the setting."""

    status_code = 413


@dataclass(frozen=True, slots=True)
class ExportLimits:
    """How much a chat export may hold; None: no bound (the command line on trusted files)."""

    max_bytes: int | None = None
    max_ratio: float | None = None
    max_files: int | None = None
    max_messages: int | None = None

    def check_messages(self, count: int, name: str) -> None:
        """Refuse a chat with more messages than the limit."""
        if self.max_messages is not None and count > self.max_messages:
            raise ExportTooLarge(
                f"{name} holds more than {self.max_messages:,} messages in the chosen range "
                "(HANDOFF_MAX_CHAT_MESSAGES); choose a channel or a shorter time range."
            )


_EOCD = b"PK\x05\x06"
_ZIP64_EOCD = b"PK\x06\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"


DIRECTORY_ENTRY_BYTES = 512
"""Room per member in a zip's central directory (46 bytes and its name, extra and comment):
a directory larger than this times the file limit is refused like too many members, so an end
record that understates the count does not get a huge directory parsed."""


def zip_entries(path: Path) -> tuple[int, int] | None:
    """The number of members and the central directory's size that a zip's end record states
    (the zip64 record when there is one), read from the file's last 64 KiB; None when `path`
    is not a zip."""
    with path.open("rb") as fh:
        if fh.read(4) != b"PK\x03\x04":
            return None
        size = fh.seek(0, 2)
        start = max(0, size - (1 << 16) - 22)
        fh.seek(start)
        tail = fh.read()
        at = tail.rfind(_EOCD)
        if at < 0 or len(tail) < at + 22:
            return None
        total, directory = struct.unpack_from("<HI", tail, at + 10)
        locator = at - 20
        if locator >= 0 and tail[locator : locator + 4] == _ZIP64_LOCATOR:
            (offset,) = struct.unpack_from("<Q", tail, locator + 8)
            fh.seek(offset)
            record = fh.read(56)
            if record[:4] == _ZIP64_EOCD and len(record) == 56:
                total, directory = struct.unpack_from("<QQ", record, 32)
        return int(total), int(directory)


def check_zip_entries(path: Path, limits: ExportLimits) -> None:
    """Refuse a zip stating more members than `max_files` (or a directory too large for that
    many), before anything parses it."""
    limit = limits.max_files
    stated = zip_entries(path) if limit is not None else None
    if limit is None or stated is None:
        return
    count, directory = stated
    if count > limit or directory > limit * DIRECTORY_ENTRY_BYTES:
        raise ExportTooLarge(
            f"{path.name} holds more than {limit:,} files, the most a chat export may hold "
            "(HANDOFF_MAX_EXPORT_FILES)."
        )


class ExportReader:
    """Uniform, bounded read access to an export held in a zip or a folder."""

    def __init__(self, path: Path, limits: ExportLimits) -> None:
        self.path = path
        self.limits = limits
        self.read_bytes = 0
        if path.is_file():
            check_zip_entries(path, limits)
        self._zip = zipfile.ZipFile(path) if path.is_file() else None
        try:
            if self._zip:
                infos = [i for i in self._zip.infolist() if not i.is_dir()]
                self._infos = {i.filename: i for i in infos}
                names = [i.filename for i in infos]
            else:
                self._infos = {}
                names = [p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file()]
            self._check_files(len(names))
        except BaseException:
            self.close()
            raise
        # Zips are often made from the folder, so everything may sit under one top directory.
        self.root = _common_root(names)
        self.names = [n[len(self.root) :] for n in names if n.startswith(self.root)]

    def read(self, name: str) -> bytes | None:
        """A member's bytes (None when absent), counted against the limits as they decompress."""
        with self._open(name) as member:
            return None if member is None else member.read()

    def items(self, name: str) -> Iterator[Any]:
        """The elements of a member's top-level JSON array, parsed as they decompress (nothing
        when the member is absent or is not an array); ChatImportError when it is not JSON."""
        import ijson

        with self._open(name) as member:
            if member is None:
                return
            try:
                yield from ijson.items(member, "item", use_float=True)
            except (ijson.JSONError, UnicodeDecodeError) as exc:
                raise ChatImportError(f"{name} in the export is not valid JSON.") from exc
            except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
                raise ChatImportError(f"{name} in the export is damaged.") from exc

    @contextmanager
    def _open(self, name: str) -> Iterator[_Counted | None]:
        """A member (or the folder's file) as a binary stream whose reads are counted."""
        full = self.root + name
        if self._zip is None:
            file = self.path / full
            if not file.is_file():
                yield None
                return
            with file.open("rb") as fh:
                yield _Counted(fh, self, name, None)
            return
        info = self._infos.get(full)
        if info is None:
            yield None
            return
        with self._zip.open(info) as member:
            yield _Counted(member, self, name, info.compress_size)

    def close(self) -> None:
        if self._zip:
            self._zip.close()

    def _check_files(self, count: int) -> None:
        limit = self.limits.max_files
        if limit is not None and count > limit:
            raise ExportTooLarge(
                f"{self.path.name} holds {count:,} files; a chat export may hold at most "
                f"{limit:,} (HANDOFF_MAX_EXPORT_FILES)."
            )

    def count(self, n: int, member: tuple[int, int] | None, name: str) -> None:
        """Count `n` more bytes read (of a member: unpacked so far, packed size), refusing
        past the limits."""
        self.read_bytes += n
        limit = self.limits.max_bytes
        if limit is not None and self.read_bytes > limit:
            raise ExportTooLarge(
                f"{self.path.name} unpacks to more than {limit:,} bytes (HANDOFF_MAX_EXPORT_BYTES)."
            )
        ratio = self.limits.max_ratio
        if member is None or ratio is None:
            return
        unpacked, packed = member
        if unpacked > RATIO_FLOOR and unpacked > ratio * max(packed, 1):
            raise ExportTooLarge(
                f"{name} in {self.path.name} unpacks to more than {ratio:g} times its "
                "compressed size (HANDOFF_MAX_EXPORT_RATIO)."
            )


class _Counted:
    """A binary stream (read in chunks of at most CHUNK bytes) whose bytes are counted against
    the export's limits as they are read."""

    def __init__(self, raw: IO[bytes], reader: ExportReader, name: str, packed: int | None):
        self.raw, self.reader, self.name, self.packed = raw, reader, name, packed
        self.unpacked = 0

    def read(self, n: int = -1) -> bytes:
        if n < 0:
            out = bytearray()
            while chunk := self.read(CHUNK):
                out += chunk
            return bytes(out)
        chunk = self.raw.read(min(n, CHUNK))
        self.unpacked += len(chunk)
        member = None if self.packed is None else (self.unpacked, self.packed)
        self.reader.count(len(chunk), member, self.name)
        return chunk


def _common_root(names: list[str]) -> str:
    if any(n in {"channels.json", "users.json"} for n in names):
        return ""
    for name in names:
        parts = PurePosixPath(name).parts
        if len(parts) == 2 and parts[1] in {"channels.json", "users.json"}:
            return parts[0] + "/"
    return ""
