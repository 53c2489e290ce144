"""`handoff eval bench_limits`: what the worst inputs cost the web process, within the limits.

Each case runs in a fresh Python process holding the whole app in-process (FastAPI's test
client, Celery tasks run eagerly in the same process, so a job's work is counted too): a small
wrap is posted first to load everything, then the case's input. Reported per case: the answer's
status, the wall time, and the process's resident memory before and its peak (VmHWM) after
the case (the peak is reset after the warm-up, /proc/self/clear_refs), so `grew_mb` is what
the case itself added.

Cases (default limits):
- `text_at_limit`: a wrap of HANDOFF_MAX_TEXT_CHARS characters, accepted and extracted;
- `text_5mb`: 5 MB of pasted text (refused at HANDOFF_MAX_JSON_BYTES, unread);
- `zip_bomb`: a ~0.8 MB Slack zip whose day file unpacks to 800 MB (refused while unpacking);
- `export_at_limit`: a Slack export just under HANDOFF_MAX_EXPORT_BYTES unpacked, nothing
  chosen: every file is read and parsed before its message count refuses it (the most any
  export can make the web process read);
- `export_one_file`: one day file just under HANDOFF_MAX_EXPORT_BYTES of bot messages (all
  dropped as noise): the largest JSON document an export may hold, parsed as a stream;
- `export_range`: an export twice the byte limit with a time range chosen down to three
  messages (accepted: only the range's day files are read);
- `deep_json`: 2 MB of `[` (refused by the depth scan before parsing).

Prints one JSON object; a readable table on stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

CASES = (
    "text_at_limit",
    "text_5mb",
    "zip_bomb",
    "export_at_limit",
    "export_one_file",
    "export_range",
    "deep_json",
)


def _status_mb(field: str) -> float | None:
    """A memory figure of this process from /proc/self/status (Linux), in MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _reset_peak() -> float:
    """Reset the peak to the present resident size (Linux 4.0+: clear_refs 5) and return it.
    `ru_maxrss` cannot be reset and even keeps the parent's peak across exec, hence /proc."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")
    return _status_mb("VmRSS") or 0.0


def _peak_mb() -> float:
    return _status_mb("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_bomb(path: Path, unpacked: int = 800 * 1024 * 1024) -> Path:
    """A Slack zip whose one day file is `unpacked` bytes of spaces inside `[...]`, deflated
    (written in chunks, so making it needs no memory)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("users.json", '[{"id": "U1", "name": "maya"}]')
        zf.writestr("channels.json", '[{"name": "ops"}]')
        with zf.open("ops/2023-11-14.json", "w", force_zip64=True) as member:
            member.write(b"[")
            block = b" " * (1 << 20)
            for _ in range(unpacked >> 20):
                member.write(block)
            member.write(b"]")
    return path


