"""What a resource link can open: the curricula, their modules and lessons, and the imported packages.

One list for both places a teacher picks content: the platform's deep-linking flow (lti.deep_linking) and an
activity added without content, opened by its teacher (views.player). A picked value is
`course[/module[/lesson]]` or `pkg:<package id>`; `resolve` is the only way from such a value to a target, so a
value naming nothing in this installation is refused the same way in both.
"""
from __future__ import annotations

from dataclasses import dataclass

from lti_tool.scorm_playback import PACKAGE_PREFIX, imported_packages
from lti_tool.state import app_state
from scorm.tenancy import visible_package

MAX_VALUE = 310
"""Longer than any value the list offers (three ids of 100 characters and two slashes, or a package id)."""


@dataclass(frozen=True)
class Choice:
    """One pickable item and the resource link's target it means."""

    value: str
    label: str
    level: int
    graded: bool
    """Courses, modules and packages send a score to the gradebook; single lessons do not."""
    course_id: str
    """The link's `course`: a curriculum id, or `pkg:<package id>` for an imported package."""
    module_id: str | None = None
    lesson_id: str | None = None


def content_choices(lang: str | None, platform_pk: int) -> list[Choice]:
    """Every pickable item, in outline order (each course, then its modules, each module's lessons), then the
    packages this platform may use (its own and those an administrator shared: scorm.tenancy)."""
    items = []
    for course in app_state().catalogue:
        items.append(Choice(course.id, course.title.get(lang), 0, True, course.id))
        for module in course.modules:
            items.append(Choice(f"{course.id}/{module.id}", module.title.get(lang), 1, True, course.id, module.id))
            items.extend(Choice(f"{course.id}/{module.id}/{lesson.id}", lesson.title.get(lang), 2, False, course.id,
                                module.id, lesson.id) for lesson in module.lessons)
    items.extend(Choice(PACKAGE_PREFIX + package_id, title, 0, True, PACKAGE_PREFIX + package_id)
                 for package_id, title in imported_packages(app_state().db, platform_pk))
    return items


def resolve(value: object, lang: str | None, platform_pk: int) -> Choice | None:
    """The item a picked value names, or None when it names nothing in this installation, a package this platform
    may not use, or is not text."""
    if not isinstance(value, str) or not value or len(value) > MAX_VALUE:
        return None
    if value.startswith(PACKAGE_PREFIX):
        with app_state().db.sessions() as session:
            package = visible_package(session, value[len(PACKAGE_PREFIX):], platform_pk)
            title = package.title if package is not None else None
        return Choice(value, title, 0, True, value) if title is not None else None
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
    return Choice(value, target.title.get(lang), len(parts) - 1, lesson is None, course.id,
                  module.id if module else None, lesson.id if lesson else None)


def opens_content(course_id: str | None, platform_pk: int) -> bool:
    """Whether a resource link's `course` names a curriculum, or an imported package the platform may use."""
    return course_id is not None and resolve(course_id, None, platform_pk) is not None
