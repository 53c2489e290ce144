"""Real-browser fixtures: `handoff serve` on 127.0.0.1 (with its embedded worker) and Debian's
Chromium driven by playwright. Screenshots go to artifacts/screenshots/ (gitignored)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
HANDOFF = str(Path(sys.executable).with_name("handoff"))

SPOKEN_WRAP = (
    "Shipped: the rate limiter, P R seventeen ninety, merged this morning. "
    "In flight: payments refund flow is in review. "
    "Decision: we chose Redis for the counters because the write volume is too high. "
    "Blocker: the staging V P N request is blocking the migration test, waiting on Priya. "
    "Next: Maya will write the refund flow tests. Back tomorrow at nine A M."
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(url: str, proc: subprocess.Popen[Any], log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"handoff serve exited ({proc.returncode}): {log.read_text()[-2000:]}")
        try:
            if httpx.get(url + "/api/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    pytest.fail(f"handoff serve did not answer within {timeout:.0f} s: {log.read_text()[-2000:]}")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`handoff serve` on a free port with an empty data directory; its base URL."""
    home = tmp_path_factory.mktemp("browser-home")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HANDOFF_")}
    env["HANDOFF_HOME"] = str(home)
    log = home / "serve.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [HANDOFF, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=home,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc, log)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def speech_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A spoken wrap (espeak-ng), 16 kHz mono WAV."""
    folder = tmp_path_factory.mktemp("speech")
    raw = folder / "raw.wav"
    subprocess.run(["espeak-ng", "-s", "150", "-w", str(raw), SPOKEN_WRAP], check=True)
    wav = folder / "wrap.wav"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-i", str(raw), "-ar", "16000", "-ac", "1", str(wav)],
        check=True,
    )
    return wav


@pytest.fixture(scope="module")
def speech_clip(speech_wav: Path) -> Path:
    """The spoken wrap muxed with a test picture into a WebM clip, as a browser would record."""
    clip = speech_wav.with_name("wrap.webm")
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=320x240:rate=10",
            "-i",
            str(speech_wav),
            "-shortest",
            "-c:v",
            "libvpx",
            "-b:v",
            "200k",
            "-c:a",
            "libopus",
            str(clip),
        ],
        check=True,
    )
    return clip


@pytest.fixture(scope="module")
def chromium(speech_wav: Path) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is missing at {CHROMIUM}; install Debian's chromium package.")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                *CHROMIUM_ARGS,
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-audio-capture={speech_wav}",
                "--autoplay-policy=no-user-gesture-required",
            ],
        )
        yield browser
        browser.close()


class Shots:
    """Saves numbered screenshots for one test: artifacts/screenshots/<test>-<nn>-<name>.png."""

    def __init__(self, test: str) -> None:
        self.test = test
        self.n = 0
        SHOTS.mkdir(parents=True, exist_ok=True)

    def __call__(self, page: Any, name: str) -> Path:
        self.n += 1
        path = SHOTS / f"{self.test}-{self.n:02d}-{name}.png"
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> Shots:
    return Shots(request.node.name.removeprefix("test_"))


@pytest.fixture
def page(chromium: Any, server: str) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 1280, "height": 860}, base_url=server)
    context.grant_permissions(["microphone", "camera"])
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    yield pg
    context.close()
    assert not errors, f"JavaScript errors: {errors}"


def have_ffmpeg() -> bool:
    return shutil.which("ffmpeg") is not None and shutil.which("espeak-ng") is not None
