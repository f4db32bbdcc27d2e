"""Viewing an e-library resource becomes an xAPI `experienced` statement for the launched learner.

Visitors of the public library (no LTI launch) record nothing: there is nobody to attribute the view to.
"""
from __future__ import annotations

from courses.model import Course, LibraryResource
from lti_tool.identity import current_learner
from lti_tool.lrs import tool_authority
from lti_tool.state import app_state
from xapi.builders import CourseStatements
from xapi.service import store_statements
from xapi.vocabulary import ActivityType, Verb


def record_resource_experienced(course: Course, resource: LibraryResource, lang: str) -> str | None:
    """Store `experienced` on `{base}/{course}/library/{resource}`; return the statement id, None when anonymous."""
    launch = current_learner()
    if launch is None:
        return None
    state = app_state()
    builder = CourseStatements(
        base_iri=state.settings.activity_iri_base, course_id=course.id, registration=None,
        learner=launch.learner(),
        with_names=state.settings.actor_names, course_title=dict(course.title.values), language=lang)
    kind = ActivityType.FILE if resource.file and not resource.url else ActivityType.LINK
    resource = builder.activity(["library", resource.id], kind, dict(resource.title.values))
    statement = builder.statement(Verb.EXPERIENCED, resource, parents=[builder.course()])
    with state.db.transaction() as session:
        return store_statements(session, [statement], authority=tool_authority(state.settings))[0]
