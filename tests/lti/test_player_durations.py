"""The player shows study times computed from the content, not the minutes an author typed."""
from __future__ import annotations

from courses.loader import load_course
from tests.conftest import FIXTURE_COURSES
from tests.lti.test_flow import launch_as


def test_outline_and_lesson_show_computed_times(tool, platform):
    module = load_course(FIXTURE_COURSES / "mini-course").modules[0]
    first = module.lessons[0]
    assert (first.minutes, first.estimated_minutes) == (20, 1) and module.minutes == 45
    browser, outline = launch_as(platform)
    assert f"Estimated time: {module.estimated_minutes} minutes" in outline.text  # 1 + 1 + 6 questions × 1.5
    assert "(1 minute)" in outline.text and "45 minutes" not in outline.text and "(20 minutes)" not in outline.text
    lesson = browser.http.get(tool.url + "/play/lesson/m1-basics/m1-l1-definition", timeout=10)
    assert "Estimated time: 1 minute<" in lesson.text


def test_course_page_shows_computed_guided_time_beside_declared_hours(tool):
    import requests

    course = load_course(FIXTURE_COURSES / "mini-course")
    page = requests.get(tool.url + "/courses/mini-course", timeout=10).text
    assert f"Lessons, assigned reading and quizzes: about {course.estimated_minutes} minutes" in page
    assert "2 hours" in page  # the declared workload stays
