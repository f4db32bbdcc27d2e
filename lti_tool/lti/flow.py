"""pylti1p3 wired to the tool: shared launch store, single-use state and nonce, cookies, key caching, azp.

pylti1p3 leaves three gaps this module closes: its state check accepts the same id_token twice in one browser
session, its nonce check only tests presence, and it does not look at `azp`. Its login also stores state per
request; here the state is signed and self-contained, so anonymous logins write nothing. It also keeps AGS/NRPS access
tokens per issuer and scopes, not per client id; `ServiceConnector` here keys them per registration.
"""
from __future__ import annotations

import hashlib
import threading
import time
import uuid
from typing import Any

import requests
from itsdangerous import BadData, URLSafeTimedSerializer
from pylti1p3.contrib.flask import FlaskMessageLaunch, FlaskOIDCLogin, FlaskRequest
from pylti1p3.cookie import CookieService
from pylti1p3.exception import LtiKeyException, LtiMessageValidationException
from pylti1p3.launch_data_storage.base import LaunchDataStorage
from pylti1p3.service_connector import ServiceConnector
from pylti1p3.session import SessionService
from flask import Response
from flask_babel import lazy_gettext as _l

from lti_tool.launch_store import LaunchStore
from lti_tool.lti import claims as C
from lti_tool.lti.refusals import Reason

STATE_TTL = 600
JWKS_TTL = 300
HTTP_TIMEOUT = 10


class LaunchRejected(Exception):
    """A launch that must be refused with a readable page; `status` is the HTTP status. `message` is what the
    learner reads: a lazy `_l()` string, kept lazy so that the page translates it. `reason` is what the log and the
    refusal counter say. When the browser refused the state cookie, `relaunch_url` (a platform page that starts a
    fresh launch) or `platform_url` (the platform's site) is the way back in (lti_tool.lti.relaunch)."""

    def __init__(self, message: Any, status: int = 400, *, reason: Reason = Reason.INVALID_TOKEN,
                 relaunch_url: str | None = None, platform_url: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.reason = reason
        self.relaunch_url = relaunch_url
        self.platform_url = platform_url


class StorageNeeded(Exception):
    """The state cookie is missing but the platform offered postMessage storage: ask it for the state."""

    def __init__(self, storage_target: str, platform_origin: str, relaunch_url: str | None = None,
                 platform_url: str | None = None) -> None:
        super().__init__("state is in the platform's storage")
        self.storage_target = storage_target
        self.platform_origin = platform_origin
        self.relaunch_url = relaunch_url  # the way back in should the storage not answer either (LaunchRejected)
        self.platform_url = platform_url


class TimeoutSession(requests.Session):
    """A platform that does not answer must not hold a worker forever."""

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        kwargs.setdefault("timeout", HTTP_TIMEOUT)
        return super().request(*args, **kwargs)


class StoreDataStorage(LaunchDataStorage):
    """pylti1p3's storage on the shared launch store. Keys are random, so no per-browser prefix is needed:
    that prefix would need a cookie, which is exactly what browsers block in cross-site iframes."""

    def __init__(self, store: LaunchStore) -> None:
        super().__init__()
        self.store = store

    def get_session_cookie_name(self) -> None:
        return None

    def can_set_keys_expiration(self) -> bool:
        return True

    def get_value(self, key: str) -> Any:
        return self.store.get(self._prepare_key(key))

    def set_value(self, key: str, value: Any, exp: int | None = None) -> None:
        self.store.set(self._prepare_key(key), value, exp or STATE_TTL)

    def check_value(self, key: str) -> bool:
        return self.store.get(self._prepare_key(key)) is not None

    def pop_value(self, key: str) -> Any:
        return self.store.pop(self._prepare_key(key))


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:40]


