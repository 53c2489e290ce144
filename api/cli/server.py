"""Commands that run things: serve, worker, beat, demo."""

from __future__ import annotations

import click

from api.cli.base import UserError, services


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--worker/--no-worker",
    "with_worker",
    default=None,
    help="Start the embedded worker and Celery beat (default: yes, unless HANDOFF_BROKER_URL "
    "names a shared broker served by `handoff worker` processes and one `handoff beat`).",
)
def serve(host: str, port: int, with_worker: bool | None) -> None:
    """Run the web app and API (with the embedded worker and beat)."""
    import uvicorn

    from api.app import create_app
    from api.auth.production import check_production
    from api.auth.services import get_identity
    from api.worker import EmbeddedWorker
    from handoff.identity.demo import first_admin_hint
    from handoff.settings import get_settings

    settings = get_settings()
    check_production(settings)  # unsafe production settings: a sentence each, before anything
    if with_worker is None:
        with_worker = settings.broker_url is None
    svc = services()
    svc.store.count()  # migrate (and fail with one sentence) before anything starts
    directory = get_identity(settings).directory
    check_production(settings, directory=directory)  # and demo accounts that still sign in
    hint = first_admin_hint(directory)
    if hint is not None:  # nobody can sign in yet
        click.echo(f"handoff: {hint}", err=True)
    worker = EmbeddedWorker(concurrency=settings.workers) if with_worker else None
    beat = EmbeddedWorker(beat=True) if with_worker else None
    try:
        uvicorn.run(create_app(settings), host=host, port=port, log_level="info")
    except OSError as exc:
        raise UserError(f"Cannot listen on {host}:{port} ({exc.strerror}).") from exc
    finally:
        for child in (beat, worker):
            if child is not None:
                child.stop()


@click.command()
@click.option("--concurrency", default=1, show_default=True, type=int)
@click.option("--loglevel", default="info", show_default=True)
@click.option("--hostname", default=None, help="Celery node name, e.g. worker1@%h.")
def worker(concurrency: int, loglevel: str, hostname: str | None) -> None:
    """Run a background worker (HANDOFF_BROKER_URL names the broker; embedded one by default)."""
    from api.worker import run_worker

    services().store.count()
    run_worker(concurrency=concurrency, loglevel=loglevel, hostname=hostname)


@click.command()
@click.option("--loglevel", default="info", show_default=True)
def beat(loglevel: str) -> None:
    """Run Celery beat, which queues scheduled work (daily retention); run exactly one at scale
    (`handoff serve` with its embedded worker runs its own)."""
    from api.worker import run_beat

    services().store.count()
    run_beat(loglevel=loglevel)


@click.command()
@click.option("--if-empty", is_flag=True, help="Only when the data directory holds no handoffs.")
def demo(if_empty: bool) -> None:
    """Create the demo accounts (development only) and load a few demo wraps (published)."""
    from api.auth.services import get_identity
    from api.demo import load_demo
    from handoff.identity.demo import create_demo_accounts

    svc = services()
    settings = svc.settings
    if settings.environment == "development":
        created = create_demo_accounts(
            get_identity(settings).directory,
            environment=settings.environment,
            default_team=settings.default_team,
        )
        if created:
            names = ", ".join(a.username for a in created)
            click.echo(f"Created demo accounts ({names}); the sign-in page lists them.")
    else:
        click.echo("Demo accounts skipped: they exist only in development.", err=True)
    if if_empty and svc.store.count() > 0:
        click.echo("Demo data skipped: the data directory already holds handoffs.")
        return
    count = load_demo(svc)
    click.echo(f"Loaded {count} demo handoffs into {svc.settings.home}.")
