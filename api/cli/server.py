"""Commands that run things: serve, worker, demo."""

from __future__ import annotations

import click

from api.cli.base import services


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Run the web app and API (with the embedded worker)."""
    import uvicorn

    from api.app import create_app

    uvicorn.run(create_app(), host=host, port=port, log_level="info")


@click.command()
@click.option("--concurrency", default=1, show_default=True, type=int)
def worker(concurrency: int) -> None:
    """Run a background worker for the at-scale mode (HANDOFF_BROKER_URL)."""
    from api.worker import run_worker

    run_worker(concurrency=concurrency)


@click.command()
@click.option("--if-empty", is_flag=True, help="Only when the data directory holds no handoffs.")
def demo(if_empty: bool) -> None:
    """Load a few demo wraps (published) into the data directory."""
    from api.demo import load_demo

    svc = services()
    if if_empty and svc.store.count() > 0:
        click.echo("Demo data skipped: the data directory already holds handoffs.")
        return
    count = load_demo(svc)
    click.echo(f"Loaded {count} demo handoffs into {svc.settings.home}.")
