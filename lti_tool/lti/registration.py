"""Registering platforms: LTI Dynamic Registration 1.0 at /lti/register/<one-time token>, the manual-registration
page at /lti/config (what to paste into Moodle's "Manually configure" form), and `add_platform` for the CLI.

Who may register (docs/security.md, "Platform registration"): only a platform given a one-time URL by an
administrator; what it registers stays pending until an administrator approves it, and an existing registration
is never changed by dynamic registration."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, g, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from pylti1p3.dynamic_registration import DynamicRegistration
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lti_tool import security_headers
from lti_tool.errors import render_error
from lti_tool.lti import claims as C
from lti_tool.lti.outbound import OutboundRefused, request_json
from lti_tool.lti.records import get_or_create
from lti_tool.lti.registration_urls import claim_token, release_token
from lti_tool.lti.toolconf import ACTIVE, PENDING, PlatformNotActive
from lti_tool.lti.views import tool_url
from lti_tool.models import LtiDeployment, LtiPlatform
from lti_tool.state import app_state

bp = Blueprint("lti_registration", __name__, url_prefix="/lti")
log = logging.getLogger(__name__)
PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
TOOL_NAME = "MIRCO Learning Suite"
IDENTITY_CLAIMS = ("iss", "sub", "locale")
PERSONAL_CLAIMS = ("name", "given_name", "family_name", "email")  # asked for when MIRCO_REQUEST_NAMES is on


class RegistrationFailed(Exception):
    """The platform's configuration or answer cannot be used; the message says what to fix. `message` is a lazy
    `_l()` string where it reaches a page (dynamic registration), plain English where it reaches the CLI.
    `already_registered` marks the refusal to touch an existing registration."""

    def __init__(self, message: Any, *, already_registered: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.already_registered = already_registered


@dataclass(frozen=True)
class PlatformDetails:
    issuer: str
    client_id: str
    deployment_id: str
    auth_login_url: str
    auth_token_url: str
    key_set_url: str
    name: str = ""
    auth_audience: str | None = None


def _check(details: PlatformDetails) -> None:
    for field in ("issuer", "auth_login_url", "auth_token_url", "key_set_url"):
        value = getattr(details, field)
        if not value.startswith(("https://", "http://")):
            raise RegistrationFailed(f"{field} must be an http(s) URL, got {value!r}")
    for field in ("issuer", "client_id", "deployment_id"):
        if not getattr(details, field) or len(getattr(details, field)) > 255:
            raise RegistrationFailed(f"{field} must have 1 to 255 characters")


def _find(session: Session, details: PlatformDetails) -> LtiPlatform | None:
    return session.scalar(select(LtiPlatform).where(LtiPlatform.issuer == details.issuer,
                                                    LtiPlatform.client_id == details.client_id))


def _fill(session: Session, platform: LtiPlatform, details: PlatformDetails, registered_by: str) -> None:
    platform.name = details.name[:255]
    platform.auth_login_url = details.auth_login_url
    platform.auth_token_url = details.auth_token_url
    platform.auth_audience = details.auth_audience
    platform.key_set_url = details.key_set_url
    platform.registered_by = registered_by
    session.flush()
    get_or_create(session, LtiDeployment, {"platform_id": platform.id, "deployment_id": details.deployment_id})


def add_platform(session: Session, details: PlatformDetails, registered_by: str) -> tuple[LtiPlatform, bool]:
    """An administrator's (or the demo's) registration: create it active, or update it (its status stays);
    True when it was new. Only trusted callers use this; dynamic registration uses `add_new_platform`."""
    _check(details)
    platform = _find(session, details)
    created = platform is None
    if platform is None:
        platform = LtiPlatform(issuer=details.issuer, client_id=details.client_id, status=ACTIVE)
        session.add(platform)
    _fill(session, platform, details, registered_by)
    return platform, created


def add_new_platform(session: Session, details: PlatformDetails, registered_by: str, *, status: str) -> LtiPlatform:
    """A registration that must not exist yet: an existing issuer + client id is refused, never changed."""
    _check(details)
    if _find(session, details) is not None:
        raise RegistrationFailed("already registered", already_registered=True)
    platform = LtiPlatform(issuer=details.issuer, client_id=details.client_id, status=status)
    session.add(platform)
    _fill(session, platform, details, registered_by)
    return platform


class ToolRegistration(DynamicRegistration):
    """What the tool asks the platform for: launch and login URLs, JWKS, AGS + NRPS scopes, deep linking.
    Every request goes through `outbound.request_json` (public addresses only unless configured otherwise)."""

    client_name = TOOL_NAME
    description = "MIRCO migration-management curricula: lessons, quizzes and grades (LTI 1.3 Advantage)."

    def __init__(self, openid_configuration: str, registration_token: str | None, *, allow_local: bool,
                 request_names: bool) -> None:
        self.openid_configuration_url = openid_configuration
        self.registration_token = registration_token
        self.allow_local = allow_local
        self.request_names = request_names
        self.platform: LtiPlatform | None = None

    def get_initiate_login_uri(self) -> str:
        return tool_url("lti.login")

    def get_jwks_uri(self) -> str:
        return tool_url("lti.jwks")

    def get_redirect_uris(self) -> list[str]:
        return [tool_url("lti.launch")]

    def get_target_link_uri(self) -> str:
        return tool_url("lti.launch")

    def get_domain(self) -> str:
        """Moodle requires the domain to equal the host (and port) of target_link_uri."""
        return urlsplit(self.get_target_link_uri()).netloc

    def get_scopes(self) -> list[str]:
        return list(C.TOOL_SCOPES)

    def get_claims(self) -> list[str]:
        """Moodle turns "name"/"given_name"/"family_name" into "Share launcher's name: Always" and "email" into
        "Share launcher's e-mail: Always" (registration_helper::registration_to_config); without them its
        default is Never and reports and rosters show bare user ids."""
        return list(IDENTITY_CLAIMS) + (list(PERSONAL_CLAIMS) if self.request_names else [])

    def get_messages(self) -> list[dict[str, str]]:
        """Moodle reads only the deep-linking message (Supports Deep Linking + Content Selection URL)."""
        return [{"type": "LtiDeepLinkingRequest", "target_link_uri": tool_url("lti.launch"), "label": TOOL_NAME}]

    def get_logo_uri(self) -> str:
        return tool_url("static", filename="mirco-logo.svg")

    def get_openid_configuration_endpoint(self) -> str:
        return self.openid_configuration_url

    def get_registration_token(self) -> str | None:
        return self.registration_token

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if self.registration_token:
            headers["Authorization"] = "Bearer " + self.registration_token
        return headers

    def get_openid_configuration(self) -> dict[str, Any]:
        """Fetch and check the platform's configuration before anything is sent to it."""
        status, config = request_json("GET", self.openid_configuration_url, allow_private=self.allow_local,
                                      headers=self._headers())
        if status != 200 or not isinstance(config, dict):
            raise OutboundRefused()
        required = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri", "registration_endpoint")
        missing = [k for k in required if not isinstance(config.get(k), str) or len(config[k]) > 2048]
        if missing or not isinstance(config.get(PLATFORM_CONFIGURATION), dict):
            raise RegistrationFailed(_l("The platform's configuration lacks %(fields)s.",
                                        fields=", ".join(missing or [PLATFORM_CONFIGURATION])))
        if not same_origin(self.openid_configuration_url, config["issuer"], allow_http=self.allow_local):
            raise RegistrationFailed(_l("The platform's issuer does not match the address of its configuration."))
        return config

    def register(self) -> LtiPlatform:
        """The spec's flow (configuration, registration request, completion) over `outbound` only."""
        config = self.get_openid_configuration()
        for endpoint in ("registration_endpoint", "authorization_endpoint", "token_endpoint", "jwks_uri"):
            if url_origin(config[endpoint], allow_http=self.allow_local) is None:
                raise RegistrationFailed(_l("The platform's %(endpoint)s is not an https URL.", endpoint=endpoint))
        status, answer = request_json("POST", config["registration_endpoint"], allow_private=self.allow_local,
                                      headers=self._headers(), json_body=self.lti_registration_data())
        if not 200 <= status < 300 or not isinstance(answer, dict):
            log.info("registration refused by %s: HTTP %s %.500r", config["registration_endpoint"], status, answer)
            raise RegistrationFailed(_l("The platform refused the registration (the tool's log has its answer)."))
        return self.complete_registration(config, answer)

    def complete_registration(self, openid_configuration: dict[str, Any],
                              openid_registration: dict[str, Any]) -> LtiPlatform:
        tool_config = openid_registration.get(TOOL_CONFIGURATION)
        client_id = openid_registration.get("client_id")
        if not isinstance(client_id, str) or not isinstance(tool_config, dict) \
                or not isinstance(tool_config.get("deployment_id"), str):
            raise RegistrationFailed(_l("The platform's answer has no client_id or deployment_id."))
        platform_config = openid_configuration[PLATFORM_CONFIGURATION]
        details = PlatformDetails(
            issuer=openid_configuration["issuer"], client_id=client_id, deployment_id=tool_config["deployment_id"],
            auth_login_url=openid_configuration["authorization_endpoint"],
            auth_token_url=openid_configuration["token_endpoint"], key_set_url=openid_configuration["jwks_uri"],
            name=str(platform_config.get("product_family_code", "")),
            auth_audience=openid_configuration.get("authorization_server") or None)
        try:
            with app_state().db.transaction() as session:
                self.platform = add_new_platform(session, details, "dynamic", status=PENDING)
        except (RegistrationFailed, IntegrityError) as exc:
            if isinstance(exc, RegistrationFailed) and not exc.already_registered:
                raise RegistrationFailed(_l("The platform's answer cannot be used: %(reason)s",
                                            reason=str(exc))) from None
            raise RegistrationFailed(_l(
                "This platform (issuer %(issuer)s, client id %(client_id)s) is already registered. Dynamic "
                "registration never changes a registration: an administrator removes it first "
                "(mirco platforms remove).", issuer=details.issuer, client_id=client_id)) from None
        return self.platform


