"""The whole protocol in a real browser, across Singapore and London, with a frozen clock.

Maya (the lead) sets the team's rules on the team settings page: escalate after 3 of the
resolver's working hours, remind 45 minutes before a shift ends. Amir publishes his Friday 18:00
wrap on the review page in Singapore; the blocker reaches Sarah by email (a real SMTP server on
127.0.0.1, aiosmtpd) and Slack (the real slack_sdk client against a local server that answers like
Slack). Nobody acknowledges it: nothing happens over the weekend, and three of Sarah's working
hours into Monday (12:00 in Singapore, not before) it escalates to Maya, by mail and in her inbox.
Lars in London signs in at his shift start, gets his digest, opens the handoff from the incoming
shift page and takes each in-flight item with its "I've got it" button. Sarah, signed in as
nobody, opens the mail's one-click resolve link in the browser and resolves with a note; Amir
gets the resolution by mail and sees it in his inbox. At 16:20 in London Lars, who has not
posted, is reminded (16:10 is too early for a 45-minute reminder).

Why the app is served in-process (uvicorn in a thread, on a free port) and not as a `handoff
serve` subprocess like the other browser tests: the walk spans four days, and only this process
can freeze the clock. The server thread runs inside `handoff.models.clock()`, so every moment the
app records (publish, acknowledgment, resolution, the sign-in sessions) comes from the test's
`Frozen` clock, which the test moves; the test checks this through the recorded
time-to-acknowledge (71.5 h) rather than trusting it. Deliveries are the real Celery task code,
run eagerly in the request's thread (the same configuration as the API tests), so the mail and
the Slack message have arrived when the publish or resolve request answers and no polling is
needed. The clock-driven steps (escalation, digest, reminder) are the protocol tick that
`handoff serve`'s beat runs, called here with the frozen `now`, then the due deliveries. A
subprocess would read the wall clock, and its beat would send nothing in November.

The test prints the wall-clock delivery latency from the click on Publish to the SMTP server and
to the Slack server (the app's own figures, read from the frozen clock, are zero); it asserts
nothing on it.
"""

from __future__ import annotations

import email
import email.policy
import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.notify.conftest import (  # noqa: F401  (fixtures)
    SLACK_TOKEN,
    LocalHTTP,
    Mailbox,
    Request,
    fake_slack,
    free_port,
    local_http,
    mailbox,
)
from tests.api.test_protocol_walk import Frozen
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, PASSWORD, Shots, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: Friday 20 November 2026, 18:00 in Singapore.
FRIDAY_EVENING_SGT = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
#: (username, display name, time zone, email, Slack user id); Maya is the team's lead.
PEOPLE = (
    ("maya", "Maya", "Europe/London", "maya@example.com", None),
    ("amir", "Amir", "Asia/Singapore", "amir@example.com", None),
    ("sarah", "Sarah", "Asia/Singapore", "sarah@example.com", "U0SARAH"),
    ("lars", "Lars", "Europe/London", "lars@example.com", None),
)


@dataclass
class Walk:
    """The served app and what the test drives it with."""

    url: str
    tokens: dict[str, str]
    clock: Frozen
    settings: Any
    box: Mailbox
    slack: LocalHTTP
    #: when (time.monotonic()) the first mail for each address, and the first Slack call, came
    arrived: dict[str, float]

    def api(self, who: str) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)

    def tick(self, at: datetime) -> dict[str, int]:
        """What `handoff serve`'s beat does at `at`: the protocol tick, then due deliveries."""
        from api.usecases import protocol
        from api.usecases.protocol_delivery import deliver_due
        from handoff.models import clock

        self.clock.now = at
        with clock(self.clock):
            made = protocol.tick(self.settings, now=at)
            deliver_due(self.settings, now=at)
        return made

    def mails(self, to: str, subject: str = "") -> list[email.message.EmailMessage]:
        out = []
        for _, rcpts, raw in self.box.received:
            mail = email.message_from_bytes(raw, policy=email.policy.default)
            assert isinstance(mail, email.message.EmailMessage)
            if to in rcpts and str(mail["Subject"]).startswith(subject):
                out.append(mail)
        return out


def _plain(mail: email.message.EmailMessage) -> str:
    part = mail.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


