"""LTI Dynamic Registration over real HTTP: only through a one-time URL an administrator created, pending until
approved, never changing an existing registration, never reaching private addresses unless configured; the
platform side follows the spec's message flow (IMS LTI Dynamic Registration 1.0 §3) and is a real LTI platform
(lti1p3platform) so that a registered platform can then launch. Also the manual page and the CLI."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import lxml.html
import pytest
import requests
from flask import Flask, jsonify, request
from sqlalchemy import select, update

from lti_tool.cli import cli
from lti_tool.demo.platform import PlatformState, platform_blueprint
from lti_tool.lti.registration import same_origin
from lti_tool.models import LtiDeployment, LtiPlatform, LtiRegistrationToken, utcnow
from lti_tool.state import app_state
from tests.lti.conftest import register, served_tool
from tests.lti.support import Browser, Server, launch_claims, login, row_counts, rsa_key, sign
from tests.servers import free_port

TOKEN = "reg-token-123"
TOOL_CONFIG = "https://purl.imsglobal.org/spec/lti-tool-configuration"
CONFIG_PATH = "/.well-known/openid-configuration"


class RegistrationPlatform:
    """A platform strict the way Moodle is (bearer token, required fields, domain = host of target_link_uri),
    which is also a real LTI platform (lti1p3platform): once registered it can launch the tool."""

    def __init__(self, tool_url: str, client_id: str = "client-1", issuer: str | None = None,
                 host: str = "127.0.0.1") -> None:
        port = free_port()
        self.url = f"http://{host}:{port}"
        self.issuer = issuer or self.url
        self.client_id = client_id
        self.received: list[dict] = []
        self.config_hits = 0
        self.answer_status = 200
        self.oversize = False
        self.jwks_path = "/jwks"
        self.state = PlatformState(
            issuer=self.issuer, client_id=client_id, deployment_id="dep-1", private_pem=rsa_key("platform")[0],
            tool_login_url=tool_url + "/lti/login", tool_launch_url=tool_url + "/lti/launch",
            tool_jwks_url=tool_url + "/lti/jwks.json", redirect_uris=[tool_url + "/lti/launch"])
        self.state.links["link-1"] = {"title": "Refugee protection essentials", "custom": {"course": "mini-course"},
                                      "lineitem": None}
        self.app = Flask("registration-platform")
        self.app.register_blueprint(platform_blueprint("platform", "", lambda: self.state))
        self.app.add_url_rule(CONFIG_PATH, view_func=self.configuration)
        self.app.add_url_rule("/register", view_func=self.register, methods=["POST"])
        self.server = Server(self.app, port)

    @property
    def config_url(self) -> str:
        return self.url + CONFIG_PATH

    def configuration(self):  # type: ignore[no-untyped-def]
        self.config_hits += 1
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return jsonify(error="unauthorized"), 401
        if self.oversize:
            return jsonify(padding="x" * 300_000)
        return jsonify({
            "issuer": self.issuer, "authorization_endpoint": self.url + "/authorize",
            "token_endpoint": self.url + "/token", "jwks_uri": self.url + self.jwks_path,
            "registration_endpoint": self.url + "/register", "scopes_supported": ["openid"],
            "response_types_supported": ["id_token"], "id_token_signing_alg_values_supported": ["RS256"],
            "subject_types_supported": ["public", "pairwise"], "claims_supported": ["sub", "iss", "name"],
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            "https://purl.imsglobal.org/spec/lti-platform-configuration": {
                "product_family_code": "moodle", "version": "5.1",
                "messages_supported": [{"type": "LtiResourceLinkRequest"}, {"type": "LtiDeepLinkingRequest"}]},
        })

    def register(self):  # type: ignore[no-untyped-def]
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return jsonify(error="unauthorized"), 401
        body = request.get_json()
        self.received.append(body)
        tool = body.get(TOOL_CONFIG, {})
        problems = [
            body.get("application_type") != "web", body.get("response_types") != ["id_token"],
            not {"implicit", "client_credentials"} <= set(body.get("grant_types", [])),
            body.get("token_endpoint_auth_method") != "private_key_jwt",
            not body.get("initiate_login_uri") or not body.get("jwks_uri") or not body.get("redirect_uris"),
            tool.get("domain") != urlsplit(tool.get("target_link_uri", "")).netloc,
        ]
        if any(problems) or self.answer_status != 200:
            return jsonify(error="invalid_client_metadata"), 400
        return jsonify(dict(body, client_id=self.client_id, **{TOOL_CONFIG: dict(tool, deployment_id="dep-1")}))

    def launch(self, user: str = "learner-1") -> requests.Response:
        return Browser().open(f"{self.url}/start/resource/{user}?link=link-1")

    def close(self) -> None:
        self.server.close()


@pytest.fixture
def local_tool(database_url: str, tmp_path: Path):
    """The tool configured for local testing: registration may reach http:// and 127.0.0.1."""
    with served_tool(database_url, tmp_path / "instance", registration_allow_private=True) as tool:
        yield tool


