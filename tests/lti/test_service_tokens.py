"""AGS/NRPS access tokens are cached per issuer AND client id (pylti1p3next keys them per issuer only)."""
from __future__ import annotations

from pylti1p3.registration import Registration

from lti_tool.launch_store import DatabaseLaunchStore
from lti_tool.lti.flow import ClientKeyedServiceConnector
from lti_tool.state import app_state

SCOPES = ["https://purl.imsglobal.org/spec/lti-ags/scope/score"]


def connector(store, client_id: str) -> ClientKeyedServiceConnector:
    registration = Registration().set_issuer("https://moodle.example").set_client_id(client_id)
    return ClientKeyedServiceConnector(registration, store)


def test_two_registrations_on_one_issuer_never_share_a_token(tool):
    store = DatabaseLaunchStore(app_state(tool.app).db)
    first, second = connector(store, "tool-a"), connector(store, "tool-b")
    key_a, key_b = first._scope_key(SCOPES), second._scope_key(SCOPES)
    assert key_a != key_b
    first._cache_access_token(key_a, "token-a", 3600)
    assert first._get_cached_access_token(key_a) == "token-a"
    assert second._get_cached_access_token(key_b) is None


def test_token_is_cached_until_shortly_before_expiry(tool):
    store = DatabaseLaunchStore(app_state(tool.app).db)
    one = connector(store, "tool-a")
    key = one._scope_key(SCOPES)
    one._cache_access_token(key, "short-lived", 20)  # expires within the renewal margin: not cached
    assert one._get_cached_access_token(key) is None
    one._cache_access_token(key, "long", 3600)
    assert connector(store, "tool-a")._get_cached_access_token(key) == "long"  # shared across workers
