"""Deep Linking 2.0: an instructor picks curricula, modules or lessons; the tool answers the platform with a
signed LtiDeepLinkingResponse of ltiResourceLink items, each with a line item and custom parameters."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_babel import lazy_gettext as _l
from pylti1p3.deep_link import DeepLink
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.lineitem import LineItem
from sqlalchemy import select

from lti_tool.i18n import content_lang
from lti_tool.identity import current_learner, require_launch
from lti_tool.lti.content_choices import content_choices, resolve
from lti_tool.lti.toolconf import DatabaseToolConf
from lti_tool.lti.views import tool_url
from lti_tool.models import LtiLaunch, LtiPlatform
from lti_tool.state import app_state

bp = Blueprint("deep_linking", __name__, url_prefix="/lti/deep-link")
MAX_ITEMS = 50
SCORE_MAXIMUM = 100


@bp.get("/")
@require_launch(role="instructor")
def picker():  # type: ignore[no-untyped-def]
    launch = current_learner()
    if launch.message_type != "LtiDeepLinkingRequest":
        abort(400, description=_l("Content is picked from the platform's 'add activity' flow (deep linking)."))
    with app_state().db.sessions() as session:
        settings = session.get(LtiLaunch, launch.launch_id).deep_linking or {}
    return render_template("lti/deep_link_picker.html", launch=launch,
                           items=content_choices(content_lang(), launch.platform_pk),
                           multiple=settings.get("accept_multiple") not in (False, "false"))


def _resource(value: str, lang: str | None, platform_pk: int) -> DeepLinkResource | None:
    """The ltiResourceLink for a picked value, or None when the value names nothing in the catalogue (or a package
    this platform may not use)."""
    choice = resolve(value, lang, platform_pk)
    if choice is None:
        return None
    custom = {"course": choice.course_id}
    custom.update({name: target for name, target in (("module", choice.module_id), ("lesson", choice.lesson_id))
                   if target})
    resource = (DeepLinkResource().set_url(tool_url("lti.launch")).set_title(choice.label)
                .set_custom_params(custom))
    return _graded(resource, choice.label, value) if choice.graded else resource


def _graded(resource: DeepLinkResource, label: str, resource_id: str) -> DeepLinkResource:
    return resource.set_lineitem(LineItem().set_score_maximum(SCORE_MAXIMUM).set_label(label)
                                 .set_resource_id(resource_id).set_tag("mirco"))


@bp.post("/")
@require_launch(role="instructor")
def respond():  # type: ignore[no-untyped-def]
    launch = current_learner()
    picked = request.form.getlist("item")[:MAX_ITEMS + 1]
    if len(picked) > MAX_ITEMS:
        abort(400, description=_l("Pick at most %(count)d items at once.", count=MAX_ITEMS))
    resources = [_resource(value, content_lang(), launch.platform_pk) for value in picked]
    if not picked or any(r is None for r in resources):
        abort(400, description=_l("Pick at least one item from the list (unknown items are refused)."))
    state = app_state()
    with state.db.sessions() as session:
        row = session.get(LtiLaunch, launch.launch_id)
        if launch.message_type != "LtiDeepLinkingRequest" or not row.deep_linking:
            abort(400, description=_l("This launch was not a deep-linking request."))
        if row.deep_linking.get("accept_multiple") in (False, "false") and len(resources) > 1:
            abort(400, description=_l("The platform accepts one item here; pick only one."))
        platform = session.scalar(select(LtiPlatform).where(LtiPlatform.id == launch.platform_pk))
        registration = DatabaseToolConf(session, state.settings.keys_path).registration_for(platform)
        settings = row.deep_linking
    if not str(settings.get("deep_link_return_url", "")).startswith(("https://", "http://")):
        abort(400, description=_l("The platform sent no usable deep_link_return_url."))
    deep_link = DeepLink(registration, launch.deployment_id, settings)
    token = deep_link.get_response_jwt(resources)
    return render_template("lti/deep_link_return.html", return_url=settings["deep_link_return_url"], jwt=token)
