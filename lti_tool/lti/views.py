"""The LTI endpoints: OIDC login initiation, launch, JWKS. Every refusal is a readable 4xx page, never a 500."""
from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from flask import Blueprint, Response, current_app, jsonify, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from jwcrypto.common import JWException
from jwt import PyJWTError
from pylti1p3.contrib.flask import FlaskRequest
from pylti1p3.exception import LtiException, OIDCException

from lti_tool import keys, metrics
from lti_tool.errors import render_error
from lti_tool.identity import launch_token, remember_launch
from lti_tool.launch_tokens import TokenKind
from lti_tool.launch_store import launch_store
from lti_tool.lti.flow import (LaunchRejected, SignedStateSessionService, StorageNeeded, TimeoutSession,
                               ToolCookieService, ToolMessageLaunch, ToolOIDCLogin)
from lti_tool.lti.records import ClaimTooLong, record_launch
from lti_tool.lti.refusals import Reason, Stage, reason_of, record_refusal
from lti_tool.lti.relaunch import platform_relaunch_url, platform_site_url
from lti_tool.lti.toolconf import DatabaseToolConf, PlatformNotActive
from lti_tool.state import app_state

bp = Blueprint("lti", __name__, url_prefix="/lti")

MAX_LAUNCH_BYTES = 64 * 1024
MAX_AUTH_URL_CHARS = 8000  # the platform's auth URL carries the signed state: web servers refuse longer URLs
LOGIN_PARAMS = ("iss", "login_hint", "target_link_uri", "lti_message_hint", "lti_deployment_id", "client_id",
                "lti_storage_target")
MALFORMED = (AttributeError, TypeError, KeyError, ValueError)  # hostile claim shapes deep inside pylti1p3


def tool_url(endpoint: str, **values: Any) -> str:
    """Absolute URL under the configured public base URL (what platforms are told), not the request host."""
    return app_state().settings.base_url.rstrip("/") + url_for(endpoint, **values)


def _lti_request() -> FlaskRequest:
    data = {k: v for k, v in request.values.items()}
    return FlaskRequest(request_data=data or {"_": ""}, request_is_secure=request.is_secure)


def _refuse(stage: Stage, reason: Reason, message: Any, status: int = 400, *, known: dict[str, Any] | None = None,
            relaunch_url: str | None = None, platform_url: str | None = None) -> tuple[Response | str, int]:
    """Log and count the refusal (one line: reason and platform, nothing from the token), then answer with a page;
    with `relaunch_url` / `platform_url` the page offers the platform's way to a fresh launch."""
    known = known or {}
    record_refusal(stage, reason, status, issuer=known.get("iss"), client_id=known.get("client_id"),
                   deployment_id=known.get("lti_deployment_id"))
    if relaunch_url is None and platform_url is None:
        return render_error(status, _l("The launch could not be completed"), message)
    return render_template("lti/launch_error.html", message=message, relaunch_url=relaunch_url,
                           platform_url=platform_url), status


@bp.get("/jwks.json")
def jwks() -> Response:
    with app_state().db.sessions() as db_session:
        response = jsonify(keys.jwks(db_session))
    response.cache_control.max_age = 300
    response.cache_control.public = True
    return response


