"""`handoff eval ...`: runs the evaluation package in its own process (nothing imports eval)."""

from __future__ import annotations

import subprocess
import sys

import click


@click.command(
    "eval",
    context_settings={
        "ignore_unknown_options": True,
        "allow_extra_args": True,
        "help_option_names": [],  # `handoff eval asr --help` reaches the suite
    },
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def eval_cmd(args: tuple[str, ...]) -> None:
    """Run evaluations and benchmarks: `handoff eval extraction|qa|asr|bench ...`."""
    raise SystemExit(subprocess.call([sys.executable, "-m", "eval", *args]))
