"""Helpers for the LTI tests: real HTTP servers on 127.0.0.1, a form-following browser, id_token crafting."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import lxml.html
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask
from jwcrypto.jwk import JWK
from sqlalchemy import func, select
from werkzeug.serving import make_server

from lti_tool import launch_tokens
from lti_tool.demo.platform import PlatformState, platform_blueprint
from lti_tool.launch_tokens import TokenKind
from lti_tool.models import Base
from lti_tool.state import app_state

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
AUTOPOST_FORMS = ("autopost", "deep-link-return")


class Server:
    """A threaded werkzeug server for `app` on 127.0.0.1:`port`, stopped by `close()`."""

    def __init__(self, app: Flask, port: int) -> None:
        self.server = make_server("127.0.0.1", port, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{port}"

    def close(self) -> None:
        self.server.shutdown()
        self.thread.join(5)


@lru_cache(maxsize=4)
def rsa_key(name: str) -> tuple[str, str, str]:
    """(private PEM, public PEM, kid) — generated once per test session and name."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public, JWK.from_pem(public.encode()).thumbprint()


def jwks_of(name: str) -> dict:
    _, public, kid = rsa_key(name)
    jwk = json.loads(JWK.from_pem(public.encode()).export_public())
    jwk.update(kid=kid, alg="RS256", use="sig")
    return {"keys": [jwk]}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign(claims: dict, key_name: str = "platform", *, alg: str = "RS256", kid: str | None = None) -> str:
    private, public, default_kid = rsa_key(key_name)
    headers = {"kid": kid if kid is not None else default_kid}
    if alg == "none":
        head = b64(json.dumps({"alg": "none", "typ": "JWT", **headers}).encode())
        return f"{head}.{b64(json.dumps(claims).encode())}."
    if alg == "HS256":  # the classic confusion attack: HMAC keyed with the platform's public key
        head = b64(json.dumps({"alg": "HS256", "typ": "JWT", **headers}).encode())
        body = b64(json.dumps(claims).encode())
        mac = hmac.new(public.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
        return f"{head}.{body}.{b64(mac)}"
    return jwt.encode(claims, private, algorithm=alg, headers=headers)


def launch_claims(issuer: str, client_id: str, nonce_value: str, **overrides: Any) -> dict:
    now = int(time.time())
    claims = {
        "iss": issuer, "aud": client_id, "azp": client_id, "sub": "learner-1", "iat": now, "exp": now + 300,
        "nonce": nonce_value, LTI + "deployment_id": "dep-1", LTI + "message_type": "LtiResourceLinkRequest",
        LTI + "version": "1.3.0", LTI + "roles": [LEARNER],
        LTI + "resource_link": {"id": "link-1", "title": "Course"},
        LTI + "context": {"id": "ctx-1", "title": "Course context"},
        LTI + "target_link_uri": "http://127.0.0.1:5000/lti/launch",
        LTI + "custom": {"course": "mini-course"},
    }
    for key, value in overrides.items():
        name = LTI + key[4:] if key.startswith("lti_") else key
        if value is None:
            claims.pop(name, None)
        else:
            claims[name] = value
    return claims


def row_counts(app: Flask) -> dict[str, int]:
    """Rows per tool table (the launch store excluded: a valid launch marks its state used there)."""
    with app_state(app).db.sessions() as session:
        return {t.name: session.scalar(select(func.count()).select_from(t))
                for t in Base.metadata.sorted_tables if t.name not in {"lti_launch_store"}}


@dataclass
class LoginAnswer:
    state: str
    nonce: str
    location: str


def login(client: Any, issuer: str, client_id: str, **extra: str) -> LoginAnswer:
    """OIDC login initiation through the Flask test client; the state cookie stays in the client."""
    resp = client.get("/lti/login", query_string={"iss": issuer, "login_hint": "learner-1", "client_id": client_id,
                                                   "target_link_uri": "http://127.0.0.1:5000/lti/launch", **extra})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    query = parse_qs(urlsplit(resp.location).query)
    return LoginAnswer(query["state"][0], query["nonce"][0], resp.location)


class Browser:
    """requests.Session that submits the auto-posting forms a browser would submit by script."""

    def __init__(self) -> None:
        self.http = requests.Session()

    def open(self, url: str) -> requests.Response:
        return self._settle(self.http.get(url, timeout=30))

    def submit(self, response: requests.Response, form_id: str | None = None, **values: Any) -> requests.Response:
        doc = lxml.html.fromstring(response.text, base_url=response.url)
        form = doc.get_element_by_id(form_id) if form_id else doc.forms[-1]
        data: dict[str, Any] = {i.get("name"): i.get("value") for i in form.findall(".//input")
                                if i.get("type") in ("hidden", None) and i.get("name")}
        data.update(values)
        return self._settle(self.http.post(form.action or response.url, data=data, timeout=30))

    def _settle(self, response: requests.Response) -> requests.Response:
        for _ in range(5):
            if response.status_code != 200 or "<form" not in response.text:
                return response
            doc = lxml.html.fromstring(response.text, base_url=response.url)
            form_id = next((f for f in AUTOPOST_FORMS if doc.get_element_by_id(f, None) is not None), None)
            if form_id is None:
                return response
            form = doc.get_element_by_id(form_id)
            data = {i.get("name"): i.get("value") for i in form.findall(".//input")}
            response = self.http.post(form.action, data=data, timeout=30)
        return response


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def launch_token(app: Flask, launch_id: str, kind: TokenKind = TokenKind.BEARER) -> str:
    """The `launch` value a page without the session cookie carries for `launch_id` (a fresh bearer token)."""
    return launch_tokens.issue(app_state(app).settings.secret_key, launch_id, kind)


def launch_id_of(app: Flask, value: str) -> str:
    """The launch id a `launch` token names (tokens are what pages and tests pass; the id is what rows hold)."""
    token = launch_tokens.read(app_state(app).settings.secret_key, value, 3600, 3600)
    assert token is not None, f"not a valid launch token: {value!r}"
    return token.launch_id


def launch_id_in(app: Flask, url: str) -> str:
    """The launch id named by the `launch` token of `url` (a redirect's Location, a link)."""
    return launch_id_of(app, parse_qs(urlsplit(url).query)["launch"][0])


def course_page_platform(name: str, tool_url: str, platform_url: str, link_id: str,
                         course_path: str) -> tuple[Flask, PlatformState]:
    """A platform (the demo's blueprint, signing as `rsa_key("platform")`) on a site of its own, whose course page
    at `course_path` frames the tool's launch of `link_id` the way Moodle embeds it."""
    state = PlatformState(
        issuer=platform_url, client_id="client-1", deployment_id="dep-1", private_pem=rsa_key("platform")[0],
        tool_login_url=tool_url + "/lti/login", tool_launch_url=tool_url + "/lti/launch",
        tool_jwks_url=tool_url + "/lti/jwks.json", redirect_uris=[tool_url + "/lti/launch"])
    state.links[link_id] = {"title": "Course", "custom": {"course": "mini-course"}, "lineitem": None}
    platform = Flask(name)
    platform.register_blueprint(platform_blueprint("platform", "", lambda: state))
    platform.add_url_rule(course_path, view_func=lambda: (
        '<!doctype html><title>Moodle course</title><h1>Course</h1>'
        '<iframe id="tool" style="width:900px;height:700px" '
        f'src="/start/resource/learner-1?link={link_id}"></iframe>'))
    return platform, state


def gradebook_rows(page: str) -> list[list[str]]:
    """The demo gradebook's table rows as cell texts (user, line item, score, progress)."""
    return [[cell.text_content().strip() for cell in row.findall("td")]
            for row in lxml.html.fromstring(page).xpath("//table/tbody/tr")]
