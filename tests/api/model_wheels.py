"""Small fake model wheels for the tests of `handoff models pull`, and manifest entries for
them: a wheel is a zip with a dist-info, which is all pip needs to download one from a
`--find-links` folder."""

from __future__ import annotations

import base64
import hashlib
import os
import zipfile
from pathlib import Path

from api.wiring.models import ModelSpec, Piece, Wheel, split_file

VERSION = "0.1.0"


def make_wheel(folder: Path, package: str, version: str, files: dict[str, bytes]) -> Path:
    """A pure-Python wheel of `package` holding `files` (path in the wheel -> bytes), with the
    dist-info pip reads (METADATA, WHEEL, RECORD)."""
    module = package.replace("-", "_")
    info = f"{module}-{version}.dist-info"
    entries = dict(files) | {
        f"{module}/__init__.py": b"",
        f"{info}/METADATA": (
            f"Metadata-Version: 2.1\nName: {package}\nVersion: {version}\n".encode()
        ),
        f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\n"
        b"Tag: py3-none-any\n",
    }
    record = []
    for name, data in entries.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(data)}")
    entries[f"{info}/RECORD"] = ("\n".join([*record, f"{info}/RECORD,,"]) + "\n").encode()
    path = folder / f"{module}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return path


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


PARTS = [os.urandom(300_000), os.urandom(200_000), b"the last part"]
WHOLE = b"".join(PARTS)
CONFIG = b'{"fake": true}'


def build_wheelhouse(folder: Path) -> Path:
    """Wheels of two fake models in `folder`: `fake-gguf-part1..3` (one file in three parts)
    and `fake-folder-part1..2` (a config and a model.bin in two parts, like whisper-base)."""
    folder.mkdir()
    for n, part in enumerate(PARTS, start=1):
        make_wheel(
            folder, f"fake-gguf-part{n}", VERSION, {f"fake_gguf_part{n}/data/part{n:02d}.bin": part}
        )
    make_wheel(
        folder,
        "fake-folder-part1",
        VERSION,
        {
            "fake_folder_part1/data/config.json": CONFIG,
            "fake_folder_part1/data/model.bin.part1": PARTS[0],
        },
    )
    make_wheel(
        folder, "fake-folder-part2", VERSION, {"fake_folder_part2/data/model.bin.part2": PARTS[1]}
    )
    return folder


def gguf_spec(*, digest: str = sha(WHOLE), size: int = len(WHOLE)) -> ModelSpec:
    wheels, piece = split_file(
        "fake.gguf",
        prefix="fake-gguf-part",
        count=3,
        version=VERSION,
        member="{module}/data/part{n:02d}.bin",
        size=size,
        sha256=digest,
    )
    return ModelSpec("fake-gguf", "a fake GGUF", "MIT", "llm/fake.gguf", wheels, (piece,))


def folder_spec() -> ModelSpec:
    one, two = Wheel("fake-folder-part1", VERSION), Wheel("fake-folder-part2", VERSION)
    model = PARTS[0] + PARTS[1]
    return ModelSpec(
        "fake-folder",
        "a fake Whisper folder",
        "MIT",
        "whisper/fake",
        (one, two),
        (
            Piece(
                "config.json",
                ((0, "fake_folder_part1/data/config.json"),),
                len(CONFIG),
                sha(CONFIG),
            ),
            Piece(
                "model.bin",
                (
                    (0, "fake_folder_part1/data/model.bin.part1"),
                    (1, "fake_folder_part2/data/model.bin.part2"),
                ),
                len(model),
                sha(model),
            ),
        ),
        folder=True,
    )
