"""A real LTI 1.3 platform for newcomers and end-to-end tests: lti1p3platform behind a small Flask adapter.

lti1p3platform 0.1.8 is framework-free; this adapter adds what it leaves out: it checks `redirect_uri` against
the registered redirect URIs, answers line-item listings with the JSON array the AGS spec requires (the library
returns a page object), and keeps line items, scores and the roster in memory (demo and tests only: one process).

Like Moodle, its `lti_message_hint` is `{"cmid": <link>, "launchid": <one-time id>}` and the auth endpoint refuses a
hint it has already answered, and `/mod/lti/auth.php` and `/mod/lti/launch.php?id=<link>` answer as Moodle's do
(the learner is the one this browser last started as), so the tool's fallbacks are tested against Moodle's rules.
"""
from __future__ import annotations

import itertools
import json
from collections import OrderedDict
import logging
import threading
import time
import typing as t
import uuid
from dataclasses import dataclass, field

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Blueprint, Response, abort, jsonify, redirect, render_template, request, url_for
from lti1p3platform.exceptions import (LineItemNotFoundException, LtiException, MissingRequiredClaim,
                                       PreflightRequestValidationException, UnsupportedGrantType)
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract
from lti1p3platform.membership import Context
from lti1p3platform.message_launch import LTIAdvantageMessageLaunchAbstract
from lti1p3platform.oidc_login import OIDCLoginAbstract
from lti1p3platform.registration import Registration
from lti1p3platform.request import Request, TRequest
from lti1p3platform.response import Response as PlatformResponse
from lti1p3platform.score import UpdateScoreStatus
from lti1p3platform.service_connector import AssignmentsGradesService, NamesRoleProvisioningService, TPage

log = logging.getLogger("mirco.demo")
LAUNCH_PRESENTATION = "https://purl.imsglobal.org/spec/lti/claim/launch_presentation"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
USER_COOKIE = "demo_platform_user"
MAX_USED_LAUNCH_IDS = 10000
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"


def new_private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def public_pem_of(private_pem: str) -> str:
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()


@dataclass
class Member:
    user_id: str
    name: str
    email: str
    roles: list[str]
    locale: str | None = None
    """What the platform sends as launch_presentation.locale (Moodle: the user's language-pack name)."""