@pytest.fixture
def reg_platform(local_tool):
    platform = RegistrationPlatform(local_tool.url)
    yield platform
    platform.close()


def mirco(app: Flask, *args: str):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(cli, args=list(args))


def registration_url(app: Flask) -> str:
    result = mirco(app, "platforms", "registration-url")
    assert result.exit_code == 0, result.output
    (url,) = [line for line in result.output.splitlines() if line.startswith("http")]
    return url


def register_through(url: str, config_url: str, token: str = TOKEN) -> requests.Response:
    """What Moodle does with the Tool URL: open it in the admin's browser with its two parameters."""
    return requests.get(url, params={"openid_configuration": config_url, "registration_token": token}, timeout=30)


def message_of(html: str) -> str:
    return " ".join(lxml.html.fromstring(html).xpath("string(//main)").split())


def platforms(app: Flask) -> list[tuple]:
    with app_state(app).db.sessions() as session:
        return [(p.issuer, p.client_id, p.status, p.auth_login_url, p.auth_token_url, p.key_set_url)
                for p in session.scalars(select(LtiPlatform).order_by(LtiPlatform.id))]


# --- the good path ----------------------------------------------------------------------------------------------

def test_registration_through_a_one_time_url_then_approval_then_launch(local_tool, reg_platform):
    url = registration_url(local_tool.app)
    assert url.startswith(local_tool.url + "/lti/register/")
    response = register_through(url, reg_platform.config_url)
    assert response.status_code == 200, response.text
    assert "org.imsglobal.lti.close" in response.text and "pending approval" in response.text
    assert "Show in activity chooser" in response.text
    (sent,) = reg_platform.received
    assert sent["initiate_login_uri"] == local_tool.url + "/lti/login"
    assert sent["redirect_uris"] == [local_tool.url + "/lti/launch"]
    assert sent["jwks_uri"] == local_tool.url + "/lti/jwks.json"
    assert "https://purl.imsglobal.org/spec/lti-ags/scope/score" in sent["scope"].split()
    assert "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly" in sent["scope"].split()
    assert sent[TOOL_CONFIG]["messages"][0]["type"] == "LtiDeepLinkingRequest"
    assert sent[TOOL_CONFIG]["messages"][0]["target_link_uri"] == local_tool.url + "/lti/launch"
    with app_state(local_tool.app).db.sessions() as session:
        platform = session.scalars(select(LtiPlatform)).one()
        assert (platform.issuer, platform.client_id, platform.registered_by, platform.status) == (
            reg_platform.url, "client-1", "dynamic", "pending")
        assert platform.auth_login_url == reg_platform.url + "/authorize"
        assert session.scalars(select(LtiDeployment.deployment_id)).all() == ["dep-1"]
        platform_id = platform.id

    pending = reg_platform.launch()
    assert pending.status_code == 403 and "waiting for approval" in pending.text
    listing = mirco(local_tool.app, "platforms", "list").output
    assert f"{platform_id:4}  pending" in listing

    assert mirco(local_tool.app, "platforms", "approve", str(platform_id)).exit_code == 0
    page = reg_platform.launch()
    assert page.status_code == 200 and page.url.startswith(local_tool.url + "/play/"), page.text[:500]

    assert mirco(local_tool.app, "platforms", "disable", str(platform_id)).exit_code == 0
    disabled = reg_platform.launch()
    assert disabled.status_code == 403 and "disabled" in disabled.text


