"""The curriculum model: authoring format, loader, validation and HTML rendering. Imports nothing of ours."""
from courses.errors import CourseValidationError, Problem
from courses.loader import load_course
from courses.model import Course, LocalizedText, Module, Lesson, Quiz, Question

__all__ = [
    "Course", "CourseValidationError", "LocalizedText", "Lesson", "Module", "Problem", "Question", "Quiz",
    "load_course",
]
