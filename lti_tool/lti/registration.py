"""Registering platforms: LTI Dynamic Registration 1.0 at /lti/register, the manual-registration page at
/lti/config (what to paste into Moodle's "Manually configure" form), and `add_platform` for the CLI."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l
from pylti1p3.dynamic_registration import DynamicRegistration
from pylti1p3.exception import LtiException
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.errors import render_error
from lti_tool.lti import claims as C
from lti_tool.lti.flow import TimeoutSession
from lti_tool.lti.records import get_or_create
from lti_tool.lti.views import tool_url
from lti_tool.models import LtiDeployment, LtiPlatform
from lti_tool.state import app_state

bp = Blueprint("lti_registration", __name__, url_prefix="/lti")
PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
TOOL_NAME = "MIRCO Learning Suite"


class RegistrationFailed(Exception):
    """The platform's configuration or answer cannot be used; the message says what to fix. `message` is a lazy
    `_l()` string where it reaches a page (dynamic registration), plain English where it reaches the CLI."""

    def __init__(self, message: Any) -> None:
        super().__init__(message)
        self.message = message


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


def add_platform(session: Session, details: PlatformDetails, registered_by: str) -> tuple[LtiPlatform, bool]:
    """Create or update the registration (issuer + client id) and its deployment; True when it was new."""
    for field in ("issuer", "auth_login_url", "auth_token_url", "key_set_url"):
        value = getattr(details, field)
        if not value.startswith(("https://", "http://")):
            raise RegistrationFailed(f"{field} must be an http(s) URL, got {value!r}")
    for field in ("issuer", "client_id", "deployment_id"):
        if not getattr(details, field) or len(getattr(details, field)) > 255:
            raise RegistrationFailed(f"{field} must have 1 to 255 characters")
    platform = session.scalar(select(LtiPlatform).where(LtiPlatform.issuer == details.issuer,
                                                        LtiPlatform.client_id == details.client_id))
    created = platform is None
    if created:
        platform = LtiPlatform(issuer=details.issuer, client_id=details.client_id)
        session.add(platform)
    platform.name = details.name[:255]
    platform.auth_login_url = details.auth_login_url
    platform.auth_token_url = details.auth_token_url
    platform.auth_audience = details.auth_audience
    platform.key_set_url = details.key_set_url
    platform.registered_by = registered_by
    session.flush()
    get_or_create(session, LtiDeployment, {"platform_id": platform.id, "deployment_id": details.deployment_id})
    return platform, created


class ToolRegistration(DynamicRegistration):
    """What the tool asks the platform for: launch and login URLs, JWKS, AGS + NRPS scopes, deep linking."""

    client_name = TOOL_NAME
    description = "MIRCO migration-management curricula: lessons, quizzes and grades (LTI 1.3 Advantage)."

    def __init__(self, openid_configuration: str, registration_token: str | None) -> None:
        self.openid_configuration_url = openid_configuration
        self.registration_token = registration_token
        self.platform: LtiPlatform | None = None

    def get_request_session(self) -> requests.Session:
        return TimeoutSession()

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
        return ["iss", "sub", "name", "given_name", "family_name", "email", "locale"]

    def get_messages(self) -> list[dict[str, str]]:
        return [{"type": "LtiDeepLinkingRequest", "target_link_uri": tool_url("lti.launch"), "label": TOOL_NAME}]

    def get_logo_uri(self) -> str:
        return tool_url("static", filename="mirco-logo.svg")

    def get_openid_configuration_endpoint(self) -> str:
        return self.openid_configuration_url

    def get_registration_token(self) -> str | None:
        return self.registration_token

    def get_openid_configuration(self) -> dict[str, Any]:
        """Fetch and check the platform's configuration before anything is sent to it."""
        headers = {"Accept": "application/json"}
        if self.registration_token:
            headers["Authorization"] = "Bearer " + self.registration_token
        try:
            resp = self.get_request_session().get(self.openid_configuration_url, headers=headers)
            config = resp.json()
        except (requests.RequestException, ValueError) as exc:
            raise RegistrationFailed(_l("The platform's configuration at %(url)s could not be read (%(error)s).",
                                        url=self.openid_configuration_url, error=type(exc).__name__)) from None
        if not resp.ok or not isinstance(config, dict):
            raise RegistrationFailed(_l("The platform's configuration answered HTTP %(status)s.",
                                        status=resp.status_code))
        required = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri", "registration_endpoint")
        missing = [k for k in required if not isinstance(config.get(k), str)]
        if missing or not isinstance(config.get(PLATFORM_CONFIGURATION), dict):
            raise RegistrationFailed(_l("The platform's configuration lacks %(fields)s.",
                                        fields=", ".join(missing or [PLATFORM_CONFIGURATION])))
        if not self.openid_configuration_url.startswith(config["issuer"]):
            raise RegistrationFailed(_l("The platform's issuer does not match the address of its configuration."))
        return config

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
            auth_audience=openid_configuration.get("authorization_server"))
        with app_state().db.transaction() as session:
            self.platform, _ = add_platform(session, details, "dynamic")
        return self.platform


@bp.get("/register")
def register():  # type: ignore[no-untyped-def]
    """LTI Dynamic Registration: the administrator pastes this URL into the platform; it calls us here."""
    config_url = request.args.get("openid_configuration", "")
    token = request.args.get("registration_token")
    if not config_url.startswith(("https://", "http://")) or len(config_url) > 2048:
        return render_error(400, _l("Registration failed"),
                            _l("This address is opened by the platform during dynamic registration, with an "
                               "openid_configuration parameter. Paste it into your platform's tool registration."))
    registration = ToolRegistration(config_url, token if token and len(token) <= 4096 else None)
    try:
        platform = registration.register()
    except RegistrationFailed as exc:
        return render_error(400, _l("Registration failed"), exc.message)
    except (LtiException, AssertionError, requests.RequestException) as exc:
        return render_error(502, _l("Registration failed"),
                            _l("The platform refused the registration: %(reason)s", reason=str(exc)))
    return render_template("lti/registered.html", platform=platform)


@bp.get("/config")
def manual_configuration():  # type: ignore[no-untyped-def]
    """What to paste into Moodle's "Manually configure" form, with Moodle's field names."""
    return render_template("lti/config.html", register_url=tool_url("lti_registration.register"),
                           login_url=tool_url("lti.login"), launch_url=tool_url("lti.launch"),
                           jwks_url=tool_url("lti.jwks"), tool_name=TOOL_NAME,
                           deep_link_url=tool_url("lti.launch"))