@dataclass
class PlatformState:
    """Everything the platform knows: its registration of the tool, course, roster, gradebook."""

    issuer: str
    client_id: str
    deployment_id: str
    private_pem: str
    tool_login_url: str
    tool_launch_url: str
    tool_jwks_url: str
    redirect_uris: list[str]
    context_id: str = "demo-course"
    context_title: str = "Demo course"
    members: list[Member] = field(default_factory=lambda: [
        Member("learner-1", "Ana Learner", "ana@example.org", [LEARNER]),
        Member("learner-2", "Boris Learner", "boris@example.org", [LEARNER]),
        Member("teacher-1", "Vera Teacher", "vera@example.org", [INSTRUCTOR]),
    ])
    links: dict[str, dict] = field(default_factory=lambda: {
        "link-1": {"title": "MIRCO course", "custom": {}, "lineitem": None}})
    lineitems: dict[str, dict] = field(default_factory=dict)
    scores: list[dict] = field(default_factory=list)
    tool_key_set: dict | None = None
    offers_nrps: bool = True
    """False: launches carry no NRPS claim (a platform without the roster service)."""
    nrps_delay_seconds: float = 0.0
    """How long the roster service takes to answer (a slow platform)."""
    used_launch_ids: "OrderedDict[str, None]" = field(default_factory=OrderedDict)
    """Launch ids of the hints the auth endpoint has answered (the most recent MAX_USED_LAUNCH_IDS)."""
    lock: threading.Lock = field(default_factory=threading.Lock)
    ids: t.Iterator[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def public_pem(self) -> str:
        return public_pem_of(self.private_pem)


class FlaskPlatformRequest(Request):
    def build_metadata(self, req: t.Any) -> TRequest:
        return {"method": req.method, "form_data": req.form.to_dict(), "get_data": req.args.to_dict(),
                "headers": req.headers, "content_type": req.content_type, "path": req.path,
                "json": req.get_json(silent=True)}


class PlatformConf(LTI1P3PlatformConfAbstract):
    def init_platform_config(self, **kwargs: t.Any) -> None:
        self.state: PlatformState = kwargs["state"]

    def get_registration_by_params(self, **kwargs: t.Any) -> Registration:
        s = self.state
        registration = (Registration().set_iss(s.issuer).set_client_id(s.client_id)
                        .set_deployment_id(s.deployment_id).set_oidc_login_url(s.tool_login_url)
                        .set_launch_url(s.tool_launch_url).set_deeplink_launch_url(s.tool_launch_url)
                        .set_tool_key_set_url(s.tool_jwks_url)
                        .set_platform_public_key(s.public_pem).set_platform_private_key(s.private_pem))
        if s.tool_key_set:
            registration.set_tool_key_set(s.tool_key_set)
        return registration


class LoginInitiation(OIDCLoginAbstract):
    def set_lti_message_hint(self, **kwargs: t.Any) -> None:
        self._lti_message_hint = kwargs["hint"]

    def get_redirect(self, url: str) -> Response:
        return redirect(url)


class PlatformLaunch(LTIAdvantageMessageLaunchAbstract):
    """The auth endpoint: checks the tool's OIDC answer (including redirect_uri), signs the id_token."""

    def __init__(self, req: Request, conf: PlatformConf) -> None:
        super().__init__(req, conf)
        self.state = conf.state

    def get_preflight_response(self) -> dict[str, t.Any]:
        return self._request.get_data or self._request.form_data

    def validate_preflight_response(self, preflight_response: dict[str, t.Any]) -> None:
        super().validate_preflight_response(preflight_response)
        if preflight_response.get("redirect_uri") not in self.state.redirect_uris:
            raise PreflightRequestValidationException("redirect_uri is not registered for this tool")
        if preflight_response.get("response_type") != "id_token" or preflight_response.get("scope") != "openid":
            raise PreflightRequestValidationException("response_type must be id_token and scope openid")

    def prepare_launch(self, preflight_response: dict[str, t.Any]) -> None:
        """lti_message_hint = {"cmid": <link id>, "launchid": "<kind>:<user id>:<link id>:<random>"} (kind: resource
        or deeplink), answered once: a second use is refused, as Moodle refuses it."""
        kind, user_id, link_id, launch_id = _read_hint(preflight_response.get("lti_message_hint"))
        with self.state.lock:
            if launch_id in self.state.used_launch_ids:
                raise PreflightRequestValidationException("lti_message_hint was already used (one-time)")
            self.state.used_launch_ids[launch_id] = None
            while len(self.state.used_launch_ids) > MAX_USED_LAUNCH_IDS:
                self.state.used_launch_ids.popitem(last=False)
        member = next((m for m in self.state.members if m.user_id == user_id), None)
        if member is None or preflight_response.get("login_hint") != user_id:
            raise PreflightRequestValidationException("unknown user")
        base = url_for(".jwks", _external=True).rsplit("/", 1)[0]
        self.set_user_data(member.user_id, member.roles, member.name, member.email)
        self.set_launch_context_claim(self.state.context_id, ["http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"],
                                      self.state.context_title, "DEMO")
        self.set_launch_presentation_claim("iframe", base + "/")
        if member.locale is not None:
            self.lti_claim_launch_presentation[LAUNCH_PRESENTATION]["locale"] = member.locale
        if self.state.offers_nrps:
            self.set_nrps(base + "/nrps/memberships")
        if kind == "deeplink":
            self.set_dl(base + "/deep-link-return", "Add MIRCO content", accept_types={"ltiResourceLink"})
            return
        link = self.state.links.get(link_id)
        if link is None:
            raise PreflightRequestValidationException("unknown resource link")
        if link.get("url"):
            self.set_launch_url(link["url"])
        self.set_resource_link_claim(link_id, title=link["title"])
        self.set_custom_parameters_claim(dict(link["custom"]))
        self.set_ags(base + "/ags/lineitems", link["lineitem"], allow_creating_lineitems=True)

    def render_launch_form(self, launch_data: dict[str, t.Any], **kwargs: t.Any) -> str:
        return render_template("platform/autopost.html", action=launch_data["launch_url"],
                               fields={"id_token": launch_data["id_token"], "state": launch_data["state"]})


class Gradebook(AssignmentsGradesService):
    def __init__(self, req: Request, conf: PlatformConf, lineitem_url: str | None = None) -> None:
        base = url_for(".jwks", _external=True).rsplit("/", 1)[0]
        super().__init__(req, conf, base + "/ags/lineitems", lineitem_url)
        self.state = conf.state

    def find_lineitems(self, page: int = 1, limit: int | None = None, line_item_id: str | None = None,
                       resource_link_id: str | None = None, resource_id: str | None = None,
                       tag: str | None = None, **_: t.Any) -> TPage:
        items = [i for i in self.state.lineitems.values()
                 if (resource_link_id is None or i.get("resourceLinkId") == resource_link_id)
                 and (resource_id is None or i.get("resourceId") == resource_id)
                 and (tag is None or i.get("tag") == tag)]
        return {"content": items, "has_next": False, "next": None}

    def find_lineitem(self, line_item_id: str) -> dict:
        item = self.state.lineitems.get(line_item_id)
        if item is None:
            raise LineItemNotFoundException(line_item_id)
        return item

    def create_lineitem(self, creation_data: dict) -> dict:
        with self.state.lock:
            item_id = str(next(self.state.ids))
        item = dict(creation_data, id=self.ags.lineitems_url + "/" + item_id)
        self.state.lineitems[item_id] = item
        return item

    def update_lineitem(self, update_data: dict) -> dict:
        item = self.find_lineitem(update_data["id"])
        item.update(update_data)
        return item

    def delete_lineitem(self, line_item_id: str) -> None:
        self.state.lineitems.pop(line_item_id, None)

    def update_score(self, line_item_id: str, score: dict) -> UpdateScoreStatus:
        self.find_lineitem(line_item_id)
        if not isinstance(score, dict) or not {"userId", "activityProgress", "gradingProgress",
                                              "timestamp"} <= set(score):
            return UpdateScoreStatus.NOTAPPLIED
        self.state.scores.append(dict(score, lineitem=line_item_id))
        return UpdateScoreStatus.SUCCESS

    def get_results(self, line_item_id: str, page: int = 1, limit: int | None = None,
                    user_id: str | None = None, **_: t.Any) -> TPage:
        results = [{"userId": s["userId"], "resultScore": s.get("scoreGiven"),
                    "resultMaximum": s.get("scoreMaximum", 1)}
                   for s in self.state.scores if s["lineitem"] == line_item_id]
        return {"content": results, "has_next": False, "next": None}


class Roster(NamesRoleProvisioningService):
    def __init__(self, req: Request, conf: PlatformConf) -> None:
        super().__init__(req, conf, url_for(".nrps", _external=True))
        self.state = conf.state

    def get_member_data_page(self, page: int = 1, limit: int | None = None, role: str | None = None,
                             since: str | None = None, **_: t.Any) -> TPage:
        members = [{"user_id": m.user_id, "name": m.name, "email": m.email, "roles": m.roles, "status": "Active"}
                   for m in self.state.members if role is None or role in m.roles]
        return {"content": members, "has_next": False, "next": None}

    def get_context_by_id(self) -> Context:
        return Context(id=self.state.context_id, label="DEMO", title=self.state.context_title)


def new_hint(kind: str, user_id: str, link_id: str) -> str:
    """A one-time login hint shaped like Moodle's."""
    cmid: int | str = int(link_id) if link_id.isascii() and link_id.isdigit() else link_id
    return json.dumps({"cmid": cmid, "launchid": f"{kind}:{user_id}:{link_id}:{uuid.uuid4().hex}"})


def _read_hint(hint: t.Any) -> tuple[str, str, str, str]:
    try:
        launch_id = json.loads(hint)["launchid"]
        kind, user_id, link_id, _ = launch_id.split(":")
    except (TypeError, ValueError, KeyError, AttributeError):
        raise PreflightRequestValidationException("invalid lti_message_hint") from None
    return kind, user_id, link_id, launch_id


def _answer(resp: PlatformResponse, media_type: str | None = None) -> Response:
    if resp.code >= 400 or resp.result is None:
        return Response(json.dumps({"error": resp.message}), status=resp.code, mimetype="application/json")
    return Response(json.dumps(resp.result), status=resp.code, mimetype=media_type or resp.media_type)


def _assertion_kid(assertion: str) -> str:
    """The key id in a client assertion's header, for the log (unverified: it only names the key)."""
    try:
        return str(jwt.get_unverified_header(assertion).get("kid", "-"))[:100]
    except jwt.PyJWTError:
        return "(not a JWT)"


def platform_blueprint(name: str, url_prefix: str, get_state: t.Callable[[], PlatformState]) -> Blueprint:
    """The platform's endpoints: login start, authorization, JWKS, token, AGS, NRPS, deep-link return."""
    bp = Blueprint(name, __name__, url_prefix=url_prefix, template_folder="templates")

    def conf() -> PlatformConf:
        return PlatformConf(state=get_state())

    def initiate_login(kind: str, user_id: str, link_id: str) -> Response:
        login = LoginInitiation(FlaskPlatformRequest(request), conf())
        login.set_lti_message_hint(hint=new_hint(kind, user_id, link_id))
        url = (get_state().links.get(link_id) or {}).get("url") if kind == "resource" else None
        if url:  # the link's own launch URL (Moodle's "tool URL" of an activity) is the target_link_uri
            login.set_launch_url(url)
        response = login.initiate_login(user_id)
        response.set_cookie(USER_COOKIE, user_id, httponly=True, samesite="Lax")  # "logged in" (demo: no password)
        return response

    @bp.get("/start/<kind>/<user_id>")
    def start(kind: str, user_id: str):  # type: ignore[no-untyped-def]
        return initiate_login(kind, user_id, request.args.get("link", "link-1"))

    @bp.get("/mod/lti/launch.php")
    def moodle_launch():  # type: ignore[no-untyped-def]
        """Moodle's activity launch page: a fresh login, with a new hint, for the learner of this browser."""
        user_id = request.cookies.get(USER_COOKIE)
        link_id = request.args.get("id", "")
        if not user_id or link_id not in get_state().links:
            abort(400, description="Invalid request")
        return initiate_login("resource", user_id, link_id)

    @bp.route("/mod/lti/auth.php", methods=["GET", "POST"], endpoint="moodle_auth")
    @bp.route("/authorize", methods=["GET", "POST"])
    def authorize():  # type: ignore[no-untyped-def]
        try:
            return PlatformLaunch(FlaskPlatformRequest(request), conf()).lti_launch()
        except (PreflightRequestValidationException, LtiException, KeyError) as exc:
            return jsonify(error="invalid_request", error_description=str(exc) or type(exc).__name__), 400

    @bp.get("/jwks")
    def jwks():  # type: ignore[no-untyped-def]
        return jsonify({"keys": conf().get_registration().get_jwks()})

    @bp.post("/token")
    def token():  # type: ignore[no-untyped-def]
        platform = conf()
        platform.get_registration()
        try:
            return jsonify(platform.get_access_token(request.form.to_dict()))
        except Exception as exc:  # noqa: BLE001 - every failure is the client's: an OAuth error answer
            error = ("invalid_request" if isinstance(exc, MissingRequiredClaim) else
                     "unsupported_grant_type" if isinstance(exc, UnsupportedGrantType) else "invalid_client")
            reason = f"{type(exc).__name__}: {exc}"[:300]
            foreign = "; the key is not the tool's: another installation or test run sends to this address" \
                if "Unable to find public key" in reason else ""
            log.warning("demo platform refused a token request (%s, key %s): %s%s", error,
                        _assertion_kid(request.form.get("client_assertion", "")), reason, foreign)
            return jsonify(error=error, error_description=reason), 400

    @bp.route("/ags/lineitems", methods=["GET", "POST"])
    def lineitems():  # type: ignore[no-untyped-def]
        platform = conf()
        platform.get_registration()
        book = Gradebook(FlaskPlatformRequest(request), platform)
        if request.method == "POST":
            return _answer(book.handle_resp(book.handle_create_lineitem))
        answer = book.handle_resp(book.handle_get_lineitems)
        if answer.code == 200:  # the library's page object -> the spec's array
            answer.result = answer.result["content"]
        return _answer(answer, "application/vnd.ims.lis.v2.lineitemcontainer+json")

    @bp.route("/ags/lineitems/<item_id>", methods=["GET", "PUT", "DELETE"])
    def lineitem(item_id: str):  # type: ignore[no-untyped-def]
        platform = conf()
        platform.get_registration()
        book = Gradebook(FlaskPlatformRequest(request), platform)
        handler = {"GET": book.handle_get_lineitem, "PUT": book.handle_update_lineitem,
                   "DELETE": book.handle_delete_lineitem}[request.method]
        return _answer(book.handle_resp(handler, line_item_id=item_id))

    @bp.post("/ags/lineitems/<item_id>/scores")
    def scores(item_id: str):  # type: ignore[no-untyped-def]
        platform = conf()
        platform.get_registration()
        book = Gradebook(FlaskPlatformRequest(request), platform)
        answer = book.handle_resp(book.handle_update_score, line_item_id=item_id)
        return Response(json.dumps({"status": answer.message}), status=answer.code, mimetype="application/json")

    @bp.get("/nrps/memberships")
    def nrps():  # type: ignore[no-untyped-def]
        platform = conf()
        platform.get_registration()
        time.sleep(platform.state.nrps_delay_seconds)
        roster = Roster(FlaskPlatformRequest(request), platform)
        return _answer(roster.handle_resp(roster.handle_get_members))

    @bp.post("/deep-link-return")
    def deep_link_return():  # type: ignore[no-untyped-def]
        platform = conf()
        platform.get_registration()
        try:
            items = platform.validate_deeplinking_resp(request.form.to_dict())
        except Exception as exc:  # noqa: BLE001 - a bad response JWT of any kind is refused the same way
            abort(400, description=f"The tool's deep-linking response was refused: {type(exc).__name__}")
        state = get_state()
        created = []
        for item in items:
            link_id = f"link-{uuid.uuid4().hex[:8]}"
            state.links[link_id] = {"title": item.get("title", ""), "custom": item.get("custom", {}),
                                    "lineitem": None}
            if isinstance(item.get("lineItem"), dict):
                created_item = Gradebook(FlaskPlatformRequest(request), platform).create_lineitem(
                    dict(item["lineItem"], resourceLinkId=link_id))
                state.links[link_id]["lineitem"] = created_item["id"]
            created.append(link_id)
        return render_template("platform/deep_link_done.html", links=[(i, state.links[i]) for i in created])

    return bp