class SignedStateSessionService(SessionService):
    """The OIDC state is a signed, self-contained token (itsdangerous, the app's secret key) holding the login's
    parameters and the nonce issued with it, so an anonymous login writes nothing anywhere.

    The launch reads the parameters back from the state (signature and age checked), the id_token's nonce must be
    the one in it, and only once the whole id_token is valid does `consume` mark the state used, in the shared
    store until the state expires (an atomic insert): a state and its nonce work once, across workers and hosts.
    """

    data_storage: StoreDataStorage

    def __init__(self, store: LaunchStore, secret_key: str) -> None:
        self.data_storage = StoreDataStorage(store)
        self._launch_data_lifetime = STATE_TTL
        self._signer = URLSafeTimedSerializer(secret_key, salt="mirco.oidc-state")
        self._expected_nonce: str | None = None

    def sign_state(self, params: dict, nonce: str) -> str:
        return self._signer.dumps({**params, "nonce": nonce})

    def save_nonce(self, nonce: str) -> None:
        return None  # inside the signed state already (ToolOIDCLogin)

    def save_state_params(self, state: str, params: dict) -> None:
        return None  # the state is the record

    def peek_state_params(self, state: str) -> dict | None:
        """The login's parameters if `state` is ours and younger than STATE_TTL, else None."""
        try:
            params = self._signer.loads(state.removeprefix("state-"), max_age=STATE_TTL)
        except BadData:
            return None
        return params if isinstance(params, dict) else None

    def take_state_params(self, state: str) -> dict | None:
        params = self.peek_state_params(state)
        self._expected_nonce = params.get("nonce") if params else None
        return params

    def consume(self, state: str) -> bool:
        """Mark `state` used; False when it already was (a replayed launch)."""
        return self.data_storage.store.add("used-state-" + _digest(state), 1, STATE_TTL)

    def check_nonce(self, nonce: str) -> bool:
        return isinstance(nonce, str) and self._expected_nonce is not None and nonce == self._expected_nonce

    def check_state_is_valid(self, state: str, id_token_hash: str) -> bool:
        return False  # never accept a state a second time

    def set_state_valid(self, state: str, id_token_hash: str) -> None:
        return None


class ToolOIDCLogin(FlaskOIDCLogin):
    """FlaskOIDCLogin whose state is the signed token of SignedStateSessionService.

    pylti1p3 names the state "state-" + `_get_uuid()` and only then draws the nonce: the nonce is drawn first
    here, so that the state can carry it.
    """

    _session_service: SignedStateSessionService

    def _get_uuid(self) -> str:
        self._nonce = uuid.uuid4().hex + uuid.uuid4().hex
        return self._session_service.sign_state(dict(self._state_params), self._nonce)

    def _generate_nonce(self) -> str:
        return self._nonce


class ToolCookieService(CookieService):
    """The OIDC state cookie: `Secure; SameSite=None; Partitioned` when the tool runs with secure cookies."""

    def __init__(self, request: FlaskRequest, secure: bool) -> None:
        self._request = request
        self._secure = secure
        self._to_set: dict[str, tuple[str, int | None]] = {}

    def _key(self, name: str) -> str:
        return f"{self._cookie_prefix}-state-{_digest(name)}"  # pylti1p3 keeps only the state in cookies; it is long

    def get_cookie(self, name: str) -> str | None:
        return self._request.get_cookie(self._key(name))

    def set_cookie(self, name: str, value: str | int, exp: int | None = 3600) -> None:
        self._to_set[self._key(name)] = (_digest(str(value)), exp)

    def holds(self, state: str) -> bool:
        """This browser sent back the cookie set with `state` at login."""
        return self.get_cookie(state) == _digest(state)

    def update_response(self, response: Response) -> None:
        for key, (value, exp) in self._to_set.items():
            response.set_cookie(key, value, max_age=exp, path="/", httponly=True, secure=self._secure,
                                samesite="None" if self._secure else "Lax", partitioned=self._secure)


_jwks_cache: dict[str, tuple[float, dict]] = {}
_jwks_lock = threading.Lock()


def _fetch_key_set(url: str, session: requests.Session) -> dict:
    try:
        resp = session.get(url)
    except requests.RequestException as exc:
        raise LtiKeyException(f"the platform's key set at {url} cannot be reached ({type(exc).__name__})") from exc
    try:
        data = resp.json()
    except ValueError:
        raise LtiKeyException(f"the platform's key set at {url} is not JSON (HTTP {resp.status_code})") from None
    if not resp.ok or not isinstance(data, dict) or not isinstance(data.get("keys"), list) \
            or not all(isinstance(k, dict) for k in data["keys"]):
        raise LtiKeyException(f"the platform's key set at {url} is not a JSON Web Key Set (HTTP {resp.status_code})")
    return data


