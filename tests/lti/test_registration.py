"""LTI Dynamic Registration against a platform-side server that follows the spec's message flow
(IMS LTI Dynamic Registration 1.0 §3: openid-configuration, registration request, close message), and the
manual registration page and CLI."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from flask import Flask, jsonify, request
from sqlalchemy import select

from lti_tool.cli import cli
from lti_tool.models import LtiDeployment, LtiPlatform
from lti_tool.state import app_state
from tests.lti.support import Server
from tests.servers import free_port

TOKEN = "reg-token-123"
TOOL_CONFIG = "https://purl.imsglobal.org/spec/lti-tool-configuration"


class RegistrationPlatform:
    """A platform's registration side, strict the way Moodle is: bearer token, required fields, and the
    declared domain must equal the host of target_link_uri."""

    def __init__(self) -> None:
        self.app = Flask("registration-platform")
        self.received: list[dict] = []
        self.answer_status = 200
        self.issuer_override: str | None = None
        self.app.add_url_rule("/.well-known/openid-configuration", view_func=self.configuration)
        self.app.add_url_rule("/register", view_func=self.register, methods=["POST"])
        self.server = Server(self.app, free_port())
        self.url = self.server.url

    def configuration(self):  # type: ignore[no-untyped-def]
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return jsonify(error="unauthorized"), 401
        return jsonify({
            "issuer": self.issuer_override or self.url, "authorization_endpoint": self.url + "/auth",
            "token_endpoint": self.url + "/token", "jwks_uri": self.url + "/jwks",
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
        return jsonify(dict(body, client_id="dyn-client-1", **{TOOL_CONFIG: dict(tool, deployment_id="dep-9")}))

    def close(self) -> None:
        self.server.close()


@pytest.fixture
def reg_platform():
    platform = RegistrationPlatform()
    yield platform
    platform.close()


def start(tool, reg_platform, token: str = TOKEN):
    return tool.app.test_client().get("/lti/register", query_string={
        "openid_configuration": reg_platform.url + "/.well-known/openid-configuration", "registration_token": token})


def test_dynamic_registration_follows_the_spec_flow(tool, reg_platform):
    response = start(tool, reg_platform)
    text = response.get_data(as_text=True)
    assert response.status_code == 200, text
    assert "org.imsglobal.lti.close" in text
    (sent,) = reg_platform.received
    assert sent["initiate_login_uri"] == tool.url + "/lti/login"
    assert sent["redirect_uris"] == [tool.url + "/lti/launch"]
    assert sent["jwks_uri"] == tool.url + "/lti/jwks.json"
    assert "https://purl.imsglobal.org/spec/lti-ags/scope/score" in sent["scope"].split()
    assert "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly" in sent["scope"].split()
    assert sent[TOOL_CONFIG]["messages"][0]["type"] == "LtiDeepLinkingRequest"
    with app_state(tool.app).db.sessions() as session:
        platform = session.scalars(select(LtiPlatform)).one()
        assert (platform.issuer, platform.client_id, platform.registered_by) == (reg_platform.url, "dyn-client-1",
                                                                                 "dynamic")
        assert platform.auth_login_url == reg_platform.url + "/auth"
        assert session.scalars(select(LtiDeployment.deployment_id)).all() == ["dep-9"]


def test_registering_twice_updates_instead_of_duplicating(tool, reg_platform):
    assert start(tool, reg_platform).status_code == 200
    assert start(tool, reg_platform).status_code == 200
    with app_state(tool.app).db.sessions() as session:
        assert len(session.scalars(select(LtiPlatform)).all()) == 1


@pytest.mark.parametrize("query, words", [
    ({}, "openid_configuration"),
    ({"openid_configuration": "file:///etc/passwd"}, "openid_configuration"),
    ({"openid_configuration": "http://127.0.0.1:1/.well-known/openid-configuration"}, "could not be read"),
])
def test_registration_bad_input(tool, query, words):
    response = tool.app.test_client().get("/lti/register", query_string=query)
    assert response.status_code == 400 and words in response.get_data(as_text=True)


def test_registration_wrong_token_is_refused(tool, reg_platform):
    response = start(tool, reg_platform, token="wrong")
    assert response.status_code == 400 and "HTTP 401" in response.get_data(as_text=True)


def test_registration_issuer_mismatch_is_refused(tool, reg_platform):
    reg_platform.issuer_override = "https://elsewhere.example"
    response = start(tool, reg_platform)
    assert response.status_code == 400 and "issuer" in response.get_data(as_text=True)
    assert reg_platform.received == []


def test_registration_refused_by_platform(tool, reg_platform):
    reg_platform.answer_status = 400
    response = start(tool, reg_platform)
    assert response.status_code == 502 and "refused" in response.get_data(as_text=True)
    with app_state(tool.app).db.sessions() as session:
        assert session.scalars(select(LtiPlatform)).all() == []


def test_manual_configuration_page_names_moodle_fields(tool):
    text = tool.app.test_client().get("/lti/config").get_data(as_text=True)
    for field in ("Tool URL", "Initiate login URL", "Redirection URI(s)", "Public keyset",
                  "Supports Deep Linking (Content-Item Message)", "IMS LTI Assignment and Grade Services",
                  "IMS LTI Names and Role Provisioning", tool.url + "/lti/jwks.json", tool.url + "/lti/login"):
        assert field in text


class Mirco:
    """`mirco ...` (the lti_tool.cli group) run inside the test app."""

    def __init__(self, app) -> None:  # type: ignore[no-untyped-def]
        self.runner = app.test_cli_runner()

    def invoke(self, args: list[str]):  # type: ignore[no-untyped-def]
        return self.runner.invoke(cli, args=args)


def test_platforms_cli_add_list_remove(tool):
    runner = Mirco(tool.app)
    args = ["platforms", "add", "--issuer", "https://moodle.example", "--client-id", "abc", "--deployment-id", "1",
            "--auth-login-url", "https://moodle.example/mod/lti/auth.php",
            "--auth-token-url", "https://moodle.example/mod/lti/token.php",
            "--key-set-url", "https://moodle.example/mod/lti/certs.php"]
    result = runner.invoke(args=args)
    assert result.exit_code == 0 and "added" in result.output
    assert "updated" in runner.invoke(args=args).output
    listing = runner.invoke(args=["platforms", "list"]).output
    assert "https://moodle.example" in listing and "deployments 1" in listing
    platform_id = listing.split()[0]
    assert runner.invoke(args=["platforms", "remove", platform_id]).exit_code == 0
    assert runner.invoke(args=["platforms", "remove", platform_id]).exit_code == 2


@pytest.mark.parametrize("field, value", [("--issuer", "ftp://x"), ("--client-id", "c" * 300),
                                           ("--key-set-url", "not a url")])
def test_platforms_cli_bad_input_exits_2(tool, field, value):
    args = {"--issuer": "https://m.example", "--client-id": "abc", "--deployment-id": "1",
            "--auth-login-url": "https://m.example/a", "--auth-token-url": "https://m.example/t",
            "--key-set-url": "https://m.example/k"}
    args[field] = value
    result = Mirco(tool.app).invoke(["platforms", "add", *[x for kv in args.items() for x in kv]])
    assert result.exit_code == 2 and "Traceback" not in result.output
