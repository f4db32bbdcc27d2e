"""Imported SCORM packages inside the platform: the player page (scorm-again as the runtime, the SCO in a frame),
the session/commit API it calls, and the package files.

Package files are served under the package's random 128-bit id without a launch check (a SCO's relative links
cannot carry the launch token); the commit API needs the launch like every learner action.
"""
from __future__ import annotations

from flask import Blueprint, Flask, Response, abort, jsonify, redirect, render_template, request, send_from_directory, \
    url_for

from lti_tool.identity import current_learner, launch_token, require_launch
from lti_tool.launch_tokens import TokenKind
from lti_tool.progress import NoContent
from lti_tool.scorm_playback import Cmi5Unavailable, CommitRefused, Links, NoDelivery, cmi5_fetch, cmi5_sync, \
    navigate, package_id_of, player_page, record_commit
from lti_tool.state import app_state
from scorm.sequencing import NavigationRefused
from xapi.errors import InvalidStatement

bp = Blueprint("scorm_play", __name__, url_prefix="/scorm")
MAX_COMMIT_BYTES = 2 * 1024 * 1024
CONTENT_POLICY = ("default-src 'self' 'unsafe-inline' 'unsafe-eval' data: blob:; img-src 'self' data: blob: https:; "
                  "media-src 'self' blob: https:; object-src 'none'; frame-ancestors 'self'")
"""Third-party SCOs use inline scripts and eval; they may only talk to this origin and be framed by the player."""


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
    config = {
        "version": page.version,
        "sessionUrl": url_for("scorm_play.session_start", sco_pk=0, launch=launch.token),
        "syncUrl": url_for("scorm_play.cmi5_sync_view", launch=launch.token) if page.cmi5 else None,
    }
    return render_template("scorm/play.html", page=page, config=config)


def _content_url(package_id: str, href: str) -> str:
    """The URL of a package file; the item's parameters (`?a=1`, `#x`) stay a query and a fragment."""
    cut = min([i for i in (href.find("?"), href.find("#")) if i >= 0], default=len(href))
    return url_for("scorm_play.content", package_id=package_id, path=href[:cut]) + href[cut:]


def _links(launch_id: str) -> Links:
    """`back` is the cmi5 returnURL: an AU in its own window comes back as a top-level page, where the cookie of the
    platform's frame (partitioned) is not sent, so it carries a bearer token (it expires with the idle lifetime)."""
    base = app_state().settings.base_url.rstrip("/")
    return Links(content=_content_url,
                 fetch=lambda attempt, nonce: base + url_for("scorm_play.cmi5_fetch_view", attempt_id=attempt,
                                                             nonce=nonce),
                 back=base + url_for("scorm_play.play", launch=launch_token(launch_id, TokenKind.BEARER)))


@bp.post("/session/<int:sco_pk>")
@require_launch()
def session_start(sco_pk: int):  # type: ignore[no-untyped-def]
    """Open a SCO or cmi5 AU. `nav` is the navigation request: a choice of `sco_pk` by default (the menu);
    start, continue, previous, exit, exitAll, suspendAll, or what a SCO set in adl.nav.request
    (`{target=ID}choice`), with `sco_pk` 0; `from` is the SCO the learner leaves."""
    launch = current_learner()
    state = app_state()
    nav = request.args.get("nav", "choice")
    try:
        opened = navigate(state.db, state.settings, launch, nav, _links(launch.launch_id),
                          current=request.args.get("from", type=int), target=sco_pk if nav == "choice" else None)
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
                   commitUrl=commit_url, ownWindow=opened.own_window)


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


@bp.get("/content/<package_id>/<path:path>")
def content(package_id: str, path: str):  # type: ignore[no-untyped-def]
    if len(package_id) != 32 or not package_id.isalnum():
        abort(404)
    response = send_from_directory(app_state().settings.packages_path / package_id, path, max_age=300)
    response.headers["Content-Security-Policy"] = CONTENT_POLICY
    return response


def _packages_open_their_player():  # type: ignore[no-untyped-def]
    """A launch whose link points to a package lands on the SCORM player instead of the course player."""
    if request.endpoint == "player.start":
        launch = current_learner()
        if launch is not None and package_id_of(launch):
            return redirect(url_for("scorm_play.play", launch=launch.token), code=303)
    return None


def register_scorm_player(app: Flask) -> None:
    app.register_blueprint(bp)
    app.before_request(_packages_open_their_player)
