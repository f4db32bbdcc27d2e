"""`mirco lrs ...`: clients, statistics, NDJSON export and GDPR erasure for the embedded LRS."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from lti_tool.lrs import lrs_home, seed_default_client
from lti_tool.state import app_state
from lti_tool.worker import worker_command
from xapi import admin, clients
from xapi.clock import to_us
from xapi.errors import XAPIError
from xapi.service import parse_agent_param
from xapi.validation import parse_timestamp



def register(cli: click.Group, init_steps: list) -> None:
    """Add `mirco lrs ...` and `mirco worker`, and the seed-credential step of `mirco init`."""
    cli.add_command(lrs_group)
    cli.add_command(worker_command)
    init_steps.append(("LRS seed credential ensured", seed_default_client))


@click.group("lrs", cls=AppGroup)
def lrs_group() -> None:
    """The embedded learning record store at /xapi."""


@lrs_group.group("clients", cls=AppGroup)
def clients_group() -> None:
    """HTTP Basic credentials for xAPI clients, each with scopes."""


@clients_group.command("add")
@click.argument("name")
@click.option("--scopes", "scopes", multiple=True, required=True,
              help=f"One or more of: {', '.join(clients.SCOPES)} (repeat or separate by commas/spaces).")
def clients_add(name: str, scopes: tuple[str, ...]) -> None:
    """Create a client and print its key and secret (the secret is shown only now)."""
    wanted = [s for item in scopes for s in item.replace(",", " ").split()]
    try:
        with app_state(current_app).db.transaction() as session:
            key, secret = clients.add_client(session, name, wanted)
    except XAPIError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(f"key     {key}\nsecret  {secret}\nscopes  {' '.join(sorted(wanted))}")


@clients_group.command("list")
def clients_list() -> None:
    """List clients (never their secrets)."""
    with app_state(current_app).db.sessions() as session:
        for name, key, scopes, disabled in clients.list_clients(session):
            click.echo(f"{key:34} {name:30} {scopes}{'  (disabled)' if disabled else ''}")


@clients_group.command("disable")
@click.argument("key")
def clients_disable(key: str) -> None:
    """Revoke a client's key: its requests are refused from now on; what it stored stays."""
    with app_state(current_app).db.transaction() as session:
        found = clients.disable_client(session, key)
    if not found:
        raise click.UsageError(f"no LRS client has the key {key!r} (see `mirco lrs clients list`)")
    click.echo(f"disabled {key}")


@lrs_group.command("stats")
def stats_command() -> None:
    """Statements, voided, agents, activities, documents, top verbs and forwarding progress, as JSON."""
    with app_state(current_app).db.sessions() as session:
        click.echo(json.dumps(admin.stats(session), indent=2))


def _since(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return to_us(parse_timestamp(value, "--since"))
    except XAPIError as exc:
        raise click.UsageError(str(exc)) from None


@lrs_group.command("export")
@click.option("--since", default=None, help="Only statements stored after this ISO 8601 time.")
@click.option("--include-voided", is_flag=True, help="Also export voided statements.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File to write (default: standard output).")
def export_command(since: str | None, include_voided: bool, output: Path | None) -> None:
    """Write statements as NDJSON (one statement per line), oldest first."""
    since_us = _since(since)
    handle = output.open("w", encoding="utf-8") if output else sys.stdout
    count = 0
    try:
        with app_state(current_app).db.sessions() as session:
            for line in admin.export(session, since_us, include_voided=include_voided):
                handle.write(line + "\n")
                count += 1
    finally:
        if output:
            handle.close()
    click.echo(f"{count} statement(s) exported", err=True)


@lrs_group.command("erase")
@click.option("--agent", "agent_json", required=True,
              help='The learner as an xAPI Agent JSON, e.g. \'{"account": {"homePage": "...", "name": "..."}}\'.')
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def erase_command(agent_json: str, yes: bool) -> None:
    """GDPR erasure: void and scrub the learner's statements, delete their documents; print the counts."""
    try:
        agent = parse_agent_param(agent_json, "--agent")
    except XAPIError as exc:
        raise click.UsageError(str(exc)) from None
    if not yes:
        click.confirm(f"Erase every trace of {agent_json} from the LRS?", abort=True)
    settings = app_state(current_app).settings
    authority = clients.Client("mirco admin", "admin", frozenset({"all"})).authority(lrs_home(settings))
    with app_state(current_app).db.transaction() as session:
        result = admin.erase_agent(session, agent, authority=authority)
    click.echo(f"statements voided: {result.statements_voided}\nstatements scrubbed: "
               f"{result.statements_scrubbed}\ndocuments deleted: {result.documents_deleted}")
