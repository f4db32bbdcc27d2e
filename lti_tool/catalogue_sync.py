"""Record which version of each course the installation serves (content hash = version identity)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from courses.model import Course
from lti_tool.models import CourseRecord, utcnow


def sync_course(session: Session, course: Course) -> bool:
    """Insert or update the course row; True when the stored version changed."""
    record = session.get(CourseRecord, course.id)
    if record and record.content_hash == course.content_hash:
        return False
    if record is None:
        record = CourseRecord(id=course.id)
        session.add(record)
    record.version = course.version
    record.content_hash = course.content_hash
    record.source_path = str(course.path)
    record.title = dict(course.title.values)
    record.eqf_level = course.eqf_level
    record.loaded_at = utcnow()
    return True