class ToolMessageLaunch(FlaskMessageLaunch):
    """FlaskMessageLaunch with single-use state, audience checks and a per-process public key cache.

    The key cache holds only the platform's public keys (not launch state); an unknown kid refreshes it once,
    so a platform that rotates its key is followed at once.
    """

    _session_service: SignedStateSessionService
    _cookie_service: ToolCookieService

    def __init__(self, *args: Any, storage_state: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._storage_state = storage_state
        self.state_params: dict = {}
        self.set_jwt_verify_options({"verify_aud": False, "require": ["exp", "iat", "iss", "aud", "sub"]})

    def validate_state(self) -> "ToolMessageLaunch":
        state = self._get_request_param("state")
        if not state:
            raise LaunchRejected(_l("The launch has no state parameter. Start the activity again from your course."),
                                 reason=Reason.NO_STATE)
        unknown = _l("This launch was already used or has expired (unknown state). "
                     "Start the activity again from your course.")
        if not self._cookie_service.holds(state):  # no cookie: maybe the platform's storage has it
            params = self._session_service.peek_state_params(state)
            if not isinstance(params, dict):
                raise LaunchRejected(unknown, reason=Reason.UNKNOWN_STATE)
            if not (params.get("storage_target") and self._storage_state == state):
                if params.get("storage_target") and self._storage_state is None:
                    raise StorageNeeded(params["storage_target"], params.get("platform_origin", "*"),
                                        params.get("relaunch_url"), params.get("platform_url"))
                raise LaunchRejected(
                    _l("Your browser did not keep the cookie this launch needs (browsers often block cookies inside "
                       "another site's frame). Open the activity in a new window to continue."), 401,
                    reason=Reason.COOKIE_REFUSED, relaunch_url=params.get("relaunch_url"),
                    platform_url=params.get("platform_url"))
        params = self._session_service.take_state_params(state)
        if not isinstance(params, dict):
            raise LaunchRejected(unknown, reason=Reason.UNKNOWN_STATE)
        self.state_params = params
        return self

    def validate_registration(self) -> "ToolMessageLaunch":
        body = self._get_jwt_body()
        if not isinstance(body.get("iss"), str) or not isinstance(body.get("aud"), (str, list)):
            raise LtiMessageValidationException("The id_token has no valid iss or aud claim.")
        super().validate_registration()
        aud = body["aud"] if isinstance(body["aud"], list) else [body["aud"]]
        client_id = self._registration.get_client_id()
        azp = body.get("azp")
        if client_id not in aud:
            raise LtiMessageValidationException("The id_token's audience (aud) does not name this tool.")
        if (len(aud) > 1 or azp is not None) and azp != client_id:
            raise LtiMessageValidationException("The id_token's authorized party (azp) is not this tool.")
        expected = self.state_params.get("client_id")
        if expected and expected != client_id:
            raise LtiMessageValidationException("The id_token is for another registration than the login.")
        target = body.get(C.TARGET_LINK_URI)
        if self.state_params.get("target_link_uri") and target != self.state_params["target_link_uri"]:
            raise LtiMessageValidationException("The id_token's target_link_uri is not the one the login asked for.")
        return self

    def get_public_key(self) -> tuple[str, str]:
        url = self._registration.get_key_set_url()
        if self._registration.get_key_set() or not url:
            return super().get_public_key()
        with _jwks_lock:
            cached = _jwks_cache.get(url)
        fresh = cached is None or cached[0] < time.monotonic()
        key_set = _fetch_key_set(url, self._requests_session) if fresh else cached[1]
        self._registration.set_key_set(key_set)
        try:
            found = super().get_public_key()
        except LtiKeyException as exc:
            if fresh or "Unable to find" not in str(exc):
                raise
            self._registration.set_key_set(_fetch_key_set(url, self._requests_session))  # platform rotated keys
            found = super().get_public_key()
            key_set = self._registration.get_key_set()
        with _jwks_lock:
            _jwks_cache[url] = (time.monotonic() + JWKS_TTL, key_set)
        return found

    def save_launch_data(self) -> "ToolMessageLaunch":
        """pylti1p3's last step, once the id_token is valid: the state is used up here (the launch itself is kept as
        database rows by lti_tool.lti.records, not as a cached blob)."""
        if not self._session_service.consume(self._get_request_param("state")):
            raise LaunchRejected(_l("This launch was already used or has expired (unknown state). "
                                    "Start the activity again from your course."), reason=Reason.REPLAYED_STATE)
        return self

    def claims(self) -> dict:
        return dict(self._get_jwt_body())


class ClientKeyedServiceConnector(ServiceConnector):
    """AGS/NRPS access tokens cached in the shared store until they expire, keyed per issuer AND client id.

    pylti1p3next's Flask connector keys by issuer and scopes only: a second registration on the same issuer
    (another Moodle tool) would receive the first one's token and get 401 from the platform.
    """

    def __init__(self, registration: Any, store: LaunchStore) -> None:
        super().__init__(registration, TimeoutSession())
        self.store = store

    def _scope_key(self, scopes: Any) -> str:
        parts = [self._registration.get_issuer() or "", self._registration.get_client_id() or "", *sorted(scopes)]
        return "service-token-" + hashlib.sha256("|".join(parts).encode()).hexdigest()

    def _get_cached_access_token(self, scope_key: str) -> str | None:
        return self.store.get(scope_key)

    def _cache_access_token(self, scope_key: str, access_token: str, expires_in: float) -> None:
        ttl = int(expires_in or 0) - 30  # renew a little before the platform's expiry
        if ttl > 0:
            self.store.set(scope_key, access_token, ttl)