def frame_ancestors(response: requests.Response) -> list[str]:
    policy = dict(d.strip().split(" ", 1) for d in response.headers["Content-Security-Policy"].split(";"))
    return policy["frame-ancestors"].split()


def test_the_registering_platform_frames_only_the_registration_pages(local_tool, reg_platform):
    """It may frame the registration page at once; a pending platform may frame nothing else."""
    response = register_through(registration_url(local_tool.app), reg_platform.config_url)
    assert response.status_code == 200 and reg_platform.url in frame_ancestors(response)
    elsewhere = requests.get(local_tool.url + "/lti/config", timeout=30)
    assert reg_platform.url not in frame_ancestors(elsewhere)


def test_the_request_asks_for_names_and_email_by_default(local_tool, reg_platform):
    """Moodle sets "Share launcher's name/e-mail: Always" only when these claims are asked for."""
    assert register_through(registration_url(local_tool.app), reg_platform.config_url).status_code == 200
    (sent,) = reg_platform.received
    assert {"name", "given_name", "family_name", "email", "sub", "iss"} <= set(sent[TOOL_CONFIG]["claims"])


def test_a_pseudonymous_installation_asks_for_no_names(database_url, tmp_path):
    with served_tool(database_url, tmp_path / "instance", registration_allow_private=True,
                    request_names=False) as tool:
        platform = RegistrationPlatform(tool.url)
        try:
            assert register_through(registration_url(tool.app), platform.config_url).status_code == 200
        finally:
            platform.close()
        (sent,) = platform.received
        claims = set(sent[TOOL_CONFIG]["claims"])
        assert "sub" in claims and not claims & {"name", "given_name", "family_name", "email"}
        assert "Never" in tool.app.test_client().get("/lti/config").get_data(as_text=True)


def set_status(app: Flask, status: str) -> None:
    with app_state(app).db.transaction() as session:
        session.execute(update(LtiPlatform).values(status=status))


@pytest.mark.parametrize("status, words", [("pending", "waiting for approval"), ("disabled", "disabled")])
def test_a_launch_signed_by_a_platform_not_active_is_refused(tool_app, status, words):
    """The id_token path: login happened while the platform was active, the launch arrives after."""
    client = tool_app.test_client()
    answer = login(client, "https://platform.example", "client-1")
    set_status(tool_app, status)
    before = row_counts(tool_app)
    response = client.post("/lti/launch", data={
        "id_token": sign(launch_claims("https://platform.example", "client-1", answer.nonce)),
        "state": answer.state})
    text = response.get_data(as_text=True)
    assert response.status_code == 403 and words in text and "<h1>" in text
    assert row_counts(tool_app) == before
    login_again = client.get("/lti/login", query_string={"iss": "https://platform.example", "login_hint": "x",
                                                         "client_id": "client-1"})
    assert login_again.status_code == 403 and words in login_again.get_data(as_text=True)


# --- the audit's takeover ---------------------------------------------------------------------------------------

@pytest.fixture
def victim(local_tool):
    """Moodle, registered by the administrator (issuer I, client C), launching fine."""
    platform = RegistrationPlatform(local_tool.url)
    register(local_tool.app, platform.issuer, platform.client_id, "dep-1", platform.url + "/jwks",
             auth_base=platform.url)
    yield platform
    platform.close()


