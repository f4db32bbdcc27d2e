"""Imported SCORM packages inside the platform: the player page (scorm-again as the runtime, the SCO in a
sandboxed frame that reaches it over postMessage), the session/commit API it calls, and the package files.

Package files are served only under a content token the player received for this launch (lti_tool.package_content),
sandboxed; the commit API needs the launch like every learner action.
"""
from __future__ import annotations

import os
from pathlib import Path

from flask import Blueprint, Flask, Response, abort, g, jsonify, redirect, render_template, request, \
    send_from_directory, url_for
from flask_babel import gettext as _
from markupsafe import escape
from werkzeug.security import safe_join

from lti_tool.identity import LaunchContext, current_learner, launch_token, require_launch
from lti_tool.launch_tokens import TokenKind
from lti_tool.package_content import HTML_SUFFIXES, ContentGrant, ContentRefused, content_policy, granted_package, \
    inject_first, issue_token, read_token, sandbox_for
from lti_tool.progress import NoContent
from lti_tool.scorm_playback import Cmi5Unavailable, CommitRefused, Links, NoDelivery, cmi5_fetch, cmi5_sync, \
    navigate, package_id_of, player_page, record_commit, runtime_version
from lti_tool.security_headers import content_security_policy, frame_ancestors, origin
from lti_tool.state import app_state
from scorm.sequencing import NavigationRefused
from xapi.errors import InvalidStatement

bp = Blueprint("scorm_play", __name__, url_prefix="/scorm")
MAX_COMMIT_BYTES = 2 * 1024 * 1024
MAX_BRIDGED_BYTES = 8 * 1024 * 1024
"""HTML pages up to this size get the API bridge (read into memory); larger ones are streamed as they are."""


def _refusal(status: int, message: str) -> tuple[Response, int]:
    return jsonify(result=False, errorCode=101, error=message), status


@bp.get("/play")
@require_launch()
def play():  # type: ignore[no-untyped-def]
    launch = current_learner()
    try:
        page = player_page(app_state().db, launch)
    except NoContent as exc:
        abort(404, description=str(exc))
    content_origin = app_state().settings.content_origin
    config = {
        "version": page.version,
        "contentOrigin": content_origin or "null",  # what the SCO's messages say they come from
        "sessionUrl": url_for("scorm_play.session_start", sco_pk=0, launch=launch.token),
        "syncUrl": url_for("scorm_play.cmi5_sync_view", launch=launch.token) if page.cmi5 else None,
    }
    response = Response(render_template("scorm/play.html", page=page, config=config,
                                        sandbox=sandbox_for(content_origin)))
    if content_origin:  # the tool's policy, and the frame may show the content origin
        response.headers["Content-Security-Policy"] = (content_security_policy(frame_ancestors(), g.get("csp_nonce"))
                                                       + f"; frame-src 'self' {content_origin}")
    return response


def _content_url(launch: LaunchContext, package_id: str, href: str, *, framed: bool = False) -> str:
    """The absolute URL of a package file under a content token for this launch, on the content origin when there
    is one; the item's parameters (`?a=1`, `#x`) stay a query and a fragment. `framed` (a SCO, on a content origin
    of its own): the URL of a page of that origin holding the run-time API and framing the file, because SCORM's
    API discovery (RTE 3.3.6.1) starts at the SCO's parent, which must then be readable (same origin), and the
    player's page is not. Without a content origin each sandboxed document is an origin of its own: the SCO's own
    page holds the API (the bridge injected into it)."""
    settings = app_state().settings
    token = issue_token(settings.secret_key, ContentGrant(package_id, launch.resource_link_pk or 0, launch.user_pk))
    cut = min([i for i in (href.find("?"), href.find("#")) if i >= 0], default=len(href))
    base = (settings.content_origin or settings.base_url).rstrip("/")
    url = base + url_for("scorm_play.content", token=token, path=href[:cut]) + href[cut:]
    if framed and settings.content_origin:
        return base + url_for("scorm_play.sco_frame", token=token, sco=url)
    return url


