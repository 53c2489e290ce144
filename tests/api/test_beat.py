"""Celery beat: the schedule (retention, daily), `handoff beat` for real, and `handoff serve`
starting its own beat beside its worker."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

HANDOFF = str(Path(sys.executable).with_name("handoff"))


def test_retention_is_scheduled_daily(settings: Any) -> None:
    from api.celery_app import make_celery
    from api.tasks import APPLY_RETENTION

    conf = make_celery(settings).conf
    [entry] = [e for e in conf.beat_schedule.values() if e["task"] == APPLY_RETENTION]
    assert entry["schedule"].hour == {3} and entry["schedule"].minute == {0}
    assert Path(conf.beat_schedule_filename).parent == settings.home


@pytest.mark.slow
def test_handoff_beat_runs_and_stops_cleanly(home: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HANDOFF_")}
    env["HANDOFF_HOME"] = str(home)
    beat = subprocess.Popen(
        [HANDOFF, "beat", "--loglevel", "info"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while not list(home.glob("beat-schedule*")) and time.monotonic() < deadline:
            assert beat.poll() is None, beat.communicate()[0].decode()[-2000:]
            time.sleep(0.2)
        assert list(home.glob("beat-schedule*")), "beat never wrote its schedule"
    finally:
        beat.terminate()
        out, _ = beat.communicate(timeout=30)
    assert beat.returncode == 0, out.decode()[-2000:]
    assert "beat: Starting" in out.decode()