def test_takeover_without_a_registration_url_is_refused(local_tool, victim):
    """The attack as reported: the attacker's configuration says issuer I, its registration answers client C."""
    attacker = RegistrationPlatform(local_tool.url, client_id=victim.client_id, issuer=victim.issuer)
    try:
        before = platforms(local_tool.app)
        response = requests.get(local_tool.url + "/lti/register",
                                params={"openid_configuration": attacker.config_url, "registration_token": TOKEN},
                                timeout=30)
        assert response.status_code == 403 and "mirco platforms registration-url" in response.text
        assert attacker.config_hits == 0 and platforms(local_tool.app) == before
        assert victim.launch().status_code == 200
    finally:
        attacker.close()


def test_dynamic_registration_never_changes_an_existing_registration(local_tool, victim):
    """Even with a valid one-time URL and a configuration on the platform's own origin answering client C."""
    victim.jwks_path = "/other-jwks"
    before = platforms(local_tool.app)
    url = registration_url(local_tool.app)
    response = register_through(url, victim.config_url)
    assert response.status_code == 400 and "already registered" in response.text, response.text
    assert platforms(local_tool.app) == before
    assert victim.launch().status_code == 200


@pytest.mark.parametrize("lookalike", ["port suffix", "userinfo"])
def test_lookalike_configuration_addresses_are_refused(local_tool, lookalike):
    """Issuer `http://127.0.0.1` (registered); the attacker's configuration at `http://127.0.0.1:<port>` (what
    `startswith` accepted, like `https://moodle.example.org.evil.com`) or `http://127.0.0.1@127.0.0.1:<port>`."""
    issuer = "http://127.0.0.1"
    register(local_tool.app, issuer, "client-1", "dep-1", "http://127.0.0.1/jwks")
    attacker = RegistrationPlatform(local_tool.url, issuer=issuer)
    try:
        config_url = attacker.config_url if lookalike == "port suffix" else \
            attacker.config_url.replace("http://", "http://127.0.0.1@")
        before = platforms(local_tool.app)
        response = register_through(registration_url(local_tool.app), config_url)
        assert response.status_code == 400
        assert attacker.received == [] and platforms(local_tool.app) == before
        if lookalike == "userinfo":
            assert attacker.config_hits == 0
        else:
            assert "issuer does not match" in response.text
    finally:
        attacker.close()


@pytest.mark.parametrize("configuration, issuer, same", [
    ("https://moodle.example.org/mod/lti/openid-configuration.php", "https://moodle.example.org", True),
    ("https://moodle.example.org:443/mod/lti/openid-configuration.php", "https://moodle.example.org/", True),
    ("https://moodle.example.org.evil.com/mod/lti/openid-configuration.php", "https://moodle.example.org", False),
    ("https://moodle.example.org@evil.com/x", "https://moodle.example.org", False),
    ("https://evil.com/x", "https://moodle.example.org@evil.com", False),
    ("https://moodle.example.org:8443/x", "https://moodle.example.org", False),
    ("http://moodle.example.org/x", "http://moodle.example.org", False),  # http only for local testing
    ("https://moodle.example.org\\@evil.com/x", "https://moodle.example.org", False),
])
def test_issuer_and_configuration_compare_as_parsed_urls(configuration, issuer, same):
    assert same_origin(configuration, issuer, allow_http=False) is same


# --- one-time URLs ----------------------------------------------------------------------------------------------

def test_a_used_url_cannot_be_replayed(local_tool, reg_platform):
    url = registration_url(local_tool.app)
    assert register_through(url, reg_platform.config_url).status_code == 200
    other = RegistrationPlatform(local_tool.url, client_id="client-2")
    try:
        replay = register_through(url, other.config_url)
        assert replay.status_code == 403 and "already used or expired" in replay.text
        assert other.config_hits == 0 and len(platforms(local_tool.app)) == 1
    finally:
        other.close()


