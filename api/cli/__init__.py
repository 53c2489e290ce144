"""The `handoff` command. Each group of commands lives in its own module and registers here.

Errors a user can cause become one sentence on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import click

from api.cli.base import HandoffGroup
from api.cli.core import delete, extract, ingest, list_cmd, publish, schema, show, unpublish
from api.cli.decisions import decisions
from api.cli.identity import audit, teams, tokens, users
from api.cli.metrics import metrics
from api.cli.models import models
from api.cli.operations import backup, restore, retention
from api.cli.protocol import COMMANDS as PROTOCOL_COMMANDS
from api.cli.questions import ask, reindex
from api.cli.remote import refuse_remote
from api.cli.review import answer, followups, reextract
from api.cli.rollups import pods, rollup
from api.cli.server import beat, demo, serve, worker
from api.cli.speech import transcribe, vocab
from api.cli.tools import eval_cmd

#: Commands that run the server or act on its data as the operator: with HANDOFF_URL set they
#: would act on this machine's data instead of the server's, so they refuse. extract, transcribe
#: and schema store nothing and run here in either case.
LOCAL_ONLY = frozenset(
    {
        "serve",
        "worker",
        "beat",
        "demo",
        "reindex",
        "reextract",
        "eval",
        "users",
        "teams",
        "tokens",
        "audit",
        "pods",
        "backup",
        "restore",
        "retention",
    }
)


@click.group(cls=HandoffGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="handoff")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """handoff: turn end-of-shift wraps into handoffs the next shift can trust."""
    if ctx.invoked_subcommand in LOCAL_ONLY:
        refuse_remote(ctx.invoked_subcommand)


for command in (
    extract,
    ingest,
    schema,
    show,
    list_cmd,
    publish,
    unpublish,
    delete,
    ask,
    reindex,
    serve,
    worker,
    beat,
    demo,
    eval_cmd,
    followups,
    answer,
    reextract,
):
    cli.add_command(command)
for command in (transcribe, vocab):  # issue 3: speech and the team vocabulary
    cli.add_command(command)
for command in (users, teams, tokens, audit):  # issue 15: identities and the audit log
    cli.add_command(command)
for command in (decisions, rollup, pods, metrics):  # issue 17: the leads' view
    cli.add_command(command)
for command in (backup, restore, retention):  # issue 18: backups and retention
    cli.add_command(command)
for command in PROTOCOL_COMMANDS:  # issue 16: inbox, ack, resolve, settings, the outbox
    cli.add_command(command)
cli.add_command(models)  # issue 19: models that install from the package index


def main() -> None:
    cli(prog_name="handoff")
