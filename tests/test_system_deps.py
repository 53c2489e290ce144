"""`scripts/system-deps`: the one place that knows which system packages handoff needs."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "system-deps"
BASH = shutil.which("bash") or "/bin/bash"


def _run(profile: str, path: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [BASH, str(SCRIPT), profile], capture_output=True, text=True, env={"PATH": path}
    )


def test_without_apt_it_names_the_missing_packages_in_one_sentence(tmp_path: Path) -> None:
    """An empty PATH: nothing is installed and there is no apt-get to install it with."""
    result = _run("test", str(tmp_path))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].endswith(".")
    for package in ("ffmpeg", "espeak-ng", "festival", "flite", "sox", "chromium-driver"):
        assert package in lines[0]


def test_serving_needs_only_ffmpeg(tmp_path: Path) -> None:
    result = _run("run", str(tmp_path))
    assert result.returncode == 1
    assert "ffmpeg" in result.stderr and "chromium" not in result.stderr


def test_nothing_to_do_when_every_command_is_there(tmp_path: Path) -> None:
    for tool in ("ffmpeg", "ffprobe"):
        fake = tmp_path / tool
        fake.write_text("#!/bin/sh\n")
        fake.chmod(0o755)
    result = _run("run", str(tmp_path))
    assert result.returncode == 0 and result.stdout == result.stderr == ""


def test_an_unknown_profile_is_a_usage_error(tmp_path: Path) -> None:
    result = _run("everything", str(tmp_path))
    assert result.returncode == 2 and "usage" in result.stderr