def test_an_expired_url_is_refused(local_tool, reg_platform):
    url = registration_url(local_tool.app)
    with app_state(local_tool.app).db.transaction() as session:
        session.execute(update(LtiRegistrationToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    response = register_through(url, reg_platform.config_url)
    assert response.status_code == 403 and reg_platform.config_hits == 0 and platforms(local_tool.app) == []


@pytest.mark.parametrize("forged", ["A" * 43, "x", "../../config", "A" * 5000, "%00" * 30])
def test_forged_urls_are_refused(local_tool, reg_platform, forged):
    registration_url(local_tool.app)  # a genuine one exists; the forged one is not it
    response = register_through(local_tool.url + "/lti/register/" + forged, reg_platform.config_url)
    assert response.status_code in (403, 404) and "Traceback" not in response.text
    assert reg_platform.config_hits == 0 and platforms(local_tool.app) == []


def test_only_the_hash_of_the_url_is_stored(local_tool):
    token = registration_url(local_tool.app).rsplit("/", 1)[1]
    with app_state(local_tool.app).db.sessions() as session:
        (stored,) = session.scalars(select(LtiRegistrationToken.token_hash)).all()
    assert token not in stored and len(stored) == 64


def test_a_failed_registration_gives_the_url_back(local_tool, reg_platform):
    url = registration_url(local_tool.app)
    reg_platform.answer_status = 400
    refused = register_through(url, reg_platform.config_url)
    assert refused.status_code == 400 and "refused the registration" in refused.text
    assert platforms(local_tool.app) == []
    reg_platform.answer_status = 200
    assert register_through(url, reg_platform.config_url).status_code == 200


# --- what the tool fetches --------------------------------------------------------------------------------------

@pytest.fixture
def strict_tool(database_url: str, tmp_path: Path):
    """A production configuration: registration reaches public https addresses only."""
    with served_tool(database_url, tmp_path / "instance") as tool:
        yield tool


def test_private_and_loopback_addresses_are_refused_with_one_message(strict_tool):
    listening = RegistrationPlatform(strict_tool.url)
    port = urlsplit(listening.url).port
    try:
        url = registration_url(strict_tool.app)  # each failure gives the URL back, so one serves all
        messages = {}
        for target in [f"https://127.0.0.1:{port}{CONFIG_PATH}", f"https://localhost:{port}{CONFIG_PATH}",
                       f"https://[::1]:{port}{CONFIG_PATH}", f"https://[::ffff:127.0.0.1]:{port}{CONFIG_PATH}",
                       "https://10.0.0.1/x", "https://192.168.1.1:8080/x", "https://169.254.169.254/latest/meta-data",
                       "https://0.0.0.0:22/x", "https://100.64.0.1/x", "https://127.0.0.1:1/closed-port",
                       "https://unknown-host.invalid/x"]:
            response = register_through(url, target)
            assert response.status_code == 400, (target, response.text)
            messages[target] = message_of(response.text)
        assert len(set(messages.values())) == 1, messages
        assert "could not be read" in next(iter(messages.values()))
        assert listening.config_hits == 0 and platforms(strict_tool.app) == []
        plain = register_through(url, listening.config_url)  # http:// is for local testing only
        assert plain.status_code == 400 and "openid_configuration" in message_of(plain.text)
        assert listening.config_hits == 0
    finally:
        listening.close()


def test_network_failures_read_alike(local_tool, reg_platform):
    """Wrong token (401), oversized answer, closed port: the page does not say which."""
    url = registration_url(local_tool.app)
    texts = [message_of(register_through(url, reg_platform.config_url, token="wrong").text)]
    reg_platform.oversize = True
    texts.append(message_of(register_through(url, reg_platform.config_url).text))
    texts.append(message_of(register_through(url, f"http://127.0.0.1:{free_port()}/x").text))
    assert len(set(texts)) == 1 and "could not be read" in texts[0], texts
    assert platforms(local_tool.app) == []


@pytest.mark.parametrize("query, words", [
    ({}, "openid_configuration"),
    ({"openid_configuration": "file:///etc/passwd"}, "openid_configuration"),
    ({"openid_configuration": "https://x.example/" + "a" * 3000}, "openid_configuration"),
    ({"openid_configuration": "https://x.example/", "registration_token": "t" * 5000}, "openid_configuration"),
])
def test_registration_bad_input(local_tool, query, words):
    url = registration_url(local_tool.app)
    response = requests.get(url, params=query, timeout=30)
    assert response.status_code == 400 and words in response.text


# --- manual registration page and CLI ---------------------------------------------------------------------------

def test_manual_configuration_page_names_moodle_fields(local_tool):
    text = local_tool.app.test_client().get("/lti/config").get_data(as_text=True)
    for field in ("Tool URL", "Initiate login URL", "Redirection URI(s)", "Public keyset",
                  "Supports Deep Linking (Content-Item Message)", "IMS LTI Assignment and Grade Services",
                  "IMS LTI Names and Role Provisioning", local_tool.url + "/lti/jwks.json",
                  local_tool.url + "/lti/login", "mirco platforms registration-url", "mirco platforms approve"):
        assert field in text
    rows = {" ".join(tr.xpath("string(th)").split()): " ".join(tr.xpath("string(td)").split())
            for tr in lxml.html.fromstring(text).xpath("//tr")}
    assert rows["Tool configuration usage"] == "Show in activity chooser and as a preconfigured tool"
    assert rows["Share launcher's name with tool"].startswith("Always")
    assert rows["Share launcher's email with tool"] == "Always"


def test_platforms_cli_add_list_remove(local_tool):
    args = ["platforms", "add", "--issuer", "https://moodle.example", "--client-id", "abc", "--deployment-id", "1",
            "--auth-login-url", "https://moodle.example/mod/lti/auth.php",
            "--auth-token-url", "https://moodle.example/mod/lti/token.php",
            "--key-set-url", "https://moodle.example/mod/lti/certs.php"]
    result = mirco(local_tool.app, *args)
    assert result.exit_code == 0 and "added" in result.output
    assert "updated" in mirco(local_tool.app, *args).output
    listing = mirco(local_tool.app, "platforms", "list").output
    assert "https://moodle.example" in listing and "deployments 1" in listing and " active " in listing
    platform_id = listing.split()[0]
    assert mirco(local_tool.app, "platforms", "remove", platform_id).exit_code == 0
    assert mirco(local_tool.app, "platforms", "remove", platform_id).exit_code == 2


@pytest.mark.parametrize("command", ["approve", "disable"])
@pytest.mark.parametrize("value", ["999", "abc", "-1"])
def test_platforms_cli_status_of_unknown_platform_exits_2(local_tool, command, value):
    result = mirco(local_tool.app, "platforms", command, value)
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_registration_url_expiry_follows_the_setting(database_url, tmp_path):
    with served_tool(database_url, tmp_path / "instance", registration_url_hours=2) as tool:
        registration_url(tool.app)
        with app_state(tool.app).db.sessions() as session:
            expires = session.scalar(select(LtiRegistrationToken.expires_at))
        remaining = expires.replace(tzinfo=expires.tzinfo or utcnow().tzinfo) - utcnow()
        assert timedelta(hours=1, minutes=59) < remaining <= timedelta(hours=2)


@pytest.mark.parametrize("field, value", [("--issuer", "ftp://x"), ("--client-id", "c" * 300),
                                           ("--key-set-url", "not a url")])
def test_platforms_cli_bad_input_exits_2(local_tool, field, value):
    args = {"--issuer": "https://m.example", "--client-id": "abc", "--deployment-id": "1",
            "--auth-login-url": "https://m.example/a", "--auth-token-url": "https://m.example/t",
            "--key-set-url": "https://m.example/k"}
    args[field] = value
    result = mirco(local_tool.app, "platforms", "add", *[x for kv in args.items() for x in kv])
    assert result.exit_code == 2 and "Traceback" not in result.output