def url_origin(url: str, *, allow_http: bool) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an absolute https URL (http too when allowed) without user info; else None."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    schemes = ("https", "http") if allow_http else ("https",)
    if parts.scheme not in schemes or not parts.hostname or "@" in parts.netloc or "\\" in url:
        return None
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80)


def same_origin(configuration_url: str, issuer: str, *, allow_http: bool) -> bool:
    """The configuration lives on the issuer's own scheme, host and port (no prefix tricks)."""
    ours = url_origin(configuration_url, allow_http=allow_http)
    return ours is not None and ours == url_origin(issuer, allow_http=allow_http)


def _refused(message: Any, status: int = 400) -> tuple[Response | str, int]:
    return render_error(status, _l("Registration failed"), message)


@bp.get("/register", defaults={"token": ""})
@bp.get("/register/<token>")
def register(token: str) -> Response:
    """LTI Dynamic Registration through a one-time URL an administrator created; the platform opens it in an
    iframe, so its pages may be framed by the platform being registered (not yet in the registered platforms'
    frame-ancestors, which each worker re-reads every 30 s). These pages hold no action to click-jack."""
    response = make_response(_register(token))
    framer = security_headers.origin(request.args.get("openid_configuration", ""))
    if framer:
        response.headers["Content-Security-Policy"] = security_headers.content_security_policy(
            [*security_headers.frame_ancestors(), framer], g.get("csp_nonce"))
    return response


