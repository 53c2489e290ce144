"""Shared CLI plumbing: error translation, settings, option parsing."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import Any

import click

from api.wiring.services import Services, build_services
from handoff.errors import HandoffError
from handoff.settings import get_settings
from handoff.times import parse_instant


class UserError(click.ClickException):
    """One sentence on stderr (one a line when there are several problems), exit code 2."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        for line in self.format_message().splitlines() or [""]:
            click.echo(f"handoff: {line}", err=True)


class HandoffGroup(click.Group):
    """Turns every HandoffError (and settings validation errors) into a UserError."""

    def invoke(self, ctx: click.Context) -> Any:
        from pydantic import ValidationError

        try:
            return super().invoke(ctx)
        except HandoffError as exc:
            raise UserError(str(exc)) from exc
        except ValidationError as exc:
            err = exc.errors()[0]
            name = "HANDOFF_" + str(err["loc"][0]).upper() if err["loc"] else "a setting"
            raise UserError(f"{name} is invalid: {err['msg']}.") from exc
        except (FileNotFoundError, PermissionError, IsADirectoryError) as exc:
            raise UserError(f"Cannot read {exc.filename}: {exc.strerror}.") from exc


def services() -> Services:
    return build_services(get_settings())


def parse_time(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    return parse_instant(value, default_tz=get_settings().timezone, label=option)


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def echo_json_line(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()
