"""Real-browser fixtures: `handoff serve` on 127.0.0.1 (with its embedded worker, accounts made
first and single sign-on through a test OpenID Connect provider) and Debian's Chromium driven by
playwright; a `page` is signed in as Maya through the sign-in page. Screenshots go to
artifacts/screenshots/ (gitignored)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
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


PASSWORD = "correct horse battery staple"
#: The teams the tests post to; Maya and Tomás are members of each, Paul only of OTHER_TEAM.
TEAMS = ("payments", "clips", "recorded", "phone", "chat", "rows")
OTHER_TEAM = "platform"
#: account -> display name
PEOPLE = {"maya": "Maya", "tomas": "Tomás", "paul": "Paul"}


def make_accounts(home: Path) -> dict[str, str]:
    """Teams and accounts in the server's database before it starts (as an operator would with
    `handoff teams|users`); returns each account's API token, for the tests' own HTTP calls."""
    from api.auth.services import build_identity
    from handoff.audit import Actor
    from handoff.identity.roles import Role
    from handoff.settings import Settings

    identity = build_identity(Settings(home=home))
    directory, op = identity.directory, Actor.operator()
    for team in (*TEAMS, OTHER_TEAM):
        directory.create_team(team, actor=op)
    tokens = {}
    for username, display in PEOPLE.items():
        user = directory.create_user(username, display_name=display, password=PASSWORD, actor=op)
        tokens[username] = identity.tokens.create(user.id, name="tests", actor=op).secret
    for team in TEAMS:
        directory.add_member(team, "maya", Role.MEMBER, actor=op)
        directory.add_member(team, "tomas", Role.MEMBER, actor=op)
    directory.add_member(OTHER_TEAM, "paul", Role.LEAD, actor=op)
    return tokens


@dataclass
class Server:
    """The running server: its URL and the accounts' API tokens."""

    url: str
    tokens: dict[str, str]

    def headers(self, who: str = "maya") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


@pytest.fixture(scope="module")
def oidc() -> Iterator[Any]:
    """A real OpenID Connect provider on 127.0.0.1 (tests/oidc_provider.py)."""
    from tests.oidc_provider import Provider

    running = Provider().start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, oidc: Any) -> Iterator[Server]:
    """`handoff serve` on a free port with a fresh data directory, its accounts made first, and
    single sign-on through the test provider."""
    home = tmp_path_factory.mktemp("browser-home")
    tokens = make_accounts(home)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HANDOFF_")}
    env["HANDOFF_HOME"] = str(home)
    env["HANDOFF_OIDC_ISSUER"] = oidc.issuer
    env["HANDOFF_OIDC_CLIENT_ID"] = oidc.client_id
    env["HANDOFF_OIDC_CLIENT_SECRET"] = oidc.client_secret
    env["HANDOFF_OIDC_ALLOWED_DOMAINS"] = "acme.test"
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
        yield Server(url, tokens)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def server(served: Server) -> str:
    return served.url


def sign_in(page: Any, username: str, password: str = PASSWORD) -> None:
    """Sign in through the real sign-in page (a local account)."""
    page.goto("/auth/login?next=%2F%3Fteam%3Dpayments")
    page.fill("#login", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_selector("#signed-in")


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
    sign_in(pg, "maya")
    yield pg
    context.close()
    assert not errors, f"JavaScript errors: {errors}"


def have_ffmpeg() -> bool:
    return shutil.which("ffmpeg") is not None and shutil.which("espeak-ng") is not None
