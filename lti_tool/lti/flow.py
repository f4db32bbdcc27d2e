"""pylti1p3 wired to the tool: shared launch store, single-use state and nonce, cookies, key caching, azp.

pylti1p3 leaves three gaps this module closes: its state check accepts the same id_token twice in one browser
session, its nonce check only tests presence, and it does not look at `azp`. It also keeps AGS/NRPS access
tokens per issuer and scopes, not per client id; `ServiceConnector` here keys them per registration.
"""
from __future__ import annotations

import hashlib
import threading
import time
from typing import Any

import requests
from pylti1p3.contrib.flask import FlaskMessageLaunch, FlaskRequest
from pylti1p3.cookie import CookieService
from pylti1p3.exception import LtiKeyException, LtiMessageValidationException
from pylti1p3.launch_data_storage.base import LaunchDataStorage
from pylti1p3.service_connector import ServiceConnector
from pylti1p3.session import SessionService
from flask import Response
from flask_babel import lazy_gettext as _l

from lti_tool.launch_store import LaunchStore
from lti_tool.lti import claims as C

STATE_TTL = 600
JWKS_TTL = 300
HTTP_TIMEOUT = 10


class LaunchRejected(Exception):
    """A launch that must be refused with a readable page; `status` is the HTTP status. `message` is what the
    learner reads: a lazy `_l()` string, kept lazy so that the page translates it."""

    def __init__(self, message: Any, status: int = 400, *, new_window_url: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.new_window_url = new_window_url


class StorageNeeded(Exception):
    """The state cookie is missing but the platform offered postMessage storage: ask it for the state."""

    def __init__(self, storage_target: str, platform_origin: str) -> None:
        super().__init__("state is in the platform's storage")
        self.storage_target = storage_target
        self.platform_origin = platform_origin


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


class SingleUseSessionService(SessionService):
    """One record per login, keyed by the OIDC state and holding the nonce issued with it.

    The launch takes the record out of the store (atomic pop), so the state and its nonce work once; the id_token's
    nonce must be the one issued with that state. One write at login and one delete at launch.
    """

    data_storage: StoreDataStorage

    def __init__(self, store: LaunchStore) -> None:
        self.data_storage = StoreDataStorage(store)
        self._launch_data_lifetime = STATE_TTL
        self._nonce: str | None = None
        self._expected_nonce: str | None = None

    def save_nonce(self, nonce: str) -> None:
        self._nonce = nonce  # kept with the state params (pylti1p3 saves the nonce first, then the state)

    def save_state_params(self, state: str, params: dict) -> None:
        super().save_state_params(state, {**params, "nonce": self._nonce})

    def check_nonce(self, nonce: str) -> bool:
        return isinstance(nonce, str) and self._expected_nonce is not None and nonce == self._expected_nonce

    def take_state_params(self, state: str) -> dict | None:
        params = self.data_storage.pop_value(self._get_key(state))
        self._expected_nonce = params.get("nonce") if isinstance(params, dict) else None
        return params

    def peek_state_params(self, state: str) -> dict | None:
        return self.data_storage.get_value(self._get_key(state))

    def check_state_is_valid(self, state: str, id_token_hash: str) -> bool:
        return False  # never accept a state a second time

    def set_state_valid(self, state: str, id_token_hash: str) -> None:
        return None


class ToolCookieService(CookieService):
    """The OIDC state cookie: `Secure; SameSite=None; Partitioned` when the tool runs with secure cookies."""

    def __init__(self, request: FlaskRequest, secure: bool) -> None:
        self._request = request
        self._secure = secure
        self._to_set: dict[str, tuple[str, int | None]] = {}

    def _key(self, name: str) -> str:
        return f"{self._cookie_prefix}-{name}"

    def get_cookie(self, name: str) -> str | None:
        return self._request.get_cookie(self._key(name))

    def set_cookie(self, name: str, value: str | int, exp: int | None = 3600) -> None:
        self._to_set[self._key(name)] = (str(value), exp)

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

    _session_service: SingleUseSessionService

    def __init__(self, *args: Any, storage_state: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._storage_state = storage_state
        self.state_params: dict = {}
        self.set_jwt_verify_options({"verify_aud": False, "require": ["exp", "iat", "iss", "aud", "sub"]})

    def validate_state(self) -> "ToolMessageLaunch":
        state = self._get_request_param("state")
        if not state:
            raise LaunchRejected(_l("The launch has no state parameter. Start the activity again from your course."))
        unknown = _l("This launch was already used or has expired (unknown state). "
                     "Start the activity again from your course.")
        if self._cookie_service.get_cookie(state) != state:  # no cookie: maybe the platform's storage has it
            params = self._session_service.peek_state_params(state)
            if not isinstance(params, dict):
                raise LaunchRejected(unknown)
            if not (params.get("storage_target") and self._storage_state == state):
                if params.get("storage_target") and self._storage_state is None:
                    raise StorageNeeded(params["storage_target"], params.get("platform_origin", "*"))
                raise LaunchRejected(
                    _l("Your browser did not keep the cookie this launch needs (browsers often block cookies inside "
                       "another site's frame). Open the activity in a new window to continue."), 401,
                    new_window_url=params.get("new_window_url"))
        params = self._session_service.take_state_params(state)  # atomic: a second use finds nothing
        if not isinstance(params, dict):
            raise LaunchRejected(unknown)
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
        return self  # the launch is kept as database rows (lti_tool.lti.records), not as a cached blob

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
