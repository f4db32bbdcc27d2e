"""pylti1p3's tool-configuration interface on our tables: platforms, deployments and the tool's signing key."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l
from pylti1p3.deployment import Deployment
from pylti1p3.registration import Registration
from pylti1p3.tool_config import ToolConfAbstract
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool import keys
from lti_tool.lti.flow import LaunchRejected
from lti_tool.lti.refusals import Reason
from lti_tool.models import LtiDeployment, LtiPlatform

ACTIVE, PENDING, DISABLED = "active", "pending", "disabled"


class PlatformNotActive(LaunchRejected):
    """A login or launch from a platform an administrator has not approved yet, or has disabled."""

    def __init__(self, platform: LtiPlatform) -> None:
        if platform.status == PENDING:
            message = _l("This platform's registration is waiting for approval by the tool's administrator "
                         "(mirco platforms approve %(id)s). Try again once it is approved.", id=platform.id)
        else:
            message = _l("This platform's registration has been disabled by the tool's administrator.")
        super().__init__(message, 403, reason=Reason.PLATFORM_NOT_ACTIVE)


class DatabaseToolConf(ToolConfAbstract):
    """Every issuer may hold several client ids (Moodle: one per registered tool), so lookups use both."""

    def __init__(self, session: Session, keys_path: Path, *, with_keys: bool = True) -> None:
        """`with_keys=False` for login and launch, which verify the platform and never sign as the tool; these
        also refuse a platform that is not active (`PlatformNotActive`)."""
        super().__init__()
        self.session = session
        self.keys_path = keys_path
        self.with_keys = with_keys
        self.platform: LtiPlatform | None = None
        self._platforms: dict[tuple[str, str | None], LtiPlatform | None] = {}

    def check_iss_has_one_client(self, iss: str) -> bool:
        return False

    def check_iss_has_many_clients(self, iss: str) -> bool:
        return True

    def find_platform(self, iss: str, client_id: str | None) -> LtiPlatform | None:
        """The registration for issuer + client id (remembered for this request: pylti1p3 asks several times)."""
        if (iss, client_id) not in self._platforms:
            query = select(LtiPlatform).where(LtiPlatform.issuer == iss)
            if client_id:
                found = self.session.scalar(query.where(LtiPlatform.client_id == client_id))
            else:
                candidates = self.session.scalars(query.limit(2)).all()
                found = candidates[0] if len(candidates) == 1 else None  # ambiguous without client_id
            self._platforms[(iss, client_id)] = found
        found = self._platforms[(iss, client_id)]
        if found is not None and not self.with_keys and found.status != ACTIVE:
            raise PlatformNotActive(found)
        return found

    def registration_for(self, platform: LtiPlatform) -> Registration:
        registration = (Registration().set_issuer(platform.issuer).set_client_id(platform.client_id)
                        .set_auth_login_url(platform.auth_login_url).set_auth_token_url(platform.auth_token_url)
                        .set_key_set_url(platform.key_set_url).set_key_set(platform.key_set))
        if self.with_keys:
            signing = keys.signing_key(self.session, self.keys_path)
            registration.set_tool_private_key(signing.private_pem).set_tool_public_key(signing.public_pem)
        if platform.auth_audience:
            registration.set_auth_audience(platform.auth_audience)
        return registration

    def find_registration_by_issuer(self, iss: str, *args: Any, **kwargs: Any) -> Registration | None:
        return self.find_registration_by_params(iss, None, *args, **kwargs)

    def find_registration_by_params(self, iss: str, client_id: str | None, *args: Any,
                                    **kwargs: Any) -> Registration | None:
        if not isinstance(iss, str) or (client_id is not None and not isinstance(client_id, str)):
            return None
        self.platform = self.find_platform(iss, client_id)
        return self.registration_for(self.platform) if self.platform else None

    def find_deployment(self, iss: str, deployment_id: str) -> Deployment | None:
        return self.find_deployment_by_params(iss, deployment_id, None)

    def find_deployment_by_params(self, iss: str, deployment_id: str, client_id: str | None, *args: Any,
                                  **kwargs: Any) -> Deployment | None:
        platform = self.find_platform(iss, client_id)
        if platform is None or not isinstance(deployment_id, str):
            return None
        found = self.session.scalar(select(LtiDeployment.id).where(
            LtiDeployment.platform_id == platform.id, LtiDeployment.deployment_id == deployment_id))
        return Deployment().set_deployment_id(deployment_id) if found else None