def _register(token: str) -> tuple[Response | str, int] | str:
    settings = app_state().settings
    config_url = request.args.get("openid_configuration", "")
    platform_token = request.args.get("registration_token") or None
    if url_origin(config_url, allow_http=settings.registration_allow_private) is None or len(config_url) > 2048 \
            or (platform_token is not None and len(platform_token) > 4096):
        return _refused(_l("This address is opened by the platform during dynamic registration, with an "
                           "openid_configuration parameter. Paste it into your platform's tool registration."))
    with app_state().db.transaction() as session:
        token_id = claim_token(session, token)
    if token_id is None:
        return _refused(_l("This registration address is not valid: it is unknown, already used or expired. "
                           "An administrator of the tool creates a new one with: mirco platforms "
                           "registration-url"), 403)
    registration = ToolRegistration(config_url, platform_token, allow_local=settings.registration_allow_private,
                                    request_names=settings.request_names)
    try:
        platform = registration.register()
    except (RegistrationFailed, OutboundRefused) as exc:
        with app_state().db.transaction() as session:
            release_token(session, token_id)
        if isinstance(exc, RegistrationFailed):
            return _refused(exc.message)
        log.info("registration from %s: platform unreachable or unusable: %r", config_url, exc.__cause__)
        return _refused(_l("The platform's configuration or registration endpoint could not be read."))
    return render_template("lti/registered.html", platform=platform)


@bp.app_errorhandler(PlatformNotActive)
def platform_not_active(exc: PlatformNotActive):  # type: ignore[no-untyped-def]
    """A login from a pending or disabled platform (launches render the same refusal themselves)."""
    return render_error(exc.status, _l("The launch could not be completed"), exc.message)


@bp.get("/config")
def manual_configuration():  # type: ignore[no-untyped-def]
    """What to paste into Moodle's "Manually configure" form, with Moodle's field names."""
    return render_template("lti/config.html", login_url=tool_url("lti.login"), launch_url=tool_url("lti.launch"),
                           jwks_url=tool_url("lti.jwks"), tool_name=TOOL_NAME, deep_link_url=tool_url("lti.launch"),
                           request_names=app_state().settings.request_names)