@bp.route("/login", methods=["GET", "POST"])
def login():  # type: ignore[no-untyped-def]
    """OIDC third-party login initiation: a signed state holding the nonce (nothing stored), send the browser on."""
    params = {k: request.values.get(k) for k in LOGIN_PARAMS if isinstance(request.values.get(k), str)}
    if not params.get("iss") or not params.get("login_hint"):
        return _refuse(Stage.LOGIN, Reason.MISSING_PARAMETER,
                       _l("The login request has no iss or login_hint: start the activity from your course."),
                       known=params)
    if any(len(v) > 4096 for v in params.values()):
        return _refuse(Stage.LOGIN, Reason.TOO_LARGE, _l("The login request is too large."), 413, known=params)
    target = params.get("target_link_uri", "")
    base = app_state().settings.base_url.rstrip("/")
    if target and not (target == base or target.startswith(base + "/")):
        return _refuse(Stage.LOGIN, Reason.FOREIGN_TARGET,
                       _l("The target_link_uri of this login does not belong to this tool."), known=params)
    state = app_state()
    settings = state.settings
    with state.db.sessions() as db_session:
        conf = DatabaseToolConf(db_session, settings.keys_path, with_keys=False)
        try:
            platform = conf.find_platform(params["iss"], params.get("client_id"))
        except PlatformNotActive as exc:
            return _refuse(Stage.LOGIN, exc.reason, exc.message, exc.status, known=params)
        if platform is None:
            return _refuse(Stage.LOGIN, Reason.UNKNOWN_PLATFORM,
                           _l("This platform (issuer and client id) is not registered with the tool. "
                              "An administrator registers it under /lti/config."), 404, known=params)
        # The lookup is done (pylti1p3 now gets the platform from `conf`): ending the read lets the state write
        # below reuse this request's connection instead of checking out another one.
        db_session.commit()
        lti_request = _lti_request()
        cookies = ToolCookieService(lti_request, settings.secure_cookies)
        oidc = ToolOIDCLogin(lti_request, conf, cookie_service=cookies,
                             session_service=SignedStateSessionService(launch_store(), settings.secret_key))
        # Carried in the signed state for the launch: who the platform is (for the refusal log) and, should the
        # browser refuse the state cookie, the platform's way to a fresh launch (never this login's one-time hint).
        oidc.pass_params_to_launch({
            "client_id": platform.client_id,
            "iss": platform.issuer,
            "lti_deployment_id": params.get("lti_deployment_id"),
            "storage_target": params.get("lti_storage_target"),
            "platform_origin": _origin(platform.auth_login_url),
            "relaunch_url": platform_relaunch_url(platform.auth_login_url, params.get("lti_message_hint")),
            "platform_url": platform_site_url(platform.auth_login_url),
            "target_link_uri": target or None,
        })
        try:
            auth = oidc.get_redirect_object(tool_url("lti.launch"))
        except (OIDCException, LtiException) as exc:
            return _refuse(Stage.LOGIN, Reason.LOGIN_FAILED,
                           _l("The login could not start: %(reason)s", reason=str(exc)), known=params)
    auth_url = auth.get_redirect_url()
    if len(auth_url) > MAX_AUTH_URL_CHARS:
        return _refuse(Stage.LOGIN, Reason.TOO_LARGE, _l("The login request is too large."), 413, known=params)
    if params.get("lti_storage_target"):
        query = parse_qs(urlsplit(auth_url).query)
        response = current_app.make_response(render_template(
            "lti/storage_login.html", auth_url=auth_url, state=query["state"][0], nonce=query["nonce"][0],
            target=params["lti_storage_target"], origin=_origin(platform.auth_login_url)))
        cookies.update_response(response)
        return response
    return auth.do_redirect()


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@bp.get("/launch")
def launch_get():  # type: ignore[no-untyped-def]
    return _refuse(Stage.LAUNCH, Reason.WRONG_METHOD,
                   _l("A launch is a form the platform posts after login; open the activity from your course."), 405)


@bp.post("/launch")
def launch():  # type: ignore[no-untyped-def]
    """Validate the id_token (pylti1p3 plus single-use state/nonce and azp), keep the launch, open the content."""
    if (request.content_length or 0) > MAX_LAUNCH_BYTES:
        return _refuse(Stage.LAUNCH, Reason.TOO_LARGE, _l("The launch message is larger than this tool accepts."), 413)
    state = app_state()
    signed_state = request.form.get("state", "")
    known = SignedStateSessionService(launch_store(), state.settings.secret_key).peek_state_params(signed_state) or {}
    id_token = request.form.get("id_token", "")
    if not id_token:
        return _refuse(Stage.LAUNCH, Reason.MISSING_PARAMETER,
                       _l("The launch has no id_token: open the activity from your course."), known=known)
    try:
        with state.db.transaction() as db_session:
            conf = DatabaseToolConf(db_session, state.settings.keys_path, with_keys=False)
            lti_request = _lti_request()
            message = ToolMessageLaunch(
                lti_request, conf, session_service=SignedStateSessionService(launch_store(), state.settings.secret_key),
                cookie_service=ToolCookieService(lti_request, state.settings.secure_cookies),
                requests_session=TimeoutSession(), storage_state=request.form.get("lti_storage_state"))
            try:
                message.validate()
            except MALFORMED as exc:  # the refusal line names the reason; the claim's content stays out of the log
                raise LaunchRejected(_l("The launch message is malformed (a claim has the wrong shape)."),
                                     reason=Reason.MALFORMED) from exc
            launch_row = record_launch(db_session, conf.platform, message.claims(), state.settings.base_url)
    except StorageNeeded as need:
        return render_template("lti/storage_launch.html", id_token=id_token, state=request.form.get("state", ""),
                               target=need.storage_target, origin=need.platform_origin,
                               relaunch_url=need.relaunch_url, platform_url=need.platform_url)
    except LaunchRejected as exc:
        return _refuse(Stage.LAUNCH, exc.reason, exc.message, exc.status, known=known,
                       relaunch_url=exc.relaunch_url, platform_url=exc.platform_url)
    except ClaimTooLong as exc:
        return _refuse(Stage.LAUNCH, Reason.CLAIM_TOO_LONG, str(exc), known=known)
    except (LtiException, OIDCException, PyJWTError, JWException) as exc:
        return _refuse(Stage.LAUNCH, reason_of(exc), _l("The launch was rejected: %(reason)s", reason=str(exc)),
                       401 if "signature" in str(exc).lower() else 400, known=known)
    remember_launch(launch_row.id)
    metrics.count_launch(launch_row.message_type)
    # The cookie just set may not come back (cross-site iframe): this one hop names the launch with a token that
    # expires in two minutes; the next page gives its links a cookie-bound token, or a bearer one without cookie.
    hop = launch_token(launch_row.id, TokenKind.HOP)
    if launch_row.message_type == "LtiDeepLinkingRequest":
        return redirect(url_for("deep_linking.picker", launch=hop), 303)
    return redirect(url_for("player.start", launch=hop), 303)