def _links(launch: LaunchContext) -> Links:
    """`back` is the cmi5 returnURL: an AU in its own window comes back as a top-level page, where the cookie of the
    platform's frame (partitioned) is not sent, so it carries a bearer token (it expires with the idle lifetime)."""
    base = app_state().settings.base_url.rstrip("/")
    return Links(content=lambda package_id, href: _content_url(launch, package_id, href),
                 sco=lambda package_id, href: _content_url(launch, package_id, href, framed=True),
                 fetch=lambda attempt, nonce: base + url_for("scorm_play.cmi5_fetch_view", attempt_id=attempt,
                                                             nonce=nonce),
                 back=base + url_for("scorm_play.play", launch=launch_token(launch.launch_id, TokenKind.BEARER)))


@bp.post("/session/<int:sco_pk>")
@require_launch()
def session_start(sco_pk: int):  # type: ignore[no-untyped-def]
    """Open a SCO or cmi5 AU. `nav` is the navigation request: a choice of `sco_pk` by default (the menu);
    start, continue, previous, exit, exitAll, suspendAll, or what a SCO set in adl.nav.request
    (`{target=ID}choice`), with `sco_pk` 0; `from` is the SCO the learner leaves; `attempt=new` when the learner
    asks for a new attempt instead of reviewing a finished one."""
    launch = current_learner()
    state = app_state()
    nav = request.args.get("nav", "choice")
    try:
        opened = navigate(state.db, state.settings, launch, nav, _links(launch),
                          current=request.args.get("from", type=int), target=sco_pk if nav == "choice" else None,
                          new_attempt=request.args.get("attempt") == "new")
    except NoContent as exc:
        return _refusal(404, str(exc))
    except (NavigationRefused, Cmi5Unavailable) as exc:
        return _refusal(409, str(exc))
    if isinstance(opened, NoDelivery):
        return jsonify(attempt=None, reason=opened.reason, ended=opened.ended, menu=opened.menu,
                       ownWindowSco=opened.own_window_sco)
    commit_url = None if opened.cmi is None else url_for("scorm_play.commit", attempt_id=opened.attempt_id,
                                                         launch=launch.token)
    return jsonify(attempt=opened.attempt_id, cmi=opened.cmi, sco=opened.sco_id, url=opened.url, menu=opened.menu,
                   commitUrl=commit_url, ownWindow=opened.own_window, review=opened.review)


@bp.post("/cmi5/fetch/<int:attempt_id>/<nonce>")
def cmi5_fetch_view(attempt_id: int, nonce: str):  # type: ignore[no-untyped-def]
    """cmi5 8.2: the one-time fetch URL (the random nonce is the capability; the AU may live on any origin)."""
    try:
        token = cmi5_fetch(app_state().db, attempt_id, nonce[:100])
    except Cmi5Unavailable as exc:
        response = jsonify({"error-code": "1", "error-text": str(exc)})
        response.status_code = 401
    else:
        response = jsonify({"auth-token": token})
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/cmi5/sync")
@require_launch()
def cmi5_sync_view():  # type: ignore[no-untyped-def]
    """The player asks the tool to read the AU's statements back (when the player loads, when the AU is left,
    by beacon on pagehide): status, `satisfied`, and the grade for AGS follow from what the LRS holds."""
    state = app_state()
    try:
        attempts = cmi5_sync(state.db, state.settings, current_learner())
    except NoContent as exc:
        return _refusal(404, str(exc))
    return jsonify(result=True, aus={str(a.sco_id): {"completion": a.completion, "success": a.success,
                                                     "satisfied": a.finished} for a in attempts})


@bp.post("/commit/<int:attempt_id>")
@require_launch()
def commit(attempt_id: int):  # type: ignore[no-untyped-def]
    if (request.content_length or 0) > MAX_COMMIT_BYTES:
        return _refusal(413, f"commit larger than {MAX_COMMIT_BYTES} bytes")
    body = request.get_json(force=True, silent=True)  # the terminating commit is a sendBeacon (text/plain)
    if not isinstance(body, dict) or not isinstance(body.get("cmi"), dict):
        return _refusal(400, "expected a JSON object with a `cmi` object, as scorm-again commits it")
    state = app_state()
    try:
        record_commit(state.db, state.settings, current_learner(), attempt_id, body["cmi"],
                      terminated=request.args.get("terminate") == "true")
    except CommitRefused as exc:
        return _refusal(409 if "finished" in str(exc) else 403, str(exc))
    except InvalidStatement as exc:
        return _refusal(400, f"the CMI data does not make valid xAPI statements: {exc}")
    return jsonify(result=True, errorCode=0)