def write_one_file(path: Path, unpacked: int) -> Path:
    """A Slack export whose one day file is `unpacked` bytes of bot messages (noise) and one
    message from a person."""
    bot = {"type": "message", "subtype": "bot_message", "bot_id": "B1", "text": "build ok " * 8}
    one = len(json.dumps({**bot, "ts": "1700000000.000000"})) + 2
    rows = [{**bot, "ts": f"{1699990000 + i % 80000}.{i:06d}"} for i in range(unpacked // one)]
    rows.append({"type": "message", "user": "U1", "text": "Shipped it.", "ts": "1700000000.0"})
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("users.json", '[{"id": "U1", "name": "maya"}]')
        zf.writestr("channels.json", '[{"name": "ops"}]')
        zf.writestr("ops/2023-11-14.json", json.dumps(rows))
    return path


def write_export(path: Path, unpacked: int) -> Path:
    """A Slack export of about `unpacked` bytes of messages in channel `noise` in 2023's first
    months, and three in `ops` in November (the range the case chooses: every file is read)."""
    msg = {"type": "message", "user": "U1", "text": "status update " * 8}
    one = len(json.dumps({**msg, "ts": "1700000000.000000"})) + 2
    per_day = 20_000
    days = max(1, unpacked // (one * per_day))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("users.json", '[{"id": "U1", "name": "maya"}]')
        zf.writestr("channels.json", '[{"name": "ops"}, {"name": "noise"}]')
        ops = [{**msg, "text": f"Shipped item {i}.", "ts": f"{1700000000 + i}.0"} for i in range(3)]
        zf.writestr("ops/2023-11-14.json", json.dumps(ops))
        for d in range(days):
            day = date(2023, 1, 1) + timedelta(days=d)
            rows = [{**msg, "ts": f"{1672531200 + d * 86400 + i}.0"} for i in range(per_day)]
            zf.writestr(f"noise/{day.isoformat()}.json", json.dumps(rows))
    return path


def _client(home: Path) -> Any:
    """The app in-process, Celery eager, signed in as a lead of team `payments`."""
    os.environ["HANDOFF_HOME"] = str(home)
    from fastapi.testclient import TestClient

    import api.tasks  # noqa: F401
    from api.app import create_app
    from api.auth.services import get_identity
    from api.celery_app import celery_for
    from handoff.audit import Actor
    from handoff.identity.roles import Role
    from handoff.settings import get_settings

    settings = get_settings()
    celery_for(settings).conf.task_always_eager = True
    identity = get_identity(settings)
    op = Actor.operator()
    identity.directory.create_team("payments", actor=op)
    user = identity.directory.create_user("bench", display_name="Bench", actor=op)
    identity.directory.add_member("payments", "bench", Role.LEAD, actor=op)
    token = identity.tokens.create(user.id, name="bench", actor=op).secret
    return TestClient(create_app(settings), headers={"Authorization": f"Bearer {token}"})


def _send(client: Any, case: str, files: Path) -> Any:
    from eval.bench_app import WRAP
    from handoff.settings import get_settings

    settings = get_settings()
    json_type = {"content-type": "application/json"}
    if case == "text_at_limit":
        text = ((WRAP + "\n") * (settings.max_text_chars // len(WRAP) + 1))[
            : settings.max_text_chars
        ]
        return client.post("/api/handoffs", json={"team": "payments", "text": text})
    if case == "text_5mb":
        body = json.dumps({"team": "payments", "text": "word " * (1 << 20)})
        return client.post("/api/handoffs", content=body, headers=json_type)
    if case == "deep_json":
        return client.post("/api/handoffs", content="[" * (2 << 20), headers=json_type)
    name = {
        "zip_bomb": "bomb.zip",
        "export_at_limit": "export.zip",
        "export_one_file": "one.zip",
        "export_range": "big.zip",
    }
    with (files / name[case]).open("rb") as fh:
        form = {"team": "payments"}
        if case == "export_range":
            form["since"] = "2023-11-01T00:00:00+00:00"
        upload = {"file": (name[case], fh, "application/zip")}
        return client.post("/api/handoffs", data=form, files=upload)


def run_case(case: str, files: Path) -> dict[str, Any]:
    """One case in this process (called in a fresh child by `main`)."""
    from handoff.limits import item_count

    with tempfile.TemporaryDirectory() as home:
        client = _client(Path(home))
        with client:
            warm = client.post("/api/handoffs", json={"team": "payments", "text": "Shipped it."})
            assert warm.status_code == 202, warm.text
            before = _reset_peak()
            started = time.perf_counter()
            r = _send(client, case, files)
            seconds = time.perf_counter() - started
            out: dict[str, Any] = {"case": case, "status": r.status_code}
            if r.status_code == 202:
                job = client.get(f"/api/jobs/{r.json()['job_id']}").json()
                h = client.get(f"/api/handoffs/{r.json()['id']}").json()
                decl = h.get("declaration") or {}
                out["job"] = job["state"]
                out["items"] = item_count(decl)
            else:
                out["detail"] = r.json().get("detail")
    peak = _peak_mb()
    return out | {
        "seconds": round(seconds, 2),
        "rss_before_mb": round(before),
        "rss_peak_mb": round(peak),
        "grew_mb": round(peak - before),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="handoff eval bench_limits", description=__doc__)
    parser.add_argument("--case", choices=CASES, action="append", help="run only these")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--files", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(run_case(args.child, Path(args.files))))
        return 0
    from handoff.settings import Settings

    cases = args.case or list(CASES)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        files = Path(tmp)
        if "zip_bomb" in cases:
            write_bomb(files / "bomb.zip")
        limit = Settings().max_export_bytes
        if "export_at_limit" in cases:
            write_export(files / "export.zip", int(limit * 0.95))
        if "export_one_file" in cases:
            write_one_file(files / "one.zip", int(limit * 0.95))
        if "export_range" in cases:
            write_export(files / "big.zip", limit * 2)
        sizes = {p.name: p.stat().st_size for p in files.iterdir()}
        env = {k: v for k, v in os.environ.items() if not k.startswith("HANDOFF_")}
        for case in cases:
            proc = subprocess.run(
                [sys.executable, "-m", "eval.bench_limits", "--child", case, "--files", tmp],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            if proc.returncode != 0:
                raise SystemExit(f"case {case} failed:\n{proc.stderr[-2000:]}")
            results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    report = {"load_avg": os.getloadavg(), "files_bytes": sizes, "cases": results}
    print(json.dumps(report, indent=2))
    for r in results:
        print(
            f"{r['case']:>16}  {r['status']}  {r['seconds']:>6.2f} s  "
            f"rss {r['rss_before_mb']:>5} -> {r['rss_peak_mb']:>5} MB (+{r['grew_mb']})",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
