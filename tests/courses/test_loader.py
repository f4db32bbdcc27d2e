"""The course loader: a valid course loads into typed objects; every mistake is reported, located, at once."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from courses import CourseValidationError, load_course
from tests.conftest import FIXTURE_COURSES

MINI = FIXTURE_COURSES / "mini-course"


@pytest.fixture
def course_copy(tmp_path: Path) -> Path:
    target = tmp_path / "mini-course"
    shutil.copytree(MINI, target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture text {old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_valid_course_loads_into_typed_objects() -> None:
    course = load_course(MINI)
    assert course.id == "mini-course"
    assert course.eqf_level == 5
    assert [o.domain for o in course.outcomes] == ["knowledge", "skills", "responsibility"]
    module = course.modules[0]
    assert [lesson.id for lesson in module.lessons] == ["m1-l1-definition", "m1-l2-non-refoulement"]
    assert module.outcomes == ("K1", "R1", "S1")
    assert module.quiz is not None and len(module.quiz.questions) == 6
    assert course.final_assessment is not None
    assert course.library[0].year == 1951
    assert course.languages == ("en", "sr-Latn")
    assert len(course.content_hash) == 64


def test_translations_fall_back_per_field() -> None:
    course = load_course(MINI)
    quiz = course.modules[0].quiz
    assert quiz.title.get("sr-Latn") == "Provera modula 1"
    assert quiz.question("q2").prompt.get("sr-Latn").startswith("Protokol iz 1967.")
    assert quiz.question("q1").prompt.get("sr-Latn") == quiz.question("q1").prompt.get("en")  # not translated
    assert course.title.get("sr-Cyrl") == "Основе заштите избеглица"  # derived from Latin
    assert course.title.get("sr-Latn-ME") == "Osnove zaštite izbeglica"
    assert course.title.get("bs") == "Osnove zaštite izbeglica"
    assert course.title.get("sq") == "Refugee protection essentials"
    lesson = course.modules[0].lessons[0]
    assert lesson.title.get("sr-Latn") == "Definicija izbeglice"
    assert "Član 1A(2)" in lesson.body.get("sr-Latn")


def test_content_hash_changes_with_content(course_copy: Path) -> None:
    before = load_course(course_copy).content_hash
    edit(course_copy / "modules/01-basics/02-non-refoulement.md", "prohibits", "forbids")
    assert load_course(course_copy).content_hash != before


def test_quiz_grading_all_question_types() -> None:
    quiz = load_course(MINI).modules[0].quiz
    right = {q.id: q.correct_response() for q in quiz.questions}
    result = quiz.grade(right)
    assert result.passed and result.points == result.max_points == 6 and result.scaled == 1.0
    wrong = dict(right, q1="b", q3=["a"], q4={"p1": "p2", "p2": "p1"}, q5=["i2", "i1", "i3"], q6="34")
    result = quiz.grade(wrong)
    assert result.points == 1 and not result.passed
    assert quiz.question("q6").is_correct("  Thirty-Three ")
    assert not quiz.question("q2").is_correct("true")  # a string is not a boolean answer


def test_ten_mistakes_give_ten_located_errors(course_copy: Path) -> None:
    module = course_copy / "modules/01-basics"
    edit(course_copy / "course.yaml", "eqf_level: 5", "eqf_level: 9")                           # 1 bad EQF level
    edit(course_copy / "course.yaml", "licence: CC-BY-SA-4.0", "licence: CC-BY-SA-4.0\ncolour: blue")  # 2 unknown key
    edit(module / "module.yaml", "id: m1-basics\n", "")                                      # 3 missing id
    edit(module / "02-non-refoulement.md", "id: m1-l2-non-refoulement", "id: m1-l1-definition")  # 4 duplicate id
    edit(module / "quiz.yaml", "outcomes: [S1]\n    choices", "outcomes: [S9]\n    choices")     # 5 dangling outcome
    edit(module / "quiz.yaml", "{id: a, text: Article 33, correct: true}", "{id: a, text: Article 33}")  # 6 no correct
    edit(module / "01-definition.md", "## Summary", "![](media/missing.png)\n\n## Summary")       # 7 broken image
    edit(module / "quiz.yaml", "type: ordering", "type: essay")                                  # 8 bad type
    edit(course_copy / "course.yaml", "    url: https://www.unhcr.org/media/convention-and-protocol-relating-status-refugees\n",
         "")                                                                                     # 9 no url/file
    edit(module / "quiz.yaml", "    answer: true", "    answer: maybe")                          # 10 bad boolean
    with pytest.raises(CourseValidationError) as info:
        load_course(course_copy)
    problems = info.value.problems
    text = "\n".join(map(str, problems))
    expected = [
        ("course.yaml", "eqf_level: 9 is out of range"),
        ("course.yaml", "unknown key 'colour'"),
        ("modules/01-basics/module.yaml", "missing required key 'id'"),
        ("modules/01-basics/02-non-refoulement.md", "duplicate lesson/quiz id 'm1-l1-definition'"),
        ("modules/01-basics/quiz.yaml", "'S9' is not an outcome of this course"),
        ("modules/01-basics/quiz.yaml", "no choice is marked correct"),
        ("modules/01-basics/01-definition.md", "broken image link 'media/missing.png'"),
        ("modules/01-basics/quiz.yaml", "'essay' is not a question type"),
        ("course.yaml", "give a url or an attached file"),
        ("modules/01-basics/quiz.yaml", "answer: expected true or false"),
    ]
    for file, fragment in expected:
        assert any(p.file == file and fragment in p.message and p.line > 0 for p in problems), (fragment, text)
    # the image without alt text is an eleventh, separate accessibility problem on the same line
    assert len(problems) == 11, text
    image = next(p for p in problems if "broken image" in p.message)
    assert image.line == (module / "01-definition.md").read_text().splitlines().index("![](media/missing.png)") + 1


def test_yaml_syntax_error_is_located(course_copy: Path) -> None:
    edit(course_copy / "modules/01-basics/quiz.yaml", "attempts: 2", "attempts: [2")
    with pytest.raises(CourseValidationError) as info:
        load_course(course_copy)
    assert any(p.file.endswith("quiz.yaml") and "invalid YAML" in p.message and p.line >= 4
               for p in info.value.problems), info.value


def test_yaml_syntax_error_is_listed_before_the_problems_it_causes(course_copy: Path) -> None:
    """A quiz that does not parse also leaves outcomes unassessed and keys missing: the cause comes first."""
    edit(course_copy / "modules/01-basics/quiz.yaml", "attempts: 2", "attempts: [2")
    with pytest.raises(CourseValidationError) as info:
        load_course(course_copy)
    first, *rest = info.value.problems
    assert first.file == "modules/01-basics/quiz.yaml" and "invalid YAML" in first.message and first.line >= 4
    assert any("not assessed by any question" in p.message for p in rest)
    assert any(p.file == first.file and p.line < first.line for p in rest)  # the old sort put those first
    assert str(info.value).splitlines()[1].startswith("modules/01-basics/quiz.yaml:")


def test_duplicate_yaml_key_is_reported(course_copy: Path) -> None:
    edit(course_copy / "course.yaml", "hours: 2", "hours: 2\nhours: 3")
    with pytest.raises(CourseValidationError, match="duplicate key 'hours'"):
        load_course(course_copy)


def test_uncovered_outcome_is_reported(course_copy: Path) -> None:
    edit(course_copy / "modules/01-basics/01-definition.md", "outcomes: [K1, R1]", "outcomes: [K1]")
    edit(course_copy / "modules/01-basics/quiz.yaml", "outcomes: [S1, R1]", "outcomes: [S1]")
    with pytest.raises(CourseValidationError) as info:
        load_course(course_copy)
    messages = [p.message for p in info.value.problems]
    assert "outcome R1 is not covered by any lesson (list it in a lesson's outcomes)" in messages
    assert any("outcome R1 is not assessed by any question" in m for m in messages)


def test_paths_outside_the_course_are_refused(course_copy: Path, tmp_path: Path) -> None:
    (tmp_path / "secret.yaml").write_text("id: x\n")
    edit(course_copy / "course.yaml", "final_assessment: final.yaml", "final_assessment: ../secret.yaml")
    edit(course_copy / "modules/01-basics/01-definition.md", "## Summary", "![map](../../../secret.yaml)\n\n## Summary")
    with pytest.raises(CourseValidationError) as info:
        load_course(course_copy)
    text = str(info.value)
    assert "points outside the course folder" in text
    assert "broken image link '../../../secret.yaml'" in text


def test_not_a_folder() -> None:
    with pytest.raises(CourseValidationError, match="not a folder"):
        load_course(Path("/nonexistent/course"))


def test_byte_order_mark_and_windows_line_endings_load(course_copy: Path) -> None:
    for path in [course_copy / "course.yaml", *course_copy.glob("modules/*/*")]:
        data = path.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        path.write_bytes(b"\xef\xbb\xbf" + data)
    course = load_course(course_copy)
    lesson = course.modules[0].lessons[0]
    assert lesson.id == "m1-l1-definition" and lesson.title.get("sr-Latn") == "Definicija izbeglice"


def test_image_file_names_with_spaces_and_diacritics(course_copy: Path) -> None:
    module = course_copy / "modules/01-basics"
    (module / "karta č.png").write_bytes(b"\x89PNG\r\n")
    edit(module / "01-definition.md", "## Summary", "![karta](<karta č.png>)\n\n## Summary")
    assert load_course(course_copy).modules[0].lessons[0].body.get().count("karta č.png") == 1


def test_translated_list_entries_must_match_an_original_id(course_copy: Path) -> None:
    edit(course_copy / "modules/01-basics/quiz.sr-Latn.yaml", "  - id: q2\n", "  - id: q9\n")
    with pytest.raises(CourseValidationError) as info:
        load_course(course_copy)
    [problem] = info.value.problems
    assert problem.file == "modules/01-basics/quiz.sr-Latn.yaml" and problem.line == 3
    assert "'q9' is not an id in the original list" in problem.message


def test_ids_that_are_not_text_are_reported_not_crashed_on(course_copy: Path) -> None:
    edit(course_copy / "modules/01-basics/quiz.yaml", "  - id: q1\n", "  - id: [1, 2]\n")
    edit(course_copy / "modules/01-basics/quiz.sr-Latn.yaml", "  - id: q2\n", "  - id: {x: 1}\n")
    with pytest.raises(CourseValidationError) as info:
        load_course(course_copy)
    messages = [str(p) for p in info.value.problems]
    assert any("quiz.yaml" in m and ".id: expected non-empty text, got a list" in m for m in messages), messages
    assert any("quiz.sr-Latn.yaml:3:" in m and "needs the id of the entry it translates" in m for m in messages), messages


def test_control_characters_in_text_are_reported(course_copy: Path) -> None:
    edit(course_copy / "modules/01-basics/quiz.yaml", "title: Module 1 check", 'title: "Module\\x01 check"')
    with pytest.raises(CourseValidationError, match="contains a control character"):
        load_course(course_copy)


def test_fractional_points_count_in_grading(course_copy: Path) -> None:
    edit(course_copy / "modules/01-basics/quiz.yaml", "    type: true_false\n", "    type: true_false\n    points: 0.5\n")
    quiz = load_course(course_copy).modules[0].quiz
    assert quiz.question("q2").points == 0.5
    result = quiz.grade({"q2": True})
    assert result.points == 0.5 and result.max_points == quiz.max_points


def test_question_images_must_be_https(course_copy: Path) -> None:
    quiz = course_copy / "modules/01-basics/quiz.yaml"
    edit(quiz, "    prompt: Which article", "    prompt: '![map](media/map.png) Which article")
    edit(quiz, "sets out non-refoulement?", "sets out non-refoulement?'")
    edit(quiz, "{id: b, text: Article 1F,", "{id: b, text: '![ok](https://example.org/a.png) Article 1F',")
    with pytest.raises(CourseValidationError) as info:
        load_course(course_copy)
    [problem] = info.value.problems
    assert problem.file == "modules/01-basics/quiz.yaml" and problem.line == 7
    assert "image 'media/map.png': questions can only show https:// images" in problem.message


def test_yaml_alias_bomb_is_refused_quickly(course_copy: Path) -> None:
    """Nine aliases of nine aliases...: 9**9 values once expanded; a validation message used to print them all."""
    anchors = ['&a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'] + [
        f"&a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)]
    quiz = course_copy / "modules/01-basics/quiz.yaml"
    quiz.write_text(f"anchors: [{', '.join(anchors)}]\n" + quiz.read_text().replace("attempts: 2", "attempts: *a8"))
    with pytest.raises(CourseValidationError) as info:
        load_course(course_copy)
    assert any(p.file == "modules/01-basics/quiz.yaml" and "aliases (*name) expand to too much data" in p.message
               for p in info.value.problems), info.value


def test_more_choices_than_scorm_can_record_are_reported(course_copy: Path) -> None:
    many = "".join(f"      - {{id: c{i}, text: Choice {i}}}\n" for i in range(36))
    edit(course_copy / "modules/01-basics/quiz.yaml", "      - {id: b, text: Article 1F,", many + "      - {id: b, text: Article 1F,")
    with pytest.raises(CourseValidationError) as info:
        load_course(course_copy)
    assert [p.message for p in info.value.problems] == [
        "module 01-basics quiz question q1.choices: at most 36 choices (what SCORM can record)"]