class InProcessServer:
    """uvicorn serving `app` on 127.0.0.1:`port` in a thread whose context carries `frozen` as
    the clock (asyncio tasks and Starlette's worker threads copy that context)."""

    def __init__(self, app: Any, port: int, frozen: Frozen) -> None:
        import uvicorn

        config = uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"
        )
        self.server = uvicorn.Server(config)
        self.frozen = frozen
        self.thread = threading.Thread(target=self._run, name="walk-server", daemon=True)

    def _run(self) -> None:
        from handoff.models import clock

        with clock(self.frozen):
            self.server.run()

    def __enter__(self) -> InProcessServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                pytest.fail("the in-process server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def _accounts(settings: Any) -> dict[str, str]:
    """Team payments with Maya as lead and the others as members, each with a password (they
    sign in through the sign-in page) and an API token (for the test's own setup calls)."""
    from api.auth.services import get_identity
    from handoff.audit import Actor
    from handoff.identity.roles import Role

    identity = get_identity(settings)
    op = Actor.operator()
    identity.directory.create_team("payments", actor=op)
    tokens = {}
    for username, display, *_ in PEOPLE:
        user = identity.directory.create_user(
            username, display_name=display, password=PASSWORD, actor=op
        )
        role = Role.LEAD if username == "maya" else Role.MEMBER
        identity.directory.add_member("payments", username, role, actor=op)
        tokens[username] = identity.tokens.create(user.id, name="walk", actor=op).secret
    return tokens


def _time_arrivals(box: Mailbox, slack: LocalHTTP, arrived: dict[str, float]) -> None:
    """Note the wall-clock moment each mail and Slack call arrives (the delivery latency the
    test reports; the frozen clock stops the app's own latency figures at zero)."""
    keep = box.handle_DATA

    async def timed_data(server: Any, session: Any, envelope: Any) -> str:
        for rcpt in envelope.rcpt_tos:
            arrived.setdefault(f"email:{rcpt}", time.monotonic())
        return await keep(server, session, envelope)

    def timed_slack(request: Request) -> tuple[int, dict[str, str], bytes]:
        arrived.setdefault("slack", time.monotonic())
        return fake_slack(request)

    box.handle_DATA = timed_data  # type: ignore[method-assign]
    slack.responder = timed_slack


@pytest.fixture
def walk(
    home: Path,
    monkeypatch: pytest.MonkeyPatch,
    mailbox: tuple[Mailbox, int],  # noqa: F811
    local_http: LocalHTTP,  # noqa: F811
) -> Iterator[Walk]:
    import api.tasks  # noqa: F401  (registers the tasks)
    from api.app import create_app
    from api.celery_app import celery_for
    from handoff.models import clock
    from handoff.settings import get_settings

    box, smtp_port = mailbox
    arrived: dict[str, float] = {}
    _time_arrivals(box, local_http, arrived)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    for name, value in {
        "HANDOFF_SMTP_HOST": "127.0.0.1",
        "HANDOFF_SMTP_PORT": str(smtp_port),
        "HANDOFF_SMTP_SECURITY": "none",
        "HANDOFF_SLACK_TOKEN": SLACK_TOKEN,
        "HANDOFF_SLACK_BASE_URL": local_http.url + "/api/",
        "HANDOFF_PUBLIC_URL": url,
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    settings = get_settings()
    frozen = Frozen(FRIDAY_EVENING_SGT)
    with clock(frozen):
        tokens = _accounts(settings)
    celery = celery_for(settings)
    celery.conf.task_always_eager = True
    try:
        with InProcessServer(create_app(settings), port, frozen):
            yield Walk(url, tokens, frozen, settings, box, local_http, arrived)
    finally:
        celery.conf.task_always_eager = False


@pytest.fixture
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class People:
    """One browser context per person (each with their own cookies), JavaScript errors kept."""

    def __init__(self, browser: Any, url: str) -> None:
        self.browser, self.url = browser, url
        self.contexts: list[Any] = []
        self.errors: list[str] = []

    def page(self, username: str | None) -> Any:
        context = self.browser.new_context(
            viewport={"width": 1280, "height": 860}, base_url=self.url
        )
        self.contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: self.errors.append(f"{username}: {exc}"))
        if username:
            sign_in(page, username)
        return page

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def people(browser: Any, walk: Walk) -> Iterator[People]:
    crowd = People(browser, walk.url)
    yield crowd
    crowd.close()
    assert not crowd.errors, f"JavaScript errors: {crowd.errors}"


def _profiles(walk: Walk) -> None:
    """Each person's time zone and channels (default hours: Monday to Friday, 09 to 17)."""
    for username, _, tz, mail, slack_id in PEOPLE:
        channels: dict[str, str] = {"email": mail}
        if slack_id:
            channels["slack_user_id"] = slack_id
        with walk.api(username) as api:
            r = api.put("/api/me", json={"timezone": tz, "channels": channels})
            assert r.is_success, r.text


def _lead_sets_rules(page: Any, shots: Shots) -> None:
    page.goto("/teams/payments/settings")
    page.fill("input[name=escalate_after_hours]", "3")
    page.fill("input[name=reminder_minutes]", "45")
    page.click("form.card button[type=submit]")
    page.wait_for_selector("[role=status]:has-text('Saved.')")
    shots(page, "lead-sets-rules")


def _publish_on_review_page(walk: Walk, page: Any, wrap: str, shots: Shots) -> str:
    """Amir's wrap, posted as a draft, published from its review page in the browser."""
    with walk.api("amir") as api:
        r = api.post(
            "/api/handoffs",
            json={
                "text": wrap.replace("Maya", "Amir"),
                "author": "Amir",
                "team": "payments",
                "recorded_at": "2026-11-20T18:00:00+08:00",
            },
        )
    assert r.status_code == 202, r.text
    hid = str(r.json()["id"])
    page.goto(f"/handoffs/{hid}")
    page.wait_for_selector("h1:has-text('Review')")
    shots(page, "amir-reviews")
    if page.locator("#publish").is_disabled():
        page.get_by_role("button", name="Publish anyway…").click()
        page.fill("#force-reason", "Leaving for the weekend; Sarah has the session timeout.")
        walk.arrived["publish"] = time.monotonic()
        page.click("#force-publish")
    else:
        walk.arrived["publish"] = time.monotonic()
        page.click("#publish")
    page.wait_for_selector(".pill.s-published")
    walk.arrived["published"] = time.monotonic()
    shots(page, "amir-published")
    return hid


def test_the_protocol_walk_in_the_browser_across_singapore_and_london(
    walk: Walk,
    people: People,
    shots: Shots,
    example_wrap: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _profiles(walk)
    maya = people.page("maya")
    _lead_sets_rules(maya, shots)

    # Friday 18:00 in Singapore: Amir publishes on the review page.
    amir = people.page("amir")
    hid = _publish_on_review_page(walk, amir, example_wrap, shots)
    _report_latency(walk, capsys)
    with walk.api("amir") as api:
        published = api.get(f"/api/handoffs/{hid}").json()
    assert datetime.fromisoformat(published["published_at"]) == FRIDAY_EVENING_SGT
    resolve_link = _sarah_gets_the_blocker_by_mail_and_slack(walk)

    # Unacknowledged: not over the weekend, not before three of Sarah's hours on Monday
    # (09:00-12:00 in Singapore), then to Maya, the lead.
    assert walk.tick(datetime(2026, 11, 21, 10, 0, tzinfo=UTC))["escalated"] == 0
    assert walk.tick(datetime(2026, 11, 23, 3, 55, tzinfo=UTC))["escalated"] == 0
    assert walk.tick(datetime(2026, 11, 23, 4, 5, tzinfo=UTC))["escalated"] == 1
    [escalation] = walk.mails("maya@example.com", "Escalated:")
    assert "Not acknowledged by Sarah within 3 working hours" in _plain(escalation)
    maya.goto("/inbox")
    assert maya.locator("#notes-h ~ ul li:has-text('Escalated:')").count() == 1
    shots(maya, "maya-escalation")

    # Monday 09:30 in London: Lars's digest, then he takes each item from the handoff page.
    assert walk.tick(datetime(2026, 11, 23, 9, 30, tzinfo=UTC))["digests"] >= 1
    [digest] = walk.mails("lars@example.com", "Your shift-start digest")
    assert _plain(digest).startswith("Good morning Lars. Since your last shift:")
    _lars_takes_each_item(walk, people, hid, shots)

    # Monday 18:00 in Singapore: Sarah resolves from the mail's link; Amir hears.
    walk.clock.now = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    _sarah_resolves_from_the_link(people.page(None), resolve_link, shots)
    [resolution] = walk.mails("amir@example.com", "Resolved:")
    assert "Sarah resolved the blocker you raised" in _plain(resolution)
    assert "Note: approved. Sarah decided: 12 hours" in _plain(resolution)
    amir.goto("/inbox")
    assert amir.locator("#notes-h ~ ul li:has-text('Resolved:')").count() == 1
    shots(amir, "amir-sees-resolution")

    _lars_is_reminded_near_his_shift_end(walk, people, shots)
    with walk.api("amir") as api:
        status = api.get(f"/api/handoffs/{hid}/notifications").json()
    assert "failed" not in status["counts"]


def _sarah_gets_the_blocker_by_mail_and_slack(walk: Walk) -> str:
    """The SMTP server got one mail for Sarah and the Slack server one DM to her, carrying the
    same one-click resolve link, which is returned."""
    [mail] = walk.mails("sarah@example.com", "Needs you:")
    text = _plain(mail)
    assert "session timeout" in text and "Raised by: Amir" in text
    [dm] = [json.loads(r.body) for r in walk.slack.requests]
    assert dm["channel"] == "U0SARAH" and "session timeout" in dm["text"]
    found = re.search(r"^Resolve: (\S+)", text, re.MULTILINE)
    assert found is not None and found.group(1).startswith(f"{walk.url}/actions/")
    assert found.group(1) in json.dumps(dm["blocks"])
    return found.group(1)


def _sarah_resolves_from_the_link(sarah: Any, link: str, shots: Shots) -> None:
    """Signed in as nobody: the link's confirm page names her; she resolves with a note."""
    sarah.goto(link)
    assert sarah.locator("#action-person").inner_text() == "Sarah"
    sarah.fill("textarea[name=note]", "approved. Sarah decided: 12 hours")
    shots(sarah, "sarah-resolves")
    sarah.click("#action-confirm")
    assert "Resolved" in sarah.locator("#action-done").inner_text()
    shots(sarah, "sarah-resolved")


def _lars_is_reminded_near_his_shift_end(walk: Walk, people: People, shots: Shots) -> None:
    """Monday in London, Lars has not posted: 16:10 is too early for a 45-minute reminder,
    16:20 reminds him by mail (listing the items he took) and in his inbox; its link opens the
    page to record a wrap."""
    walk.tick(datetime(2026, 11, 23, 16, 10, tzinfo=UTC))
    assert not _reminders(walk)
    assert walk.tick(datetime(2026, 11, 23, 16, 20, tzinfo=UTC))["reminders"] >= 1
    [reminder] = _reminders(walk)
    text = _plain(reminder)
    assert "- payments-refund-flow (in_review)" in text  # his now, since he took it
    found = re.search(r"^Record one: (\S+)", text, re.MULTILINE)
    assert found is not None and found.group(1) == f"{walk.url}/post"
    lars = people.page("lars")
    lars.goto("/inbox")
    assert lars.locator("#notes-h ~ ul li:has-text('Record your wrap before you go')").count() == 1
    lars.goto(found.group(1))
    lars.wait_for_selector("#signed-in[data-username=lars]")
    shots(lars, "lars-reminded")


def _reminders(walk: Walk) -> list[email.message.EmailMessage]:
    return walk.mails("lars@example.com", "Record your wrap before you go")


def _lars_takes_each_item(walk: Walk, people: People, hid: str, shots: Shots) -> None:
    """From the incoming-shift page to the handoff, "I've got it" on each in-flight item and
    next action, with a read-back; the ledger records Lars, 71.5 h after the publish."""
    lars = people.page("lars")  # lands on the incoming-shift page
    lars.wait_for_selector("h1:has-text('Incoming shift')")
    shots(lars, "lars-incoming-shift")
    lars.click(f"a[href='/handoffs/{hid}']:has-text('Read the handoff')")
    lars.wait_for_selector("#items-h")
    with walk.api("lars") as api:
        items = api.get("/api/items", params={"team": "payments"}).json()
    taken = [i["id"] for i in items if i["kind"] in ("work", "action") and i["state"] != "done"]
    assert taken
    for item in taken:
        form = lars.locator(f"#item-{item} #act-{item} form[action$='/acknowledge']")
        form.locator("input[name=read_back]").fill("on it from London")
        form.locator("button").click()
        lars.wait_for_selector(f"#act-{item} [role=status]")
    shots(lars, "lars-took-each-item")
    with walk.api("lars") as api:
        acks = api.get(f"/api/handoffs/{hid}/acknowledgments").json()
    assert acks["seconds_to_acknowledge"] == pytest.approx(71.5 * 3600)
    by_item = {a["item_id"]: a for a in acks["items"]}
    for item in taken:
        [ack] = by_item[item]["acknowledgments"]
        assert (ack["name"], ack["read_back"]) == ("Lars", "on it from London")


def _report_latency(walk: Walk, capsys: pytest.CaptureFixture[str]) -> None:
    """Print the wall-clock delivery latency from the click on Publish to each channel (shown
    with `-s`); nothing is asserted on it (no timed tests)."""
    start = walk.arrived["publish"]
    figures = {
        "email": walk.arrived["email:sarah@example.com"] - start,
        "slack": walk.arrived["slack"] - start,
        "page shows published": walk.arrived["published"] - start,
    }
    with capsys.disabled():
        print(
            "\ndelivery latency from the click on Publish: "
            + ", ".join(f"{name} {seconds * 1000:.0f} ms" for name, seconds in figures.items())
        )