@bp.get("/content/<token>/<path:path>")
def content(token: str, path: str):  # type: ignore[no-untyped-def]
    """A package file, for the holder of a content token only, sandboxed (CSP `sandbox`: an opaque origin even
    as a top-level page). SCORM pages get the run-time API bridge injected before their own scripts."""
    state = app_state()
    if state.settings.content_origin and not _on_content_origin():
        abort(404)  # with a content origin, package files are never served on the tool's
    try:
        grant = read_token(state.settings.secret_key, token)
        kind = granted_package(state.db, grant)
    except ContentRefused as exc:
        response = Response(_("This content opens only from its activity: open the activity again from your "
                              "course.") + f" ({exc})", 403, mimetype="text/plain")
    else:
        folder = state.settings.packages_path / grant.package_id
        target = safe_join(str(folder), path)
        if target is None or not os.path.isfile(target):
            abort(404)
        if kind != "cmi5" and path.lower().endswith(HTML_SUFFIXES) and os.path.getsize(target) <= MAX_BRIDGED_BYTES:
            response = _bridged_page(Path(target), kind)
        else:
            response = send_from_directory(folder, path, max_age=300)
            response.headers["Cache-Control"] = "private, max-age=300"
    response.headers["Content-Security-Policy"] = content_policy(state.settings.content_origin, _tool_origin())
    return response


@bp.get("/sco/<token>")
def sco_frame(token: str):  # type: ignore[no-untyped-def]
    """On the content origin: the page that holds the run-time API (the bridge) and frames the SCO (`sco`, a
    content URL of the same token on this origin), so that the SCO finds the API in its parent."""
    state = app_state()
    wanted = request.args.get("sco", "")
    prefix = state.settings.content_origin.rstrip("/") + url_for("scorm_play.content", token=token, path="x")[:-1]
    if not state.settings.content_origin or not _on_content_origin() or not wanted.startswith(prefix):
        abort(404)
    try:
        kind = granted_package(state.db, read_token(state.settings.secret_key, token))
    except ContentRefused:
        abort(403)
    page = (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>SCO</title><style>html,body,iframe{{margin:0;'
            f'border:0;width:100%;height:100%;display:block;overflow:hidden}}</style></head><body>'
            f'<iframe src="{escape(wanted)}" title="SCO"></iframe></body></html>').encode()
    response = Response(inject_first(page, _bridge_tags(kind)), mimetype="text/html")
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = content_policy(state.settings.content_origin, _tool_origin())
    return response


def _tool_origin() -> str:
    return origin(app_state().settings.base_url) or request.host_url.rstrip("/")


def _on_content_origin() -> bool:
    return request.host_url.rstrip("/") == app_state().settings.content_origin


def _bridged_page(page_file: Path, kind: str) -> Response:
    """An HTML page of a SCORM package with the API bridge first in its head (scorm-again's CrossFrameAPI)."""
    response = Response(inject_first(page_file.read_bytes(), _bridge_tags(kind)), mimetype="text/html")
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _bridge_tags(kind: str) -> str:
    """The run-time API bridge (scorm-again's CrossFrameAPI and scorm-content-bridge.js), first in a page's head."""
    tool = escape(_tool_origin())
    return (f'<script src="{url_for("static", filename="vendor/scorm-again/cross-frame-api.min.js")}"></script>'
            f'<script src="{url_for("static", filename="scorm-content-bridge.js")}" data-origin="{tool}" '
            f'data-version="{runtime_version(kind)}"></script>')


def _packages_open_their_player():  # type: ignore[no-untyped-def]
    """A launch whose link points to a package lands on the SCORM player instead of the course player."""
    if request.endpoint == "player.start":
        launch = current_learner()
        if launch is not None and package_id_of(launch):
            return redirect(url_for("scorm_play.play", launch=launch.token), code=303)
    return None


def _content_origin_serves_content_only():  # type: ignore[no-untyped-def]
    """On the content origin (MIRCO_CONTENT_ORIGIN) only package files and the static files they load."""
    if app_state().settings.content_origin and _on_content_origin() and \
            request.endpoint not in ("scorm_play.content", "scorm_play.sco_frame", "static"):
        abort(404)
    return None


def register_scorm_player(app: Flask) -> None:
    app.register_blueprint(bp)
    app.before_request(_content_origin_serves_content_only)
    app.before_request(_packages_open_their_player)
