"""`mirco keys ...` and `mirco platforms ...`: the tool's signing keys and its registrations on platforms."""
from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from lti_tool import keys
from lti_tool.lti.registration import PlatformDetails, RegistrationFailed, add_platform
from lti_tool.lti.registration_urls import create_token, purge_spent_tokens
from lti_tool.lti.retention import purge_expired_launches
from lti_tool.lti.services import drain_scores
from lti_tool.lti.toolconf import ACTIVE, DISABLED
from lti_tool.lti.views import tool_url
from lti_tool.models import LtiDeployment, LtiKey, LtiPlatform
from lti_tool.state import app_state
from lti_tool.worker import DRAINS


def ensure_keys(app: Flask) -> None:
    """`mirco init` step: create the first signing key when there is none."""
    state = app_state(app)
    with state.db.transaction() as session:
        keys.ensure_key(session, state.settings.keys_path)


@click.group("keys", cls=AppGroup)
def keys_group() -> None:
    """The tool's RSA signing keys (public keys at /lti/jwks.json)."""


@keys_group.command("rotate")
def keys_rotate() -> None:
    """Make a new key active; the previous one stays in the JWKS for the grace period (MIRCO_KEY_GRACE_DAYS)."""
    state = app_state(current_app)
    with state.db.transaction() as session:
        new, deleted = keys.rotate(session, state.settings.keys_path, state.settings.key_grace_days)
    click.echo(f"ok  active key {new.kid}; previous key(s) published for {state.settings.key_grace_days} more day(s)")
    for kid in deleted:
        click.echo(f"ok  removed expired key {kid}")


@keys_group.command("list")
def keys_list() -> None:
    """List keys: active, retired (still published) and when they expire. Never prints private keys."""
    with app_state(current_app).db.sessions() as session:
        for key in session.scalars(select(LtiKey).order_by(LtiKey.created_at)):
            status = "active" if key.retired_at is None else f"retired, published until {key.expires_at:%Y-%m-%d %H:%M}"
            click.echo(f"{key.kid}  created {key.created_at:%Y-%m-%d %H:%M}  {status}")


@click.group("platforms", cls=AppGroup)
def platforms_group() -> None:
    """Registrations of the tool on LTI platforms (dynamic registration fills these in by itself)."""


@platforms_group.command("add")
@click.option("--issuer", required=True, help='Moodle: "Platform ID".')
@click.option("--client-id", required=True, help='Moodle: "Client ID".')
@click.option("--deployment-id", required=True, help='Moodle: "Deployment ID".')
@click.option("--auth-login-url", required=True, help='Moodle: "Authentication request URL".')
@click.option("--auth-token-url", required=True, help='Moodle: "Access token URL".')
@click.option("--key-set-url", required=True, help='Moodle: "Public keyset URL".')
@click.option("--audience", default=None, help="Token audience, when the platform wants another than the token URL.")
@click.option("--name", default="", help="A name for this platform in lists.")
def platforms_add(issuer: str, client_id: str, deployment_id: str, auth_login_url: str, auth_token_url: str,
                  key_set_url: str, audience: str | None, name: str) -> None:
    """Register a platform by hand (the values Moodle shows after "configure a tool manually")."""
    details = PlatformDetails(issuer=issuer, client_id=client_id, deployment_id=deployment_id,
                              auth_login_url=auth_login_url, auth_token_url=auth_token_url, key_set_url=key_set_url,
                              name=name, auth_audience=audience)
    try:
        with app_state(current_app).db.transaction() as session:
            platform, created = add_platform(session, details, "manual")
            platform_id = platform.id
    except RegistrationFailed as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(f"ok  platform {platform_id} {'added' if created else 'updated'}: {issuer} (client {client_id}), "
               f"deployment {deployment_id}")


@platforms_group.command("list")
def platforms_list() -> None:
    """Every registration with its id and status (active, pending approval, disabled)."""
    with app_state(current_app).db.sessions() as session:
        for platform in session.scalars(select(LtiPlatform).order_by(LtiPlatform.id)):
            deployments = session.scalars(select(LtiDeployment.deployment_id)
                                          .where(LtiDeployment.platform_id == platform.id)).all()
            click.echo(f"{platform.id:4}  {platform.status:8}  {platform.issuer}  client {platform.client_id}  "
                       f"deployments {', '.join(deployments) or '-'}  ({platform.registered_by})")


@platforms_group.command("registration-url")
def platforms_registration_url() -> None:
    """Create a one-time URL for Moodle's "Tool URL" (dynamic registration); it expires after
    MIRCO_REGISTRATION_URL_HOURS. What registers through it waits for `mirco platforms approve`."""
    state = app_state(current_app)
    with state.db.transaction() as session:
        purge_spent_tokens(session)
        token, expires_at = create_token(session, state.settings.registration_url_hours)
    with current_app.test_request_context():
        click.echo(tool_url("lti_registration.register", token=token))
    click.echo(f"ok  single use, valid until {expires_at:%Y-%m-%d %H:%M} UTC. Paste it into Moodle: Site "
               f"administration > Plugins > Activity modules > External tool > Manage tools > Tool URL > "
               f"Add LTI Advantage. Then: mirco platforms list, mirco platforms approve ID", err=True)


def _set_status(platform_id: int, status: str) -> LtiPlatform:
    with app_state(current_app).db.transaction() as session:
        platform = session.get(LtiPlatform, platform_id)
        if platform is None:
            raise click.UsageError(f"no platform with id {platform_id} (see: mirco platforms list)")
        platform.status = status
        session.flush()
        session.expunge(platform)
    return platform


@platforms_group.command("approve")
@click.argument("platform_id", type=int)
def platforms_approve(platform_id: int) -> None:
    """Let a platform launch the tool (after checking in `list` that its issuer is the one you expect)."""
    platform = _set_status(platform_id, ACTIVE)
    click.echo(f"ok  platform {platform_id} active: {platform.issuer} (client {platform.client_id})")


@platforms_group.command("disable")
@click.argument("platform_id", type=int)
def platforms_disable(platform_id: int) -> None:
    """Refuse a platform's launches from now on; its learners' records stay (approve enables it again)."""
    platform = _set_status(platform_id, DISABLED)
    click.echo(f"ok  platform {platform_id} disabled: {platform.issuer} (client {platform.client_id})")


@platforms_group.command("remove")
@click.argument("platform_id", type=int)
def platforms_remove(platform_id: int) -> None:
    """Remove a registration and everything recorded under it (launches, users, progress)."""
    with app_state(current_app).db.transaction() as session:
        platform = session.get(LtiPlatform, platform_id)
        if platform is None:
            raise click.UsageError(f"no platform with id {platform_id} (see: mirco platforms list)")
        session.delete(platform)
    click.echo(f"ok  platform {platform_id} removed")


def register(cli: click.Group, init_steps: list) -> None:
    """Add the LTI commands to `mirco` and the key step to `mirco init`."""
    cli.add_command(keys_group)
    cli.add_command(platforms_group)
    init_steps.append(("signing key present", ensure_keys))
    for drain in (drain_scores, purge_expired_launches):
        if drain not in DRAINS:
            DRAINS.append(drain)
