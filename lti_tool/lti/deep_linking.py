"""Deep Linking 2.0: an instructor picks curricula, modules or lessons; the tool answers the platform with a
signed LtiDeepLinkingResponse of ltiResourceLink items, each with a line item and custom parameters."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_babel import lazy_gettext as _l
from pylti1p3.deep_link import DeepLink
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.lineitem import LineItem
from sqlalchemy import select

from lti_tool.identity import current_learner, require_launch
from lti_tool.lti.toolconf import DatabaseToolConf
from lti_tool.lti.views import tool_url
from lti_tool.models import LtiLaunch, LtiPlatform
from lti_tool.scorm_playback import PACKAGE_PREFIX, imported_packages
from lti_tool.state import app_state

bp = Blueprint("deep_linking", __name__, url_prefix="/lti/deep-link")
MAX_ITEMS = 50
SCORE_MAXIMUM = 100


def _choices(lang: str | None, platform_pk: int) -> list[dict]:
    """Every pickable item: a course, each module, each lesson (value = course[/module[/lesson]])."""
    items = []
    for course in app_state().catalogue:
        items.append({"value": course.id, "label": course.title.get(lang), "level": 0, "graded": True})
        for module in course.modules:
            items.append({"value": f"{course.id}/{module.id}", "label": module.title.get(lang), "level": 1,
                          "graded": True})
            for lesson in module.lessons:
                items.append({"value": f"{course.id}/{module.id}/{lesson.id}", "label": lesson.title.get(lang),
                              "level": 2, "graded": False})
    items.extend({"value": PACKAGE_PREFIX + package_id, "label": title, "level": 0, "graded": True}
                 for package_id, title in imported_packages(app_state().db, platform_pk))
    return items


@bp.get("/")
@require_launch(role="instructor")
def picker():  # type: ignore[no-untyped-def]
    launch = current_learner()
    if launch.message_type != "LtiDeepLinkingRequest":
        abort(400, description=_l("Content is picked from the platform's 'add activity' flow (deep linking)."))
    with app_state().db.sessions() as session:
        settings = session.get(LtiLaunch, launch.launch_id).deep_linking or {}
    return render_template("lti/deep_link_picker.html", launch=launch,
                           items=_choices(launch.locale, launch.platform_pk),
                           multiple=settings.get("accept_multiple") not in (False, "false"))


def _resource(value: str, lang: str | None, platform_pk: int) -> DeepLinkResource | None:
    """The ltiResourceLink for a picked value, or None when the value names nothing in the catalogue (or a package
    this platform may not use)."""
    if value.startswith(PACKAGE_PREFIX):
        title = dict(imported_packages(app_state().db, platform_pk)).get(value[len(PACKAGE_PREFIX):])
        return _graded(DeepLinkResource().set_url(tool_url("lti.launch")).set_title(title)
                       .set_custom_params({"course": value}), title, value) if title else None
    parts = value.split("/")
    course = app_state().catalogue.get(parts[0])
    if course is None or len(parts) > 3:
        return None
    module = next((m for m in course.modules if len(parts) > 1 and m.id == parts[1]), None)
    if len(parts) > 1 and module is None:
        return None
    lesson = next((l for l in module.lessons if len(parts) > 2 and l.id == parts[2]), None) if module else None
    if len(parts) > 2 and lesson is None:
        return None
    target = lesson or module or course
    custom = {"course": course.id}
    if module:
        custom["module"] = module.id
    if lesson:
        custom["lesson"] = lesson.id
    resource = (DeepLinkResource().set_url(tool_url("lti.launch")).set_title(target.title.get(lang))
                .set_custom_params(custom))
    if lesson is None:  # lessons are not graded on their own
        _graded(resource, target.title.get(lang), value)
    return resource


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
    resources = [_resource(value, launch.locale, launch.platform_pk) for value in picked]
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
